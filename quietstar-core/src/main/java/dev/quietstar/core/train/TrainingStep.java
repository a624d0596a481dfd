package dev.quietstar.core.train;

import dev.quietstar.api.TrainingObjective;
import dev.quietstar.core.gate.ThinkingGate;
import dev.quietstar.core.text.TextTokenizer;
import java.io.IOException;
import java.nio.file.Path;

/**
 * What one optimiser step needs from an engine: the backend side of training, driven by {@link TrainingLoop}.
 *
 * <p>The loop owns the data, the schedule, the seeds, the divergence checks, the checkpoint cadence and layout and
 * the metrics; a step owns only its model's tensors and optimiser. Per optimiser step the loop calls
 * {@link #accumulate} once per micro-batch, then {@link #gradientNorm()}, then {@link #update} (or
 * {@link #zeroGradients()} when it gives up on the step). A step is not thread-safe.
 */
public interface TrainingStep extends AutoCloseable {

    /**
     * What this step optimises.
     *
     * @return the objective
     */
    TrainingObjective objective();

    /**
     * The tokenizer of the model being trained (the loop tokenises the data with it).
     *
     * @return the tokenizer
     */
    TextTokenizer tokenizer();

    /**
     * The number of positions the model can attend over.
     *
     * @return max_position_embeddings
     */
    int maxPositions();

    /**
     * The model's hidden size (the width of a thinking gate).
     *
     * @return H
     */
    int hiddenSize();

    /**
     * Runs the forward and backward pass of one micro-batch and adds its gradients, divided by
     * {@link MicroBatch#count()}, to the gradients accumulated since the last update. When the loss is not finite
     * the step skips the backward pass and returns it, so the loop can stop.
     *
     * @param batch the examples and the seed
     * @param withGate whether to compute the thinking gate's training inputs ({@link MicroBatchResult#gate()})
     * @return what the micro-batch measured
     */
    MicroBatchResult accumulate(MicroBatch batch, boolean withGate);

    /**
     * The L2 norm of all accumulated gradients together.
     *
     * @return the global gradient norm; NaN or infinite when a gradient holds such a value
     */
    double gradientNorm();

    /**
     * The name of the first parameter whose gradient holds a NaN or infinite value.
     *
     * @return the name, or {@code "none"}
     */
    String firstNonFiniteGradient();

    /**
     * Applies the optimiser to the accumulated gradients, then clears them.
     *
     * @param learningRate the scheduled base learning rate; each parameter group applies its own multiplier
     * @param gradientScale the factor the gradients are multiplied by first (the clip scale, 1 for no clipping)
     */
    void update(double learningRate, double gradientScale);

    /** Drops the accumulated gradients without applying them. */
    void zeroGradients();

    /**
     * Writes the model (weights, architecture, Quiet-STaR metadata, tokenizer, installed thinking gate) into a
     * folder; the loop makes the write atomic.
     *
     * @param folder an existing empty folder
     * @throws IOException when writing fails
     */
    void saveModel(Path folder) throws IOException;

    /**
     * Writes the optimiser state (and any parameter that must be restored exactly) into a folder.
     *
     * @param stateDir an existing folder inside a checkpoint being written
     * @throws IOException when writing fails
     */
    void saveTrainingState(Path stateDir) throws IOException;

    /**
     * Restores what {@link #saveTrainingState} wrote.
     *
     * @param stateDir the checkpoint's training-state folder
     * @param completedSteps the optimiser steps the checkpoint holds
     * @throws IllegalArgumentException when the files are missing or do not fit the model
     */
    void restoreTrainingState(Path stateDir, int completedSteps);

    /**
     * The thinking gate training starts from: the model's own, or {@link ThinkingGate#zero} of its hidden size.
     *
     * @return the gate
     */
    ThinkingGate startGate();

    /**
     * Installs the gate being trained in the model, so that saved checkpoints hold it.
     *
     * @param gate the gate
     */
    void installGate(ThinkingGate gate);

    /** Frees the optimiser state and stops tracking gradients; the model itself stays open. */
    @Override
    void close();
}
