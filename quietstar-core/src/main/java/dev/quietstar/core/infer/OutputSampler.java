package dev.quietstar.core.infer;

import dev.quietstar.api.Sampling;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Chooses an output token from a row of logits: greedy, or categorical at a temperature after optional top-k and
 * top-p (nucleus) filtering. Runs on plain Java arrays; one instance per row and call, so it holds no shared state.
 */
public final class OutputSampler {

    private final Sampling sampling;
    private final SplittableRandom rng;

    /**
     * Creates a sampler.
     *
     * @param sampling the rule
     * @param rng the random source of this row, advanced by every draw
     */
    public OutputSampler(Sampling sampling, SplittableRandom rng) {
        this.sampling = sampling;
        this.rng = rng;
    }

    /**
     * Picks one token.
     *
     * @param logits the row's logits, meta-tokens already masked, read from {@code offset}
     * @param offset index of the row's first logit
     * @param vocab number of logits in the row
     * @return the chosen id
     */
    public int choose(float[] logits, int offset, int vocab) {
        if (sampling.isGreedy()) {
            return argMax(logits, offset, vocab);
        }
        double t = sampling.temperature();
        Integer[] order = new Integer[vocab];
        for (int k = 0; k < vocab; k++) {
            order[k] = k;
        }
        // Stable sort by logit, highest first: ties keep the lower id first, so draws repeat exactly.
        Arrays.sort(order, (a, b) -> Float.compare(logits[offset + b], logits[offset + a]));
        int keep = sampling.topK() > 0 ? Math.min(sampling.topK(), vocab) : vocab;
        double max = logits[offset + order[0]];
        double[] p = new double[keep];
        double sum = 0;
        for (int k = 0; k < keep; k++) {
            p[k] = Math.exp((logits[offset + order[k]] - max) / t);
            sum += p[k];
        }
        if (sampling.topP() < 1) {
            double acc = 0;
            int cut = keep;
            for (int k = 0; k < keep; k++) {
                acc += p[k] / sum;
                if (acc >= sampling.topP()) {
                    cut = k + 1;
                    break;
                }
            }
            keep = cut;
            sum = 0;
            for (int k = 0; k < keep; k++) {
                sum += p[k];
            }
        }
        double u = rng.nextDouble() * sum;
        double acc = 0;
        for (int k = 0; k < keep; k++) {
            acc += p[k];
            if (u < acc) {
                return order[k];
            }
        }
        return order[keep - 1]; // rounding left u at the very top: take the last kept token
    }

    /**
     * The index of the largest logit (the lowest id on ties).
     *
     * @param logits logits
     * @param offset first index of the row
     * @param vocab row length
     * @return the id
     */
    public static int argMax(float[] logits, int offset, int vocab) {
        int best = 0;
        for (int k = 1; k < vocab; k++) {
            if (logits[offset + k] > logits[offset + best]) {
                best = k;
            }
        }
        return best;
    }

    /**
     * The probability of one token under softmax of a row of logits (temperature 1).
     *
     * @param logits logits
     * @param offset first index of the row
     * @param vocab row length
     * @param token the token
     * @return p(token)
     */
    public static double probability(float[] logits, int offset, int vocab, int token) {
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < vocab; k++) {
            max = Math.max(max, logits[offset + k]);
        }
        double sum = 0;
        for (int k = 0; k < vocab; k++) {
            sum += Math.exp(logits[offset + k] - max);
        }
        return Math.exp(logits[offset + token] - max) / sum;
    }

    /**
     * Draws one id from softmax(logits / temperature) of a row.
     *
     * @param logits logits
     * @param offset first index of the row
     * @param vocab row length
     * @param temperature positive temperature
     * @param rng the random source, advanced by one draw
     * @return the id
     */
    public static int categorical(float[] logits, int offset, int vocab, double temperature, SplittableRandom rng) {
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < vocab; k++) {
            max = Math.max(max, logits[offset + k]);
        }
        double[] p = new double[vocab];
        double sum = 0;
        for (int k = 0; k < vocab; k++) {
            p[k] = Math.exp((logits[offset + k] - max) / temperature);
            sum += p[k];
        }
        double u = rng.nextDouble() * sum;
        double acc = 0;
        int lastPositive = 0;
        for (int k = 0; k < vocab; k++) {
            if (p[k] > 0) {
                lastPositive = k;
            }
            acc += p[k];
            if (u < acc) {
                return k;
            }
        }
        return lastPositive;
    }
}
