package dev.quietstar.api;

import java.nio.file.Path;

/**
 * Trains a causal LM with Quiet-STaR. Created by a backend from a {@link TrainingSetup}.
 *
 * <p>Training is seeded and reproducible: the same seed, data and configuration give the same losses. A trainer
 * is not thread-safe and owns native memory: close it when done.
 */
public interface Trainer extends AutoCloseable {

    /**
     * Adds a listener for step metrics and checkpoints.
     *
     * @param listener the listener
     */
    void addListener(TrainingListener listener);

    /**
     * Runs the remaining steps of the schedule on the dataset, checkpointing as configured and at the end.
     *
     * @param data the corpus
     * @return the metrics and the final checkpoint
     */
    TrainingReport train(Dataset data);

    /**
     * The number of optimiser steps already taken (non-zero after resuming).
     *
     * @return the step count
     */
    int completedSteps();

    /**
     * Writes a checkpoint of the current state atomically (temporary folder, then rename).
     *
     * @param folder the destination; replaced only once the new checkpoint is complete
     */
    void save(Path folder);

    /** Frees the model and optimiser state. */
    @Override
    void close();
}
