package dev.quietstar.api.config;

/**
 * How thought tokens are drawn from the model's next-token distribution.
 */
public enum ThoughtSampling {
    /** Categorical sampling at {@code thoughtTemperature}; the official implementation's choice and the default. */
    SAMPLE,
    /** The most likely token (meta-tokens excluded); deterministic, useful for debugging and ablations. */
    GREEDY
}
