package dev.quietstar.core.eval;

import java.util.List;
import java.util.Objects;

/**
 * What one evaluation setting measured on one example.
 *
 * @param index the example's position in the evaluated set (in the whole set when it was evaluated in parts)
 * @param answerLogProbs log p(gold answer token | prompt, earlier gold answer tokens) per answer token, in nats,
 *     mixed think-then-talk where the setting thought before the token
 * @param correctTokens answer tokens whose most likely token (meta-tokens excluded) was the gold one
 * @param answerProbability the official probability metric for this example, in [0, 1]
 * @param thoughts answer tokens that a thought preceded
 * @param meanMixingWeight mean mixing weight over those tokens, NaN when there was no thought
 * @param generated the greedy generation after the prompt
 * @param predicted the answer extracted from the generation, empty when none was found
 * @param exactMatch whether the extracted answer equals the gold one
 * @param mixingWeightSum the sum of the mixing weights over the tokens a thought preceded (0 without a thought): the
 *     exact quantity a summary adds up, which {@code meanMixingWeight * thoughts} only approximates
 * @param generatedTokens tokens of the greedy generation (0 when generation was off)
 */
public record ExampleResult(int index, List<Double> answerLogProbs, int correctTokens, double answerProbability,
        int thoughts, double meanMixingWeight, String generated, String predicted, boolean exactMatch,
        double mixingWeightSum, int generatedTokens) {

    /** Copies the list and checks the counts. */
    public ExampleResult {
        answerLogProbs = List.copyOf(answerLogProbs);
        Objects.requireNonNull(generated, "generated");
        Objects.requireNonNull(predicted, "predicted");
        if (correctTokens < 0 || correctTokens > answerLogProbs.size()) {
            throw new IllegalArgumentException("correctTokens must be in 0.." + answerLogProbs.size() + ", was "
                    + correctTokens);
        }
        if (thoughts < 0 || generatedTokens < 0) {
            throw new IllegalArgumentException("thoughts and generatedTokens must be >= 0, were " + thoughts + " and "
                    + generatedTokens);
        }
    }

    /**
     * The negative log-likelihood of the whole gold answer.
     *
     * @return the sum over answer tokens of -log p, in nats
     */
    public double answerNllSum() {
        return -answerLogProbs.stream().mapToDouble(Double::doubleValue).sum();
    }
}
