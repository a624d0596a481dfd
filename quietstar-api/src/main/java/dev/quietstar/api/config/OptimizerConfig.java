package dev.quietstar.api.config;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * AdamW settings for Quiet-STaR training; defaults equal the official training script.
 *
 * <p>The learning rate rises linearly over {@code warmupSteps} and then decays linearly to zero at the last step
 * (the HuggingFace {@code Trainer} default the official script uses). The mixing head and the two meta-token
 * embeddings can learn at a multiple of the backbone rate; a multiplier of 0 freezes the group.
 *
 * @param learningRate backbone learning rate (official 1e-6)
 * @param weightDecay decoupled weight decay (official 0.001)
 * @param beta1 first-moment decay
 * @param beta2 second-moment decay
 * @param epsilon denominator term
 * @param warmupSteps optimiser steps of linear warm-up (official 20)
 * @param gradClipNorm global gradient-norm clip (official 1.0); 0 turns clipping off
 * @param mixingHeadLrMultiplier learning-rate multiple for the mixing head
 * @param metaTokenLrMultiplier learning-rate multiple for the start/end-of-thought embeddings
 */
@JsonPropertyOrder({"learningRate", "weightDecay", "beta1", "beta2", "epsilon", "warmupSteps", "gradClipNorm",
    "mixingHeadLrMultiplier", "metaTokenLrMultiplier"})
public record OptimizerConfig(
        double learningRate,
        double weightDecay,
        double beta1,
        double beta2,
        double epsilon,
        int warmupSteps,
        double gradClipNorm,
        double mixingHeadLrMultiplier,
        double metaTokenLrMultiplier) {

    /** Validates every field; see the class documentation for the meaning of each. */
    public OptimizerConfig {
        Checks.inRange("optimizer.learningRate", learningRate, 1e-12, 1.0);
        Checks.inRange("optimizer.weightDecay", weightDecay, 0.0, 1.0);
        Checks.inRange("optimizer.beta1", beta1, 0.0, 0.999999);
        Checks.inRange("optimizer.beta2", beta2, 0.0, 0.999999);
        Checks.inRange("optimizer.epsilon", epsilon, 1e-12, 1.0);
        Checks.inRange("optimizer.warmupSteps", warmupSteps, 0, 1_000_000);
        Checks.nonNegative("optimizer.gradClipNorm", gradClipNorm);
        Checks.inRange("optimizer.mixingHeadLrMultiplier", mixingHeadLrMultiplier, 0.0, 1e6);
        Checks.inRange("optimizer.metaTokenLrMultiplier", metaTokenLrMultiplier, 0.0, 1e6);
    }

    /**
     * The official settings: lr 1e-6, weight decay 0.001, betas (0.9, 0.999), epsilon 1e-8, 20 warm-up steps,
     * clip 1.0, every group at the backbone rate.
     *
     * @return the official optimiser settings
     */
    public static OptimizerConfig official() {
        return new OptimizerConfig(1e-6, 0.001, 0.9, 0.999, 1e-8, 20, 1.0, 1.0, 1.0);
    }

    /**
     * Returns a copy with another backbone learning rate.
     *
     * @param value the new learning rate
     * @return the copy
     */
    public OptimizerConfig withLearningRate(double value) {
        return new OptimizerConfig(value, weightDecay, beta1, beta2, epsilon, warmupSteps, gradClipNorm,
                mixingHeadLrMultiplier, metaTokenLrMultiplier);
    }

    /**
     * Returns a copy with other learning-rate multipliers for the mixing head and the meta-token embeddings.
     *
     * @param mixingHead multiplier for the mixing head
     * @param metaTokens multiplier for the meta-token embeddings
     * @return the copy
     */
    public OptimizerConfig withMultipliers(double mixingHead, double metaTokens) {
        return new OptimizerConfig(learningRate, weightDecay, beta1, beta2, epsilon, warmupSteps, gradClipNorm,
                mixingHead, metaTokens);
    }

    /**
     * Returns a copy with another warm-up length.
     *
     * @param value warm-up steps
     * @return the copy
     */
    public OptimizerConfig withWarmupSteps(int value) {
        return new OptimizerConfig(learningRate, weightDecay, beta1, beta2, epsilon, value, gradClipNorm,
                mixingHeadLrMultiplier, metaTokenLrMultiplier);
    }
}
