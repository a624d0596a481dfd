package dev.quietstar.api.config;

/**
 * Where in each training row a Quiet-STaR step samples thoughts (the {@code positions.mode} setting).
 *
 * <p>Thinking at fewer positions makes a step cheaper: the thought and look-ahead passes run their queries for the
 * chosen positions only, while the base pass and its next-token loss still cover the whole row.
 */
public enum PositionSelection {
    /** Every position, as in the paper and the official code. The default. */
    ALL,
    /**
     * {@code positions.count} distinct positions per example, drawn uniformly from the positions that have a real
     * next token, with the training seed's random source (the same seed chooses the same positions).
     */
    RANDOM,
    /**
     * The positions whose token ends an occurrence of the token sequence of {@code positions.marker}, so a thought
     * sits where, say, an answer starts. A row without the marker contributes only its base loss.
     */
    MARKER,
    /**
     * The {@code positions.count} positions the thinking gate (see {@link GateConfig}) ranks highest by predicted
     * gain of a thought; ties (an untrained gate predicts the same everywhere) are broken at random with the
     * training seed.
     */
    GATE
}
