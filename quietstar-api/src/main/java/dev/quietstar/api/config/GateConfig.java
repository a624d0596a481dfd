package dev.quietstar.api.config;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * Settings of the thinking gate: a linear probe trained alongside the Quiet-STaR objective that predicts, from the
 * base model's state at a position, how much a thought there would improve the next token's log-likelihood.
 *
 * <p>At inference {@code ThinkingPolicy.adaptive(threshold)} thinks only where the predicted gain exceeds the
 * threshold, which saves the thoughtLength + 2 forward steps of every skipped thought (the remedy the paper names
 * as future work). The gate reads detached inputs and has its own optimiser and loss, so it never changes the
 * gradients of the objective.
 *
 * @param enabled whether training fits the gate and saves it in every checkpoint (default true)
 * @param learningRate Adam learning rate of the gate's squared-error loss, in (0, 1] (default 0.003)
 */
@JsonPropertyOrder({"enabled", "learningRate"})
public record GateConfig(boolean enabled, double learningRate) {

    /** Validates the fields. */
    public GateConfig {
        Checks.inRange("gate.learningRate", learningRate, 1e-9, 1.0);
    }

    /**
     * The default: the gate is trained with Adam at learning rate 0.003.
     *
     * @return the default settings
     */
    public static GateConfig defaults() {
        return new GateConfig(true, 3e-3);
    }

    /**
     * Returns a copy with the gate turned on or off.
     *
     * @param value whether the gate is trained
     * @return the copy
     */
    public GateConfig withEnabled(boolean value) {
        return new GateConfig(value, learningRate);
    }
}
