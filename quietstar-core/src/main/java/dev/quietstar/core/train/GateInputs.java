package dev.quietstar.core.train;

import java.util.Objects;

/**
 * What the thinking gate learns from in one micro-batch, as the training step computed it from its base pass: one
 * row per position that has a real next token.
 *
 * @param hidden final-norm base hidden states, {@code count} rows of H values, row-major (may be longer)
 * @param features the distribution features of each row (entropy and maximum log-probability), {@code count}
 *     pairs (may be longer)
 * @param targets the gain log p_talk(x_{i+1}) - log p_base(x_{i+1}) of each row, averaged over the position's
 *     thoughts (may be longer)
 * @param count the number of rows in use
 */
public record GateInputs(float[] hidden, double[] features, double[] targets, int count) {

    /** Rejects missing arrays and a negative count. */
    public GateInputs {
        Objects.requireNonNull(hidden, "hidden");
        Objects.requireNonNull(features, "features");
        Objects.requireNonNull(targets, "targets");
        if (count < 0 || targets.length < count || features.length < 2L * count) {
            throw new IllegalArgumentException("gate inputs hold fewer rows than count " + count);
        }
    }
}
