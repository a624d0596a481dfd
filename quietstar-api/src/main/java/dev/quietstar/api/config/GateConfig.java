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
 * <p>The gate is fitted by ridge regression on running sums that are multiplied by {@code forgetting} before each
 * micro-batch is added, so it follows the gain as the model changes over training.
 *
 * @param enabled whether training fits the gate and saves it in every checkpoint (default true)
 * @param forgetting weight kept by the older statistics per micro-batch, in [0.5, 1]; 1 never forgets (default
 *     0.98: an effective memory of about 50 micro-batches)
 */
@JsonPropertyOrder({"enabled", "forgetting"})
public record GateConfig(boolean enabled, double forgetting) {

    /** Validates the fields. */
    public GateConfig {
        Checks.inRange("gate.forgetting", forgetting, 0.5, 1.0);
    }

    /**
     * The default: the gate is trained, forgetting factor 0.98.
     *
     * @return the default settings
     */
    public static GateConfig defaults() {
        return new GateConfig(true, 0.98);
    }

    /**
     * Returns a copy with the gate turned on or off.
     *
     * @param value whether the gate is trained
     * @return the copy
     */
    public GateConfig withEnabled(boolean value) {
        return new GateConfig(value, forgetting);
    }
}
