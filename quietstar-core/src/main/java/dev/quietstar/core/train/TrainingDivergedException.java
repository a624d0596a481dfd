package dev.quietstar.core.train;

/**
 * Thrown when a training step produces a non-finite loss or gradient. The step is not applied and no checkpoint is
 * written, so the last good checkpoint stays the latest.
 */
public class TrainingDivergedException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what diverged, at which step, and where the last good checkpoint is
     */
    public TrainingDivergedException(String message) {
        super(message);
    }
}
