package dev.quietstar.api;

import java.nio.file.Path;
import java.util.List;

/**
 * The outcome of a training run.
 *
 * @param steps metrics of every step run by this call, in order
 * @param finalCheckpoint the folder of the last checkpoint written
 * @param wallSeconds wall-clock time of the run
 */
public record TrainingReport(List<StepMetrics> steps, Path finalCheckpoint, double wallSeconds) {

    /** Copies the list. */
    public TrainingReport {
        steps = List.copyOf(steps);
    }
}
