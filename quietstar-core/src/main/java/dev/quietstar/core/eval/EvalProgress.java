package dev.quietstar.core.eval;

/**
 * Receives progress of an evaluation, for a progress bar or log lines.
 */
@FunctionalInterface
public interface EvalProgress {

    /** Ignores progress. */
    EvalProgress NONE = (phase, done, total) -> { };

    /**
     * Called after each unit of work.
     *
     * @param phase what is running, such as {@code "scoring"} or {@code "generating (thinking off)"}
     * @param done units finished so far, over all phases
     * @param total units of the whole evaluation
     */
    void update(String phase, int done, int total);
}
