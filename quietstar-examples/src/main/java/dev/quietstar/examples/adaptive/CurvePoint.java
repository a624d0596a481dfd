package dev.quietstar.examples.adaptive;

/**
 * One measured point of the adaptive-thinking curve.
 *
 * @param setting the label, such as {@code "adaptive"} or {@code "always"}
 * @param threshold the gate threshold in nats (NaN for a reference point)
 * @param thinkFraction share of scored tokens preceded by a thought
 * @param thoughtTokensPerToken forward steps spent on thoughts per scored token: thinkFraction x (thoughtLength + 2)
 * @param nll mean held-out NLL of the scored tokens, nats, as measured by this setting's own run (its own thought
 *     samples)
 * @param pairedNll the same NLL computed from the always-think and never-think runs' per-token log-probabilities,
 *     taking always-think's where this setting thinks: every setting then sees the same thoughts, so differences
 *     between points carry no thought-sampling noise
 * @param exactMatch greedy exact match, NaN when not measured
 * @param generatedThoughtTokensPerToken thought steps per generated token during greedy generation, NaN when not
 *     measured
 */
public record CurvePoint(String setting, double threshold, double thinkFraction, double thoughtTokensPerToken,
        double nll, double pairedNll, double exactMatch, double generatedThoughtTokensPerToken) {}
