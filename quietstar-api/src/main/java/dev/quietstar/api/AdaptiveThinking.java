package dev.quietstar.api;

/**
 * Thinks where the thinking gate predicts a gain above a threshold (see {@link ThinkingPolicy#adaptive(double)}).
 *
 * <p>The gate is a linear probe on the base model's hidden state and next-token distribution, trained alongside
 * the Quiet-STaR objective to predict log p_think(x_{i+1}) - log p_base(x_{i+1}), the improvement a thought at
 * position i brings to the next token. Skipping a thought saves thoughtLength + 2 forward steps.
 *
 * @param threshold the smallest predicted gain, in nats, that earns a thought; not NaN
 */
public record AdaptiveThinking(double threshold) implements ThinkingPolicy {

    /** Rejects a NaN threshold. */
    public AdaptiveThinking {
        if (Double.isNaN(threshold)) {
            throw new IllegalArgumentException("the adaptive thinking threshold must be a number of nats (or "
                    + "-Infinity for always, Infinity for never), was NaN");
        }
    }

    /**
     * Always fails: this policy needs the gate's prediction.
     *
     * @param textSoFar the text so far
     * @param generatedTokens tokens generated so far
     * @return never
     * @throws IllegalStateException always
     */
    @Override
    public boolean thinkBeforeNext(String textSoFar, int generatedTokens) {
        throw new IllegalStateException("the adaptive thinking policy needs the thinking gate's prediction; call "
                + "thinkBeforeNext(text, tokens, predictedGain) (usesGate() is true)");
    }

    /**
     * Thinks when the predicted gain exceeds the threshold.
     *
     * @param textSoFar the text so far
     * @param generatedTokens tokens generated so far
     * @param predictedGain the gate's predicted gain in nats; NaN (no gate consulted) is an error
     * @return {@code predictedGain > threshold}
     * @throws IllegalStateException when the prediction is NaN
     */
    @Override
    public boolean thinkBeforeNext(String textSoFar, int generatedTokens, double predictedGain) {
        if (Double.isNaN(predictedGain)) {
            throw new IllegalStateException("the adaptive thinking policy got no gate prediction (NaN); the caller "
                    + "must consult the model's thinking gate");
        }
        return predictedGain > threshold;
    }

    /** {@inheritDoc} */
    @Override
    public boolean usesGate() {
        return true;
    }
}
