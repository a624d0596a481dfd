package dev.quietstar.djl.thought;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.quietstar.api.ThoughtRollout;
import dev.quietstar.api.ThoughtSampler;
import dev.quietstar.api.config.PositionsConfig;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.core.train.ThoughtPositions;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.thought.ParallelThoughtGenerator.AttentionLayout;
import dev.quietstar.djl.thought.SubsetThoughtGenerator.PositionChooser;
import dev.quietstar.djl.train.PositionChoosers;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Thinking at a subset of positions ({@code positions}): with every position chosen it gives ALL's loss, rewards
 * and gradients; with fewer, exactly the chosen positions get thought terms, equal to ALL's terms there.
 */
class SubsetPositionsTest {

    static final int N = QuietStarSemanticsTest.N;
    static final int T = QuietStarSemanticsTest.T;
    static final int L = QuietStarSemanticsTest.L;
    static final QuietStarConfig CONFIG = QuietStarSemanticsTest.CONFIG;

    /** Two unpadded examples, each twice (P = 2). */
    static final int[][] FULL_IDS = {
        {256, 72, 101, 108, 108, 111, 33, 10},
        {256, 72, 101, 108, 108, 111, 33, 10},
        {256, 52, 43, 53, 61, 57, 49, 10},
        {256, 52, 43, 53, 61, 57, 49, 10},
    };
    static final int[][] FULL_ATTN = {
        {1, 1, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1, 1, 1},
    };
    /** Rows of one repeated token: the one-byte marker "a" ends an occurrence at every position. */
    static final int[][] SAME_IDS = {
        {97, 97, 97, 97, 97, 97, 97, 97}, {97, 97, 97, 97, 97, 97, 97, 97},
        {97, 97, 97, 97, 97, 97, 97, 97}, {97, 97, 97, 97, 97, 97, 97, 97},
    };

    private NDManager m;

    @BeforeAll
    static void engine() {
        DjlEngines.pytorch();
    }

    @BeforeEach
    void manager() {
        m = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        m.close();
    }

    private static QuietStarModel model(String arch, long seed) {
        QuietStarModel model = "gpt2".equals(arch) ? TinyModels.gpt2(CONFIG, seed) : TinyModels.llama(CONFIG, seed);
        TinyModels.randomiseHead(model, seed + 7);
        return model;
    }

    /** One evaluation and its gradients: the objective's numbers and every parameter's gradient. */
    private record Run(ObjectiveResult result, Map<String, float[]> gradients) {}

    private Run runAll(QuietStarModel model, int[][] idRows, int[][] attnRows, ThoughtSampler<NDArray> sampler,
            AttentionLayout layout) {
        return run(model, scope -> {
            NDArray ids = TinyModels.ids(scope, idRows);
            NDArray attn = TinyModels.ids(scope, attnRows);
            ThoughtRollout<NDArray> r = new ParallelThoughtGenerator(model, N, T, layout).generate(ids, attn, sampler);
            return new QuietStarObjective(model, CONFIG, new ReinforceRewardEstimator()).evaluate(r, ids, attn);
        });
    }

    private Run runSubset(QuietStarModel model, int[][] idRows, int[][] attnRows, PositionChooser chooser,
            ThoughtSampler<NDArray> sampler, AttentionLayout layout) {
        return run(model, scope -> {
            NDArray ids = TinyModels.ids(scope, idRows);
            NDArray attn = TinyModels.ids(scope, attnRows);
            SlotRollout r = new SubsetThoughtGenerator(model, N, T, layout).generate(ids, attn, chooser, sampler);
            return new SlotObjective(model, CONFIG, new ReinforceRewardEstimator(), model.mixingHead())
                    .evaluate(r, ids, attn);
        });
    }

    private Run run(QuietStarModel model, java.util.function.Function<NDManager, ObjectiveResult> eval) {
        Map<String, Parameter> params = model.parameters();
        params.values().forEach(p -> p.getArray().setRequiresGradient(true));
        NDManager scope = m.newSubManager();
        ObjectiveResult r;
        try (GradientCollector gc = Engine.getEngine(DjlEngines.ENGINE).newGradientCollector()) {
            r = eval.apply(scope);
            gc.backward(r.total());
        }
        Map<String, float[]> grads = new LinkedHashMap<>();
        params.forEach((name, p) -> {
            NDArray g = p.getArray().getGradient();
            g.attach(scope);
            grads.put(name, g.toFloatArray());
            JniUtils.zeroGrad((PtNDArray) p.getArray());
            p.getArray().setRequiresGradient(false);
        });
        return new Run(r, grads);
    }

    @ParameterizedTest
    @CsvSource({"gpt2, DIAGONAL", "gpt2, DENSE", "llama, DIAGONAL", "llama, DENSE"})
    void randomWithEveryPositionGivesTheLossRewardsAndGradientsOfAll(String arch, AttentionLayout layout) {
        try (QuietStarModel model = model(arch, 31)) {
            // forced thoughts that differ between the two copies of an example, so advantages (and the policy term)
            // are not all 0
            int[][][] forced = TinyModels.randomThoughts(FULL_IDS.length, L, N, 13);
            Run all = runAll(model, FULL_IDS, FULL_ATTN, ThoughtSamplers.forced(forced), layout);
            PositionChooser everyPosition = PositionChoosers.of(PositionsConfig.random(L - 1), model, 2,
                    new SplittableRandom(5));
            Run some = runSubset(model, FULL_IDS, FULL_ATTN, everyPosition,
                    ThoughtSamplers.forced(firstPositions(forced)), layout);
            assertSameAsAll(all, some);
        }
    }

    @ParameterizedTest
    @EnumSource(AttentionLayout.class)
    void aMarkerThatEndsAtEveryPositionGivesTheNumbersOfAll(AttentionLayout layout) {
        try (QuietStarModel model = model("gpt2", 32)) {
            int[][][] forced = TinyModels.randomThoughts(SAME_IDS.length, L, N, 14);
            Run all = runAll(model, SAME_IDS, FULL_ATTN, ThoughtSamplers.forced(forced), layout);
            Run some = runSubset(model, SAME_IDS, FULL_ATTN,
                    PositionChoosers.of(PositionsConfig.marker("a"), model, 2, new SplittableRandom(1)),
                    ThoughtSamplers.forced(firstPositions(forced)), layout);
            assertSameAsAll(all, some);
        }
    }

    /** The thoughts of positions 0..L-2, the slots of a subset that chose every position with a next token. */
    private static int[][][] firstPositions(int[][][] forced) {
        int[][][] out = new int[forced.length][][];
        for (int r = 0; r < forced.length; r++) {
            out[r] = java.util.Arrays.copyOf(forced[r], L - 1);
        }
        return out;
    }

    /**
     * Not bit for bit: the slot passes multiply matrices of R (L - 1) rows instead of R L (the engine's matrix kernels
     * block the rows differently), the dense layout's softmax runs over fewer masked keys, and the losses reduce
     * arrays of another shape, so float32 sums group terms differently and results move in the last bits. Rewards
     * are differences of nearly equal log-probabilities and the policy term a product with them, which magnifies
     * that noise relative to their size; so every number is compared within 1e-6 absolute, and a gradient entry larger
     * than 1 (the meta-tokens' are scaled by 100) within 1e-6 relative. Measured differences are 1e-7 to 1e-6.
     */
    private static void assertSameAsAll(Run all, Run some) {
        ObjectiveResult a = all.result();
        ObjectiveResult s = some.result();
        assertThat(s.total().getFloat()).isCloseTo(a.total().getFloat(), within(1e-6f));
        assertThat(s.nll().getFloat()).isCloseTo(a.nll().getFloat(), within(1e-6f));
        assertThat(s.policy().getFloat()).isCloseTo(a.policy().getFloat(), within(1e-6f));
        assertThat(a.policy().getFloat()).isNotZero(); // the policy term is part of the comparison
        int rows = FULL_IDS.length;
        int rewarded = L - 1 - T;
        float[] ar = a.rewards().toFloatArray();
        float[] sr = s.rewards().toFloatArray();
        float[] aa = a.advantages().toFloatArray();
        float[] sa = s.advantages().toFloatArray();
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < L - 1; i++) {
                if (i < rewarded) {
                    assertThat(sr[r * (L - 1) + i]).isCloseTo(ar[r * rewarded + i], within(1e-6f));
                    assertThat(sa[r * (L - 1) + i]).isCloseTo(aa[r * rewarded + i], within(1e-6f));
                } else {
                    assertThat(sr[r * (L - 1) + i]).as("reward after L - 2 - T").isZero();
                }
            }
        }
        for (int step = 0; step < T; step++) {
            float[] at = a.talkNll().get(step).toFloatArray();
            float[] st = s.talkNll().get(step).toFloatArray();
            int width = L - 1 - step;
            for (int r = 0; r < rows; r++) {
                for (int i = 0; i < L - 1; i++) {
                    float expected = i < width ? at[r * width + i] : 0f;
                    assertThat(st[r * (L - 1) + i]).isCloseTo(expected, within(1e-5f));
                }
            }
        }
        float maxGradientDifference = 0;
        for (Map.Entry<String, float[]> e : all.gradients().entrySet()) {
            float[] ga = e.getValue();
            float[] gs = some.gradients().get(e.getKey());
            for (int i = 0; i < ga.length; i++) {
                assertThat(gs[i]).as("gradient of %s[%d]", e.getKey(), i).isCloseTo(ga[i],
                        within(1e-6f * Math.max(1f, Math.abs(ga[i]))));
                maxGradientDifference = Math.max(maxGradientDifference, Math.abs(gs[i] - ga[i]));
            }
        }
        System.out.printf("subset with every position vs ALL: total %s vs %s, policy %s vs %s, largest gradient "
                + "difference %s%n", s.total().getFloat(), a.total().getFloat(), s.policy().getFloat(),
                a.policy().getFloat(), maxGradientDifference);
    }

    @ParameterizedTest
    @CsvSource({"gpt2, DIAGONAL", "gpt2, DENSE", "llama, DIAGONAL", "llama, DENSE"})
    void fewerPositionsGetExactlyAllsTermsAtTheChosenPositions(String arch, AttentionLayout layout) {
        int[][] idRows = QuietStarSemanticsTest.IDS; // the second example is padded
        int[][] attnRows = QuietStarSemanticsTest.ATTN;
        // example 0 thinks at 1, 3 and 6 (6 is after L - 2 - T: scored, never rewarded); example 1 at 0 and 4, so
        // its rows have one padding slot
        int[][] chosen = ThoughtPositions.repeatRows(new int[][] {{1, 3, 6}, {0, 4}}, 2);
        int[][][] forced = TinyModels.randomThoughts(idRows.length, L, N, 17);
        int[][][] forcedAtSlots = new int[idRows.length][3][];
        for (int r = 0; r < idRows.length; r++) {
            for (int j = 0; j < 3; j++) {
                forcedAtSlots[r][j] = j < chosen[r].length ? forced[r][chosen[r][j]] : new int[] {65, 66, 67};
            }
        }
        try (QuietStarModel model = model(arch, 33)) {
            ObjectiveResult a = runAll(model, idRows, attnRows, ThoughtSamplers.forced(forced), layout).result();
            ObjectiveResult s = runSubset(model, idRows, attnRows, (h, ids, attn) -> chosen,
                    ThoughtSamplers.forced(forcedAtSlots), layout).result();
            int rows = idRows.length;
            int rewarded = L - 1 - T;
            float[] aLogp = a.thoughtLogProbs().toFloatArray();
            float[] sLogp = s.thoughtLogProbs().toFloatArray();
            float[] ar = a.rewards().toFloatArray();
            float[] sr = s.rewards().toFloatArray();
            float[] aa = a.advantages().toFloatArray();
            float[] sa = s.advantages().toFloatArray();
            double policySum = 0;
            int policyCount = 0;
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < 3; j++) {
                    if (j >= chosen[r].length) {
                        assertThat(sr[r * 3 + j]).as("padding slot reward").isZero();
                        assertThat(sa[r * 3 + j]).as("padding slot advantage").isZero();
                        continue;
                    }
                    int p = chosen[r][j];
                    for (int t = 0; t < N; t++) {
                        assertThat(sLogp[(r * 3 + j) * N + t]).isCloseTo(aLogp[(r * L + p) * N + t], within(1e-5f));
                    }
                    if (p < rewarded) {
                        assertThat(sr[r * 3 + j]).isCloseTo(ar[r * rewarded + p], within(1e-5f));
                        assertThat(sa[r * 3 + j]).isCloseTo(aa[r * rewarded + p], within(1e-5f));
                        for (int t = 0; t < N; t++) {
                            policySum -= aa[r * rewarded + p] * aLogp[(r * L + p) * N + t];
                        }
                        policyCount += N;
                    } else {
                        assertThat(sr[r * 3 + j]).isZero();
                        assertThat(sa[r * 3 + j]).isZero();
                    }
                }
            }
            double talkSum = 0;
            for (int step = 0; step < T; step++) {
                float[] at = a.talkNll().get(step).toFloatArray();
                float[] aw = a.mixWeights().get(step).toFloatArray();
                float[] st = s.talkNll().get(step).toFloatArray();
                float[] sw = s.mixWeights().get(step).toFloatArray();
                int width = L - 1 - step;
                double sum = 0;
                int nonZero = 0;
                for (int r = 0; r < rows; r++) {
                    for (int j = 0; j < 3; j++) {
                        int p = j < chosen[r].length ? chosen[r][j] : -1;
                        float expected = p >= 0 && p < width ? at[r * width + p] : 0f;
                        assertThat(st[r * 3 + j]).as("talk NLL step %d row %d slot %d", step, r, j)
                                .isCloseTo(expected, within(1e-5f));
                        if (p >= 0 && p < width) {
                            assertThat(sw[r * 3 + j]).isCloseTo(aw[r * width + p], within(1e-5f));
                        }
                        sum += expected;
                        nonZero += expected != 0 ? 1 : 0;
                    }
                }
                talkSum += sum / Math.max(1, nonZero);
            }
            assertThat(policyCount).isPositive();
            double expectedTotal = CONFIG.baseLossWeight() * a.baseNllOfficial()
                    + CONFIG.talkLossWeight() / T * talkSum + CONFIG.policyWeight() * policySum / policyCount;
            assertThat((double) s.total().getFloat()).isCloseTo(expectedTotal, within(1e-5 * Math.abs(expectedTotal)));
            assertThat(s.baseNll().toFloatArray()).containsExactly(a.baseNll().toFloatArray());
        }
    }

    @Test
    void aRowWithoutTheMarkerContributesOnlyItsBaseLoss() {
        try (QuietStarModel model = model("gpt2", 34)) {
            Run none = runSubset(model, FULL_IDS, FULL_ATTN,
                    PositionChoosers.of(PositionsConfig.marker("zz"), model, 2, new SplittableRandom(1)),
                    ThoughtSamplers.greedy(), AttentionLayout.DIAGONAL);
            ObjectiveResult r = none.result();
            assertThat(r.rewards().getShape().get(1)).isZero();
            assertThat(r.policy().getFloat()).isZero();
            assertThat((double) r.total().getFloat()).isCloseTo(CONFIG.baseLossWeight() * r.baseNllOfficial(),
                    within(1e-6));
            // no thought ran, so the mixing head and the meta-tokens get no gradient
            float[] head = none.gradients().get(MlpMixingHead.PREFIX + "4.weight");
            for (float g : head) {
                assertThat(g).isZero();
            }
        }
    }
}
