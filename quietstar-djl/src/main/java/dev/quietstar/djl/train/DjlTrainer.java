package dev.quietstar.djl.train;

import ai.djl.ndarray.NDArray;
import dev.quietstar.api.Dataset;
import dev.quietstar.api.RewardEstimator;
import dev.quietstar.api.Trainer;
import dev.quietstar.api.TrainingListener;
import dev.quietstar.api.TrainingObjective;
import dev.quietstar.api.TrainingReport;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.core.train.TrainingLoop;
import dev.quietstar.core.train.TrainingState;
import dev.quietstar.djl.thought.ParallelThoughtGenerator;
import dev.quietstar.djl.thought.QuietStarModel;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Trains a {@link QuietStarModel} on DJL: core's {@link TrainingLoop} (schedule, micro-batches, seeds, divergence
 * checks, checkpoints, resume, metrics, thinking gate) driving a {@link DjlTrainingStep} (forward, backward, AdamW)
 * over the model.
 *
 * <p>Reproducible: the same seed and data give the same losses, and a run resumed from a checkpoint continues the
 * same loss curve. Checkpoints go to {@code outputDir/checkpoints/step-NNNNNN} every {@code checkpointEvery} steps
 * and at the end; metrics to {@code outputDir/metrics.jsonl}. The caller owns the model; closing the trainer frees
 * the optimiser state only. Not thread-safe.
 */
public final class DjlTrainer implements Trainer {

    /** Folder inside a checkpoint that holds the optimiser and schedule state. */
    public static final String STATE_DIR = TrainingLoop.STATE_DIR;
    /** File in {@link #STATE_DIR} with the exact meta-token parameters (the weights file holds them scaled). */
    public static final String META_TOKEN_PARAMETERS = DjlTrainingStep.META_TOKEN_PARAMETERS;
    /** File in {@link #STATE_DIR} with the thinking gate trainer's running sums. */
    public static final String GATE_STATE = TrainingLoop.GATE_STATE;

    private final DjlTrainingStep step;
    private final TrainingLoop loop;

    /**
     * Creates a Quiet-STaR trainer for a model with the default thought generator and the model's mixing head.
     *
     * @param model the model; its weights are trained in place
     * @param config the training configuration (saved into every checkpoint)
     * @param outputDir folder for checkpoints and metrics
     * @param rewards the reward estimator
     */
    public DjlTrainer(QuietStarModel model, QuietStarConfig config, Path outputDir,
            RewardEstimator<NDArray> rewards) {
        this(model, config, outputDir, TrainingObjective.QUIET_STAR,
                DjlComponents.DEFAULTS.withRewardEstimator(Objects.requireNonNull(rewards, "rewards")));
    }

    /**
     * Creates a trainer with given components.
     *
     * @param model the model; its weights are trained in place
     * @param config the training configuration (saved into every checkpoint)
     * @param outputDir folder for checkpoints and metrics
     * @param objective what to optimise
     * @param components the thought generator, mixing head and reward estimator; null fields take the defaults
     * @throws IllegalArgumentException when the model holds a non-finite weight or has too few positions for the
     *     configuration
     */
    public DjlTrainer(QuietStarModel model, QuietStarConfig config, Path outputDir, TrainingObjective objective,
            DjlComponents components) {
        this.step = new DjlTrainingStep(model, config, objective, components);
        try {
            this.loop = new TrainingLoop(step, config, outputDir);
        } catch (RuntimeException e) {
            step.close();
            throw e;
        }
    }

    /**
     * Creates a trainer for plain next-token training (pretraining or a control run) of a model's decoder.
     *
     * @param model the model; only its decoder is trained
     * @param config sequence length, optimiser and schedule (thought settings are unused)
     * @param outputDir folder for checkpoints and metrics
     * @return the trainer
     */
    public static DjlTrainer nextToken(QuietStarModel model, QuietStarConfig config, Path outputDir) {
        return new DjlTrainer(model, config, outputDir, TrainingObjective.NEXT_TOKEN, DjlComponents.DEFAULTS);
    }

    /**
     * The thinking gate's loss (half squared error of the gate so far, before the batch is added) of every
     * micro-batch trained so far in this trainer, oldest first; empty when the gate is off.
     *
     * @return the losses
     */
    public List<Double> gateLosses() {
        return loop.gateLosses();
    }

    /**
     * Resumes from a checkpoint written by a trainer: loads its optimiser moments, step count and gate state.
     *
     * @param checkpoint the checkpoint folder (with {@value #STATE_DIR})
     * @return the state read
     * @throws IllegalArgumentException when the checkpoint has no training state or another seed
     */
    public TrainingState restore(Path checkpoint) {
        return loop.restore(checkpoint);
    }

    /**
     * Resumes from a checkpoint when it holds training state written with the configuration's seed; otherwise
     * training starts at step 0 from the model's weights.
     *
     * @param checkpoint the checkpoint folder the model was loaded from
     * @return whether the run was resumed
     */
    public boolean resumeIfPossible(Path checkpoint) {
        return loop.resumeIfPossible(checkpoint);
    }

    /**
     * Chooses how the thought passes attend to their own earlier tokens: element-wise diagonal products (the
     * default, O(L·k·d) per pass) or the official dense block mask (O(L²·k·d)); both give the same numbers
     * (semantics test (e)). For benchmarks and checks against the official layout.
     *
     * @param layout the layout
     * @return this trainer
     * @throws IllegalStateException when a user's thought generator is in use
     */
    public DjlTrainer withAttentionLayout(ParallelThoughtGenerator.AttentionLayout layout) {
        step.setAttentionLayout(layout);
        return this;
    }

    /**
     * The step the loop drives (the components in use).
     *
     * @return the step
     */
    public DjlTrainingStep step() {
        return step;
    }

    /**
     * The model being trained.
     *
     * @return the model
     */
    public QuietStarModel model() {
        return step.model();
    }

    @Override
    public void addListener(TrainingListener listener) {
        loop.addListener(listener);
    }

    @Override
    public int completedSteps() {
        return loop.completedSteps();
    }

    @Override
    public TrainingReport train(Dataset data) {
        return loop.train(data);
    }

    @Override
    public void save(Path folder) {
        loop.save(folder);
    }

    @Override
    public void close() {
        loop.close();
    }
}
