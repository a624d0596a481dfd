package dev.quietstar.api;

import java.nio.file.Path;

/**
 * Observes a training run. Methods are called on the training thread; keep them short.
 */
public interface TrainingListener {

    /**
     * Called after every optimiser step.
     *
     * @param metrics what the step measured
     */
    default void onStep(StepMetrics metrics) {}

    /**
     * Called after a checkpoint was written completely.
     *
     * @param step the optimiser step it holds
     * @param folder the checkpoint folder
     */
    default void onCheckpoint(int step, Path folder) {}
}
