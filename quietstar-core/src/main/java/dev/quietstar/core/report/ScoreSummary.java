package dev.quietstar.core.report;

import dev.quietstar.api.TextScore;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Headline numbers of a {@link TextScore}: did thinking help on this text, and on its hardest tokens.
 *
 * <p>The delta of a token is {@code thinkLogProb − baseLogProb} in nats: positive when the thought made the true
 * token more likely. The hardest decile is the {@code ceil(n / 10)} tokens with the lowest base log-probability
 * (ties broken by position), the tokens the paper finds thinking helps most.
 *
 * @param tokens number of scored tokens
 * @param baseTotal sum of the base log-probabilities
 * @param thinkTotal sum of the log-probabilities with thinking
 * @param meanDelta mean delta over all tokens (NaN without tokens)
 * @param improvedShare fraction of tokens whose delta is positive (NaN without tokens)
 * @param meanMixingWeight mean mixing weight (NaN without tokens)
 * @param hardestDecileTokens number of tokens in the hardest decile
 * @param hardestDecileMeanDelta mean delta over the hardest decile (NaN without tokens)
 */
public record ScoreSummary(int tokens, double baseTotal, double thinkTotal, double meanDelta, double improvedShare,
        double meanMixingWeight, int hardestDecileTokens, double hardestDecileMeanDelta) {

    /**
     * Computes the summary of a score.
     *
     * @param score the scored text
     * @return its summary
     */
    public static ScoreSummary of(TextScore score) {
        List<Double> base = score.baseLogProbs();
        List<Double> think = score.thinkLogProbs();
        int n = base.size();
        double[] delta = new double[n];
        int improved = 0;
        double deltaSum = 0;
        double weightSum = 0;
        for (int i = 0; i < n; i++) {
            delta[i] = think.get(i) - base.get(i);
            deltaSum += delta[i];
            weightSum += score.mixingWeights().get(i);
            if (delta[i] > 0) {
                improved++;
            }
        }
        int decile = n == 0 ? 0 : (int) Math.ceil(n / 10.0);
        int[] hardest = IntStream.range(0, n).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> base.get(i)).thenComparingInt(i -> i))
                .limit(decile).mapToInt(Integer::intValue).toArray();
        double hardSum = 0;
        for (int i : hardest) {
            hardSum += delta[i];
        }
        return new ScoreSummary(n, score.baseTotal(), score.thinkTotal(), mean(deltaSum, n),
                mean(improved, n), mean(weightSum, n), decile, mean(hardSum, decile));
    }

    private static double mean(double sum, int n) {
        return n == 0 ? Double.NaN : sum / n;
    }
}
