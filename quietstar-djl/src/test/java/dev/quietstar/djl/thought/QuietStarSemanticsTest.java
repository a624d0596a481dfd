package dev.quietstar.djl.thought;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.quietstar.api.RewardEstimate;
import dev.quietstar.api.ThoughtRollout;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.model.CausalDecoder;
import dev.quietstar.djl.model.DecoderOutput;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The semantics tests of docs/algorithm.md section 10: (a) to (e), on tiny random models, and the official pad mask. */
class QuietStarSemanticsTest {

    static final int N = 3; // thought length
    static final int T = 2; // look-ahead
    static final int L = 8;
    static final QuietStarConfig CONFIG = QuietStarConfig.official().withShape(N, T, 2, L).withPolicyWeight(1.0);

    // Two examples, each twice (P = 2, adjacent rows); the second example is right-padded.
    static final int[][] IDS = {
        {256, 72, 101, 108, 108, 111, 33, 10},
        {256, 72, 101, 108, 108, 111, 33, 10},
        {256, 52, 43, 53, 61, 57, 258, 258},
        {256, 52, 43, 53, 61, 57, 258, 258},
    };
    static final int[][] ATTN = {
        {1, 1, 1, 1, 1, 1, 1, 1},
        {1, 1, 1, 1, 1, 1, 1, 1},
        {1, 1, 1, 1, 1, 1, 0, 0},
        {1, 1, 1, 1, 1, 1, 0, 0},
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

    private QuietStarModel model(String arch, long seed) {
        return "gpt2".equals(arch) ? TinyModels.gpt2(CONFIG, seed) : TinyModels.llama(CONFIG, seed);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama"})
    void a_zeroHeadMakesTalkZeroNllEqualTheBaseNll(String arch) {
        try (QuietStarModel model = model(arch, 1)) {
            NDArray ids = TinyModels.ids(m, IDS);
            NDArray attn = TinyModels.ids(m, ATTN);
            ThoughtRollout<NDArray> r = new ParallelThoughtGenerator(model, N, T)
                    .generate(ids, attn, ThoughtSamplers.categorical(1.0, new SplittableRandom(3)));
            ObjectiveResult o = new QuietStarObjective(model, CONFIG, new ReinforceRewardEstimator())
                    .evaluate(r, ids, attn);
            assertThat(o.mixWeights().get(0).abs().max().getFloat()).isZero();
            assertThat(o.talkNll().get(0).toFloatArray()).containsExactly(o.baseNll().toFloatArray());
            assertThat(o.talkNllOfficial()).isNotEqualTo(0.0);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama"})
    void b_parallelThoughtsEqualPerPositionSequentialRollouts(String arch) {
        try (QuietStarModel model = model(arch, 2)) {
            TinyModels.randomiseHead(model, 5);
            int[][][] forced = TinyModels.randomThoughts(IDS.length, L, N, 9);
            NDArray ids = TinyModels.ids(m, IDS);
            NDArray attn = TinyModels.ids(m, ATTN);
            ThoughtRollout<NDArray> parallel = new ParallelThoughtGenerator(model, N, T,
                    ParallelThoughtGenerator.AttentionLayout.DENSE).generate(ids, attn, ThoughtSamplers.forced(forced));
            ThoughtRollout<NDArray> sequential = sequentialRollout(model, forced);

            assertClose(parallel.thoughtIds().toType(DataType.INT64, false), sequential.thoughtIds(), 0);
            assertClose(parallel.baseHidden(), sequential.baseHidden(), 1e-5);
            for (int s = 0; s < T; s++) {
                assertClose(parallel.talkHidden().get(s), sequential.talkHidden().get(s), 1e-5);
            }
            assertClose(parallel.thoughtLogits(), sequential.thoughtLogits(), 1e-4); // logits are ~10x larger

            QuietStarObjective objective = new QuietStarObjective(model, CONFIG, new ReinforceRewardEstimator());
            ObjectiveResult p = objective.evaluate(parallel, ids, attn);
            ObjectiveResult q = objective.evaluate(sequential, ids, attn);
            assertClose(p.total(), q.total(), 1e-5);
            assertClose(p.nll(), q.nll(), 1e-5);
            assertClose(p.policy(), q.policy(), 1e-5);
            assertClose(p.baseNll(), q.baseNll(), 1e-5);
            for (int s = 0; s < T; s++) {
                assertClose(p.talkNll().get(s), q.talkNll().get(s), 1e-5);
                assertClose(p.mixWeights().get(s), q.mixWeights().get(s), 1e-5);
            }
            assertClose(p.thoughtLogProbs(), q.thoughtLogProbs(), 1e-5);
            assertClose(p.rewards(), q.rewards(), 1e-5);
            assertClose(p.advantages(), q.advantages(), 1e-5);
            // The head is not zero, so the comparison covers a real mix.
            assertThat(p.mixWeights().get(0).abs().max().getFloat()).isGreaterThan(1e-3f);
        }
    }

    private ThoughtRollout<NDArray> sequentialRollout(QuietStarModel model, int[][][] forced) {
        return sequentialRollout(model, IDS, ATTN, forced, N);
    }

    /**
     * For every row and position, an ordinary causal forward over prefix + start + thought + end + true tokens, with
     * the official code's mask: padded keys of the prefix hidden, and for a position whose own token is padding
     * (thought diagonal {@code eye * attention_mask}) every key of its thought chain hidden too, its own included.
     */
    private ThoughtRollout<NDArray> sequentialRollout(QuietStarModel model, int[][] idRows, int[][] attnRows,
            int[][][] forced, int n) {
        CausalDecoder d = model.decoder();
        int h = d.config().hiddenSize();
        int rows = idRows.length;
        int len = idRows[0].length;
        List<NDArray> baseRows = new ArrayList<>();
        List<List<NDArray>> talkRows = new ArrayList<>();
        for (int s = 0; s < T; s++) {
            talkRows.add(new ArrayList<>());
        }
        List<NDArray> logitRows = new ArrayList<>();
        NDArray metaMask = model.metaTokenLogitMask(m);
        for (int r = 0; r < rows; r++) {
            List<NDArray> base = new ArrayList<>();
            List<List<NDArray>> talk = new ArrayList<>();
            for (int s = 0; s < T; s++) {
                talk.add(new ArrayList<>());
            }
            List<NDArray> logits = new ArrayList<>();
            for (int i = 0; i < len; i++) {
                List<Long> tokens = new ArrayList<>();
                List<Integer> real = new ArrayList<>();
                for (int j = 0; j <= i; j++) {
                    tokens.add((long) idRows[r][j]);
                    real.add(attnRows[r][j]);
                }
                long[] prefix = tokens.stream().mapToLong(Long::longValue).toArray();
                NDArray prefixEmb = model.inputEmbeddings(m.create(prefix, new Shape(1, prefix.length)));
                long[] thought = new long[n];
                for (int j = 0; j < n; j++) {
                    thought[j] = forced[r][i][j];
                }
                long[] teacher = new long[T - 1];
                for (int s = 1; s < T; s++) {
                    teacher[s - 1] = idRows[r][Math.min(i + s, len - 1)];
                }
                List<NDArray> parts = new ArrayList<>();
                parts.add(prefixEmb);
                parts.add(model.metaTokens().startEmbedding(m).reshape(1, 1, h));
                if (n > 0) {
                    parts.add(d.embed(m.create(thought, new Shape(1, n))));
                }
                parts.add(model.metaTokens().endEmbedding(m).reshape(1, 1, h));
                if (T > 1) {
                    parts.add(model.inputEmbeddings(m.create(teacher, new Shape(1, T - 1))));
                }
                NDArray emb = NDArrays.concat(new NDList(parts), 1);
                int total = Math.toIntExact(emb.getShape().get(1));
                boolean ownReal = real.get(i) == 1;
                float[] mask = new float[total * total];
                for (int q = 0; q < total; q++) {
                    for (int k = 0; k < total; k++) {
                        boolean visible = k <= q && (k > i ? ownReal : real.get(k) == 1);
                        mask[q * total + k] = visible ? 0f : CausalDecoder.MASKED;
                    }
                }
                NDArray pos = m.arange(0, total).toType(DataType.INT64, false).reshape(1, total);
                DecoderOutput out = d.forward(emb, pos, m.create(mask, new Shape(1, 1, total, total)), null);
                NDArray hid = out.hidden().get(0);
                base.add(hid.get(i));
                for (int j = 1; j <= n; j++) {
                    logits.add(d.logits(hid.get(i + j)).add(metaMask));
                }
                for (int s = 0; s < T; s++) {
                    talk.get(s).add(hid.get(i + n + 2 + s));
                }
            }
            baseRows.add(NDArrays.stack(new NDList(base), 0));
            for (int s = 0; s < T; s++) {
                talkRows.get(s).add(NDArrays.stack(new NDList(talk.get(s)), 0));
            }
            logitRows.add(n == 0 ? m.zeros(new Shape(len, 0, d.config().vocabSize()))
                    : NDArrays.stack(new NDList(logits), 0).reshape(len, n, -1));
        }
        List<NDArray> talkHidden = new ArrayList<>();
        for (int s = 0; s < T; s++) {
            talkHidden.add(NDArrays.stack(new NDList(talkRows.get(s)), 0));
        }
        long[] flatThoughts = new long[rows * len * n];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < len; i++) {
                for (int j = 0; j < n; j++) {
                    flatThoughts[(r * len + i) * n + j] = forced[r][i][j];
                }
            }
        }
        return new ThoughtRollout<>(NDArrays.stack(new NDList(baseRows), 0),
                m.create(flatThoughts, new Shape(rows, len, n)), NDArrays.stack(new NDList(logitRows), 0),
                talkHidden);
    }

    /**
     * Rows with pads inside (two documents concatenated with pads between, as in packed data) and at the end; the
     * first token of every row is real.
     */
    static final int[][] PACKED_IDS = {
        {256, 72, 101, 258, 258, 256, 33, 10},
        {256, 72, 101, 258, 258, 256, 33, 10},
        {256, 52, 258, 53, 61, 57, 258, 258},
        {256, 52, 258, 53, 61, 57, 258, 258},
    };
    static final int[][] PACKED_ATTN = {
        {1, 1, 1, 0, 0, 1, 1, 1},
        {1, 1, 1, 0, 0, 1, 1, 1},
        {1, 1, 0, 1, 1, 1, 0, 0},
        {1, 1, 0, 1, 1, 1, 0, 0},
    };

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama"})
    void b_withPadsInsideRowsBothLayoutsEqualTheSequentialRolloutUnderTheOfficialMask(String arch) {
        try (QuietStarModel model = model(arch, 12)) {
            TinyModels.randomiseHead(model, 13);
            int[][][] forced = TinyModels.randomThoughts(PACKED_IDS.length, L, N, 14);
            NDArray ids = TinyModels.ids(m, PACKED_IDS);
            NDArray attn = TinyModels.ids(m, PACKED_ATTN);
            ThoughtRollout<NDArray> sequential = sequentialRollout(model, PACKED_IDS, PACKED_ATTN, forced, N);
            QuietStarObjective objective = new QuietStarObjective(model, CONFIG, new ReinforceRewardEstimator());
            ObjectiveResult q = objective.evaluate(sequential, ids, attn);
            for (ParallelThoughtGenerator.AttentionLayout layout : ParallelThoughtGenerator.AttentionLayout.values()) {
                ThoughtRollout<NDArray> parallel = new ParallelThoughtGenerator(model, N, T, layout)
                        .generate(ids, attn, ThoughtSamplers.forced(forced));
                assertClose(parallel.baseHidden(), sequential.baseHidden(), 1e-5);
                for (int s = 0; s < T; s++) {
                    assertClose(parallel.talkHidden().get(s), sequential.talkHidden().get(s), 1e-5);
                }
                assertClose(parallel.thoughtLogits(), sequential.thoughtLogits(), 1e-4);
                ObjectiveResult p = objective.evaluate(parallel, ids, attn);
                assertClose(p.total(), q.total(), 1e-5);
                assertClose(p.thoughtLogProbs(), q.thoughtLogProbs(), 1e-5);
                for (int s = 0; s < T; s++) {
                    assertClose(p.talkNll().get(s), q.talkNll().get(s), 1e-5);
                    assertClose(p.mixWeights().get(s), q.mixWeights().get(s), 1e-5);
                }
                assertClose(p.rewards(), q.rewards(), 1e-5);
                assertClose(p.advantages(), q.advantages(), 1e-5);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(ParallelThoughtGenerator.AttentionLayout.class)
    void aPadPositionSeesNothingOfItsOwnThoughtChain(ParallelThoughtGenerator.AttentionLayout layout) {
        try (QuietStarModel model = model("gpt2", 15)) {
            TinyModels.randomiseHead(model, 16);
            int[][][] forced = TinyModels.randomThoughts(IDS.length, L, N, 17);
            int[][][] changed = TinyModels.randomThoughts(IDS.length, L, N, 17);
            // Change the first thought token at a pad position (row 2, position 6) and at a real one (row 0, 3).
            changed[2][6][0] = (forced[2][6][0] + 1) % 256;
            changed[0][3][0] = (forced[0][3][0] + 1) % 256;
            NDArray ids = TinyModels.ids(m, IDS);
            NDArray attn = TinyModels.ids(m, ATTN);
            ParallelThoughtGenerator g = new ParallelThoughtGenerator(model, N, T, layout);
            NDArray a = g.generate(ids, attn, ThoughtSamplers.forced(forced)).thoughtLogits();
            NDArray b = g.generate(ids, attn, ThoughtSamplers.forced(changed)).thoughtLogits();
            // Token 2's logits come from the pass that fed token 1, which at a real position attends to token 0's
            // key; at a pad position it attends to the real prefix only, so token 0 cannot change them ...
            assertThat(b.get("2, 6, 2").toFloatArray()).containsExactly(a.get("2, 6, 2").toFloatArray());
            // ... while a real position's later tokens depend on it.
            float[] before = a.get("0, 3, 2").toFloatArray();
            float[] after = b.get("0, 3, 2").toFloatArray();
            double diff = 0;
            for (int i = 0; i < before.length; i++) {
                diff = Math.max(diff, Math.abs(before[i] - after[i]));
            }
            assertThat(diff).isGreaterThan(1e-4);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama"})
    void thoughtLengthZeroFeedsOnlyTheMetaTokensAndHasNoPolicyTerm(String arch) {
        QuietStarConfig pause = CONFIG.withShape(0, T, 2, L);
        try (QuietStarModel model = "gpt2".equals(arch) ? TinyModels.gpt2(pause, 18) : TinyModels.llama(pause, 18)) {
            TinyModels.randomiseHead(model, 19);
            NDArray ids = TinyModels.ids(m, IDS);
            NDArray attn = TinyModels.ids(m, ATTN);
            ThoughtRollout<NDArray> sequential = sequentialRollout(model, IDS, ATTN, new int[IDS.length][L][0], 0);
            QuietStarObjective objective = new QuietStarObjective(model, pause, new ReinforceRewardEstimator());
            ObjectiveResult q = objective.evaluate(sequential, ids, attn);
            for (ParallelThoughtGenerator.AttentionLayout layout : ParallelThoughtGenerator.AttentionLayout.values()) {
                ThoughtRollout<NDArray> r = new ParallelThoughtGenerator(model, 0, T, layout)
                        .generate(ids, attn, ThoughtSamplers.categorical(1.0, new SplittableRandom(3)));
                assertThat(r.thoughtIds().getShape()).isEqualTo(new Shape(IDS.length, L, 0));
                for (int s = 0; s < T; s++) {
                    assertClose(r.talkHidden().get(s), sequential.talkHidden().get(s), 1e-5);
                }
                ObjectiveResult o = objective.evaluate(r, ids, attn);
                assertThat(o.policy().getFloat()).isZero();
                assertThat(o.total().getFloat()).isEqualTo(o.nll().getFloat());
                assertThat(o.total().getFloat()).isFinite().isPositive();
                assertClose(o.nll(), q.nll(), 1e-5);
                assertClose(o.rewards(), q.rewards(), 1e-5);
                assertThat(o.thoughtLogProbs().getShape()).isEqualTo(new Shape(IDS.length, L, 0));
            }
        }
    }

    private static void assertClose(NDArray actual, NDArray expected, double tol) {
        assertThat(actual.getShape()).isEqualTo(expected.getShape());
        float[] a = actual.toType(DataType.FLOAT32, false).toFloatArray();
        float[] e = expected.toType(DataType.FLOAT32, false).toFloatArray();
        for (int i = 0; i < a.length; i++) {
            assertThat((double) a[i]).as("element %d of %s", i, actual.getShape()).isCloseTo(e[i], within(tol));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama"})
    void e_elementWiseDiagonalAttentionEqualsTheDenseMask(String arch) {
        try (QuietStarModel model = model(arch, 4)) {
            TinyModels.randomiseHead(model, 6);
            int[][][] forced = TinyModels.randomThoughts(IDS.length, L, N, 10);
            NDArray ids = TinyModels.ids(m, IDS);
            NDArray attn = TinyModels.ids(m, ATTN);
            ThoughtRollout<NDArray> dense = new ParallelThoughtGenerator(model, N, T,
                    ParallelThoughtGenerator.AttentionLayout.DENSE).generate(ids, attn, ThoughtSamplers.forced(forced));
            ThoughtRollout<NDArray> diagonal = new ParallelThoughtGenerator(model, N, T,
                    ParallelThoughtGenerator.AttentionLayout.DIAGONAL)
                    .generate(ids, attn, ThoughtSamplers.forced(forced));
            assertClose(diagonal.baseHidden(), dense.baseHidden(), 1e-6);
            for (int s = 0; s < T; s++) {
                assertClose(diagonal.talkHidden().get(s), dense.talkHidden().get(s), 1e-5);
            }
            assertClose(diagonal.thoughtLogits(), dense.thoughtLogits(), 1e-4);
            QuietStarObjective objective = new QuietStarObjective(model, CONFIG, new ReinforceRewardEstimator());
            ObjectiveResult a = objective.evaluate(dense, ids, attn);
            ObjectiveResult b = objective.evaluate(diagonal, ids, attn);
            assertClose(b.total(), a.total(), 1e-5);
            assertClose(b.policy(), a.policy(), 1e-5);
            for (int s = 0; s < T; s++) {
                assertClose(b.talkNll().get(s), a.talkNll().get(s), 1e-5);
            }
        }
    }

    @Test
    void c_maskBlocksAndPositionOffsets() {
        int[][] attn = {{1, 1, 1, 0}};
        NDArray real = dev.quietstar.djl.model.Masks.causalWithPadding(m, attn);
        NDArray diag = dev.quietstar.djl.model.Masks.thoughtDiagonal(m, attn);
        for (int k = 1; k <= 3; k++) {
            NDArray mask = ParallelThoughtGenerator.passMask(real, diag, k);
            assertThat(mask.getShape()).isEqualTo(new Shape(1, 1, 4, 4L * (k + 1)));
            float[] f = mask.toFloatArray();
            int keys = 4 * (k + 1);
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < keys; j++) {
                    boolean visible;
                    if (j < 4) {
                        visible = j <= i && attn[0][j] == 1; // the real prefix, padding hidden
                    } else {
                        // own earlier thought tokens only, one per pass; none for a pad position
                        // (the official diagonal eye * attention_mask)
                        visible = (j - 4) % 4 == i && attn[0][i] == 1;
                    }
                    assertThat(f[i * keys + j] == 0f).as("pass %d query %d key %d", k, i, j).isEqualTo(visible);
                }
            }
            NDArray pos = m.arange(0, 4).toType(DataType.INT64, false).reshape(1, 4);
            assertThat(ParallelThoughtGenerator.passPositions(pos, k).toLongArray())
                    .containsExactly(k, k + 1, k + 2, k + 3);
        }
    }

    @Test
    void d_withTwoThoughtsPerPositionAtMostOneAdvantageOfAPairIsPositive() {
        SplittableRandom rng = new SplittableRandom(4);
        float[] talk = new float[T * 6 * 5];
        float[] base = new float[T * 6 * 5];
        for (int i = 0; i < talk.length; i++) {
            talk[i] = (float) -rng.nextDouble() * 5;
            base[i] = (float) -rng.nextDouble() * 5;
        }
        RewardEstimate<NDArray> est = new ReinforceRewardEstimator().estimate(m.create(talk, new Shape(T, 6, 5)),
                m.create(base, new Shape(T, 6, 5)), 2);
        float[] r = est.rewards().toFloatArray();
        float[] a = est.advantages().toFloatArray();
        int positive = 0;
        for (int pair = 0; pair < 3; pair++) {
            for (int i = 0; i < 5; i++) {
                float a0 = a[(2 * pair) * 5 + i];
                float a1 = a[(2 * pair + 1) * 5 + i];
                assertThat(a0 > 0 && a1 > 0).isFalse();
                float r0 = r[(2 * pair) * 5 + i];
                float r1 = r[(2 * pair + 1) * 5 + i];
                assertThat(a0).isCloseTo(Math.max(0, (r0 - r1) / 2), within(1e-6f));
                positive += (a0 > 0 ? 1 : 0) + (a1 > 0 ? 1 : 0);
            }
        }
        assertThat(positive).isPositive();
        // With one thought per position nothing is subtracted: A = max(0, r).
        RewardEstimate<NDArray> single = new ReinforceRewardEstimator().estimate(m.create(talk, new Shape(T, 6, 5)),
                m.create(base, new Shape(T, 6, 5)), 1);
        float[] r1 = single.rewards().toFloatArray();
        float[] a1 = single.advantages().toFloatArray();
        for (int i = 0; i < r1.length; i++) {
            assertThat(a1[i]).isEqualTo(Math.max(0f, r1[i]));
        }
    }

    @Test
    void d_theObjectivesAdvantagesFollowThePairRule() {
        try (QuietStarModel model = model("gpt2", 8)) {
            TinyModels.randomiseHead(model, 1);
            NDArray ids = TinyModels.ids(m, IDS);
            NDArray attn = TinyModels.ids(m, ATTN);
            ObjectiveResult o = new QuietStarObjective(model, CONFIG, new ReinforceRewardEstimator()).evaluate(
                    new ParallelThoughtGenerator(model, N, T).generate(ids, attn,
                            ThoughtSamplers.categorical(1.0, new SplittableRandom(2))), ids, attn);
            float[] a = o.advantages().toFloatArray();
            int q = L - 1 - T;
            assertThat(o.advantages().getShape()).isEqualTo(new Shape(4, q));
            for (int pair = 0; pair < 2; pair++) {
                for (int i = 0; i < q; i++) {
                    assertThat(a[2 * pair * q + i] > 0 && a[(2 * pair + 1) * q + i] > 0).isFalse();
                }
            }
        }
    }

    @Test
    void rewardsAndAdvantagesCarryNoGradient() {
        try (QuietStarModel model = model("gpt2", 3)) {
            TinyModels.randomiseHead(model, 2);
            model.parameters().values().forEach(p -> p.getArray().setRequiresGradient(true));
            NDArray ids = TinyModels.ids(m, IDS);
            NDArray attn = TinyModels.ids(m, ATTN);
            int[][][] forced = TinyModels.randomThoughts(4, L, N, 1);
            float[] plain = gradients(model, ids, attn, forced, 0);
            float[] withRewards = gradients(model, ids, attn, forced, 1000);
            // Adding 1000 * (sum of rewards + advantages) to the loss changes nothing: they are constants.
            assertThat(withRewards).containsExactly(plain);
            assertThat(java.util.stream.IntStream.range(0, plain.length).mapToDouble(i -> Math.abs(plain[i])).sum())
                    .isGreaterThan(0);
        }
    }

    private float[] gradients(QuietStarModel model, NDArray ids, NDArray attn, int[][][] forced, float rewardScale) {
        List<float[]> parts = new ArrayList<>();
        try (NDManager step = m.newSubManager()) {
            NDArray i2 = ids.duplicate();
            i2.attach(step);
            NDArray a2 = attn.duplicate();
            a2.attach(step);
            try (GradientCollector gc = Engine.getEngine(DjlEngines.ENGINE).newGradientCollector()) {
                ObjectiveResult o = new QuietStarObjective(model, CONFIG, new ReinforceRewardEstimator()).evaluate(
                        new ParallelThoughtGenerator(model, N, T).generate(i2, a2, ThoughtSamplers.forced(forced)),
                        i2, a2);
                NDArray loss = o.total().add(o.rewards().add(o.advantages()).sum().mul(rewardScale));
                gc.backward(loss);
            }
            for (var p : model.parameters().values()) {
                NDArray g = p.getArray().getGradient();
                parts.add(g.toFloatArray());
                g.close();
                JniUtils.zeroGrad((PtNDArray) p.getArray());
            }
        }
        int total = parts.stream().mapToInt(a -> a.length).sum();
        float[] all = new float[total];
        int off = 0;
        for (float[] a : parts) {
            System.arraycopy(a, 0, all, off, a.length);
            off += a.length;
        }
        return all;
    }
}
