package dev.quietstar.core.infer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.quietstar.api.Sampling;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Output-token sampling (greedy, temperature, top-k, top-p) and the thought sampler's categorical draw, on hand-made
 * logits whose distributions are computed by hand: the exact set of ids that can be drawn, their frequencies over
 * many seeded draws, and each single draw against the inverse CDF of the same seeded random source.
 */
class OutputSamplerTest {

    private static final int DRAWS = 40_000;
    private static final float LN2 = (float) Math.log(2);
    private static final float LN3 = (float) Math.log(3);

    /** Relative frequency of each id over many draws of one sampler; the row sits after two junk logits. */
    private static Map<Integer, Double> frequencies(Sampling s, float... row) {
        float[] logits = new float[row.length + 3];
        logits[0] = 99f; // junk before and after the row: the sampler must read only the row
        logits[1] = -99f;
        logits[logits.length - 1] = 99f;
        System.arraycopy(row, 0, logits, 2, row.length);
        OutputSampler sampler = new OutputSampler(s, new SplittableRandom(17));
        Map<Integer, Double> f = new TreeMap<>();
        for (int i = 0; i < DRAWS; i++) {
            f.merge(sampler.choose(logits, 2, row.length), 1.0 / DRAWS, Double::sum);
        }
        return f;
    }

    /** The id whose cumulative probability first exceeds u * total, for ids listed in sampling order. */
    private static int inverseCdf(double u, int[] ids, double[] weights) {
        double total = 0;
        for (double w : weights) {
            total += w;
        }
        double acc = 0;
        for (int k = 0; k < ids.length; k++) {
            acc += weights[k];
            if (u * total < acc) {
                return ids[k];
            }
        }
        return ids[ids.length - 1];
    }

    @Test
    void greedyTakesTheLargestLogitOfTheRowAndTheLowestIdOnTies() {
        float[] logits = {9f, -4f, 5f, 5f, 2f, 9f};
        assertThat(OutputSampler.argMax(logits, 1, 4)).isEqualTo(1);
        assertThat(OutputSampler.argMax(new float[] {-5f, -2f, -9f}, 0, 3)).isEqualTo(1);
        assertThat(OutputSampler.argMax(new float[] {3f, 3f}, 0, 2)).isEqualTo(0);
        SplittableRandom rng = new SplittableRandom(3);
        assertThat(new OutputSampler(Sampling.greedy(), rng).choose(logits, 1, 4)).isEqualTo(1);
        assertThat(rng.nextLong()).as("greedy draws nothing").isEqualTo(new SplittableRandom(3).nextLong());
    }

    @Test
    void temperatureSharpensAndFlattensTheSoftmax() {
        // p(1) = 1 / (1 + e^(-1/T))
        assertThat(frequencies(Sampling.categorical(1.0, 0), 0f, 1f).get(1))
                .isCloseTo(1 / (1 + Math.exp(-1)), within(0.01));
        assertThat(frequencies(Sampling.categorical(0.5, 0), 0f, 1f).get(1))
                .isCloseTo(1 / (1 + Math.exp(-2)), within(0.01));
        assertThat(frequencies(Sampling.categorical(2.0, 0), 0f, 1f).get(1))
                .isCloseTo(1 / (1 + Math.exp(-0.5)), within(0.01));
    }

    @Test
    void topKKeepsExactlyTheKLargestLogits() {
        Map<Integer, Double> f = frequencies(new Sampling(1.0, 2, 1.0, 0), 1f, 3f, 2f, 0f, 2.5f);
        assertThat(f.keySet()).containsExactly(1, 4);
        assertThat(f.get(1)).isCloseTo(1 / (1 + Math.exp(-0.5)), within(0.01));
        assertThat(frequencies(new Sampling(1.0, 1, 1.0, 0), 1f, 3f, 2f).keySet()).containsExactly(1);
        assertThat(frequencies(new Sampling(1.0, 10, 1.0, 0), 0f, 0f, 0f).keySet()).containsExactly(0, 1, 2);
        assertThat(frequencies(new Sampling(1.0, 0, 1.0, 0), 0f, 0f, 0f).keySet()).containsExactly(0, 1, 2);
    }

    @Test
    void topPKeepsTheSmallestPrefixReachingTheMass() {
        // four equal logits: cumulative mass 0.25, 0.5, 0.75, 1 exactly; ties keep the lower ids first
        assertThat(frequencies(new Sampling(1.0, 0, 0.5, 0), 0f, 0f, 0f, 0f).keySet()).containsExactly(0, 1);
        assertThat(frequencies(new Sampling(1.0, 0, 0.25, 0), 0f, 0f, 0f, 0f).keySet()).containsExactly(0);
        assertThat(frequencies(new Sampling(1.0, 0, 0.51, 0), 0f, 0f, 0f, 0f).keySet()).containsExactly(0, 1, 2);
        // p = (0.1, 0.6, 0.3): top-p 0.7 keeps ids 1 and 2, renormalised to 2/3 and 1/3
        float[] row = {(float) Math.log(0.1), (float) Math.log(0.6), (float) Math.log(0.3)};
        Map<Integer, Double> f = frequencies(new Sampling(1.0, 0, 0.7, 0), row);
        assertThat(f.keySet()).containsExactly(1, 2);
        assertThat(f.get(1)).isCloseTo(2.0 / 3, within(0.01));
        assertThat(frequencies(new Sampling(1.0, 0, 0.5, 0), row).keySet()).containsExactly(1);
        // top-k first, then top-p on the kept mass: 4 of 6 equal logits, half of that mass is 2 tokens
        assertThat(frequencies(new Sampling(1.0, 4, 0.5, 0), 0f, 0f, 0f, 0f, 0f, 0f).keySet()).containsExactly(0, 1);
    }

    @Test
    void eachDrawIsTheInverseCdfOfTheSeededRandomSource() {
        float[] row = {1f, 3f, 2f, 0f, 2.5f};
        SplittableRandom twin = new SplittableRandom(23);
        OutputSampler topK = new OutputSampler(new Sampling(1.0, 3, 1.0, 0), new SplittableRandom(23));
        int[] order = {1, 4, 2};
        double[] w = {1, Math.exp(-0.5), Math.exp(-1)};
        for (int i = 0; i < 2000; i++) {
            assertThat(topK.choose(row, 0, 5)).isEqualTo(inverseCdf(twin.nextDouble(), order, w));
        }
        SplittableRandom twin2 = new SplittableRandom(29);
        OutputSampler warm = new OutputSampler(new Sampling(2.0, 0, 0.9, 0), new SplittableRandom(29));
        // T = 2: weights e^((l - 3) / 2) in order 1, 4, 2, 0, 3; cumulative share reaches 0.9 with the fourth id
        int[] all = {1, 4, 2, 0, 3};
        double[] w2 = {1, Math.exp(-0.25), Math.exp(-0.5), Math.exp(-1), Math.exp(-1.5)};
        double total = 0;
        for (double x : w2) {
            total += x;
        }
        assertThat((w2[0] + w2[1] + w2[2]) / total).isLessThan(0.9);
        assertThat((w2[0] + w2[1] + w2[2] + w2[3]) / total).isGreaterThan(0.9);
        double[] kept = {w2[0], w2[1], w2[2], w2[3]};
        for (int i = 0; i < 2000; i++) {
            assertThat(warm.choose(row, 0, 5)).isEqualTo(inverseCdf(twin2.nextDouble(), all, kept));
        }
    }

    @Test
    void probabilityIsTheSoftmaxOfTheRow() {
        float[] logits = {50f, 0f, LN2, LN3, (float) Math.log(4), 50f};
        assertThat(OutputSampler.probability(logits, 1, 4, 0)).isCloseTo(0.1, within(1e-7));
        assertThat(OutputSampler.probability(logits, 1, 4, 2)).isCloseTo(0.3, within(1e-7));
        assertThat(OutputSampler.probability(new float[] {1000f, 1000f}, 0, 2, 1)).isEqualTo(0.5);
    }

    @Test
    void categoricalDrawsFromTheTemperedSoftmaxOfTheRow() {
        // row (0, ln 2, ln 3, masked) after two junk logits: p = 1/6, 2/6, 3/6, 0
        float[] logits = {80f, 80f, 0f, LN2, LN3, ThinkThenTalk.META_TOKEN_LOGIT_MASK, 80f};
        SplittableRandom rng = new SplittableRandom(41);
        SplittableRandom twin = new SplittableRandom(41);
        // the weights e^((l - max) / T) of the float logits: about (1, 2, 3, 0) / 3 and (1, sqrt 2, sqrt 3, 0) / sqrt 3
        double[] cold = new double[4];
        double[] warm = new double[4];
        for (int k = 0; k < 4; k++) {
            cold[k] = Math.exp((logits[2 + k] - (double) LN3) / 1.0);
            warm[k] = Math.exp((logits[2 + k] - (double) LN3) / 2.0);
        }
        assertThat(cold[1] / cold[0]).isCloseTo(2, within(1e-6));
        assertThat(warm[2] / warm[0]).isCloseTo(Math.sqrt(3), within(1e-6));
        double[] counts = new double[4];
        for (int i = 0; i < DRAWS; i++) {
            int id = ThinkThenTalk.categorical(logits, 2, 4, 1.0, rng);
            assertThat(id).isEqualTo(inverseCdf(twin.nextDouble(), new int[] {0, 1, 2, 3}, cold));
            counts[id]++;
        }
        assertThat(counts[0] / DRAWS).isCloseTo(1.0 / 6, within(0.01));
        assertThat(counts[1] / DRAWS).isCloseTo(2.0 / 6, within(0.01));
        assertThat(counts[2] / DRAWS).isCloseTo(3.0 / 6, within(0.01));
        assertThat(counts[3]).isZero();
        // temperature 2: p proportional to (1, sqrt 2, sqrt 3, 0)
        double s = 1 + Math.sqrt(2) + Math.sqrt(3);
        double[] hot = new double[4];
        for (int i = 0; i < DRAWS; i++) {
            int id = ThinkThenTalk.categorical(logits, 2, 4, 2.0, rng);
            assertThat(id).isEqualTo(inverseCdf(twin.nextDouble(), new int[] {0, 1, 2, 3}, warm));
            hot[id]++;
        }
        assertThat(hot[0] / DRAWS).isCloseTo(1 / s, within(0.01));
        assertThat(hot[2] / DRAWS).isCloseTo(Math.sqrt(3) / s, within(0.01));
        assertThat(hot[3]).isZero();
    }

    @Test
    void largeLogitsAreShiftedByTheirMaximumBeforeExponentiating() {
        // e^400 overflows a double; p = (e, 1) / (1 + e) only if the maximum is subtracted first
        double p0 = Math.E / (1 + Math.E);
        assertThat(frequencies(Sampling.categorical(1.0, 0), 400f, 399f).get(0)).isCloseTo(p0, within(0.01));
        SplittableRandom rng = new SplittableRandom(8);
        int zeros = 0;
        for (int i = 0; i < DRAWS; i++) {
            if (ThinkThenTalk.categorical(new float[] {400f, 399f}, 0, 2, 1.0, rng) == 0) {
                zeros++;
            }
        }
        assertThat((double) zeros / DRAWS).isCloseTo(p0, within(0.01));
    }
}
