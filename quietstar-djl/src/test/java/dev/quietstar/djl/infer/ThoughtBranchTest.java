package dev.quietstar.djl.infer;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.quietstar.api.ThoughtRollout;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.model.CausalDecoder;
import dev.quietstar.djl.model.DecoderOutput;
import dev.quietstar.djl.model.KvCache;
import dev.quietstar.djl.model.Masks;
import dev.quietstar.djl.thought.MlpMixingHead;
import dev.quietstar.djl.thought.ParallelThoughtGenerator;
import dev.quietstar.djl.thought.QuietStarModel;
import dev.quietstar.djl.thought.ThoughtSamplers;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** DESIGN section 3, semantics test (f): cached inference equals the parallel training forward. */
class ThoughtBranchTest {

    private static final int N = 3;
    private static QuietStarModel model;

    @BeforeAll
    static void load() {
        DjlEngines.pytorch();
        model = InferFixtures.model(11, N, 64, true);
    }

    @AfterAll
    static void free() {
        model.close();
    }

    /** Token ids of a prefix and forced thoughts at every position. */
    private static int[][][] thoughts(int len, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int[][][] t = new int[1][len][N];
        for (int i = 0; i < len; i++) {
            for (int k = 0; k < N; k++) {
                t[0][i][k] = rng.nextInt(256);
            }
        }
        return t;
    }

    /** Talk-0 mixed logits of the parallel forward at position i: lm_head(mix(h_base[i], h_talk0[i])). */
    private static float[] parallelMixedLogits(NDManager m, int[] prefix, int[][][] forced, int i) {
        NDArray ids = m.create(toLong(prefix), new Shape(1, prefix.length));
        NDArray attention = m.ones(new Shape(1, prefix.length), DataType.INT32);
        ThoughtRollout<NDArray> r = new ParallelThoughtGenerator(model, N, 1)
                .generate(ids, attention, ThoughtSamplers.forced(forced));
        NDArray hb = r.baseHidden().get(":, " + i + ":" + (i + 1) + ", :");
        NDArray ht = r.talkHidden().get(0).get(":, " + i + ":" + (i + 1) + ", :");
        MlpMixingHead head = model.mixingHead();
        NDArray w = head.weight(hb, ht);
        assertThat(Math.abs(w.getFloat())).as("the head must give a non-trivial weight").isGreaterThan(1e-3f);
        return model.decoder().logits(head.mix(hb, ht, w)).toFloatArray();
    }

    private static long[] toLong(int[] ids) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            l[i] = ids[i];
        }
        return l;
    }

    @Test
    @SuppressWarnings("try") // the no-gradient scope is held, not referenced
    void cachedBranchEqualsParallelTalkZeroAtTheLastPosition() {
        int[] prefix = {256, 'h', 'e', 'l', 'l', 'o', ' '};
        int len = prefix.length;
        int[][][] forced = thoughts(len, 5);
        try (NoGradScope g = NoGradScope.enter(); NDManager m = model.manager().newSubManager()) {
            float[] expected = parallelMixedLogits(m, prefix, forced, len - 1);
            CausalDecoder d = model.decoder();
            NDArray ids = m.create(toLong(prefix), new Shape(1, len));
            DecoderOutput out = d.forward(model.inputEmbeddings(ids),
                    m.arange(0, len).toType(DataType.INT64, false).reshape(1, len), Masks.causal(m, 1, len, 0), null);
            NDArray hBase = out.hidden().get(":, -1:, :");
            ThoughtBranch.Result r = new ThoughtBranch(model, N).think(m, out.cache(), hBase, new long[] {len},
                    m.zeros(new Shape(1, 1, 1, len)), ThoughtSamplers.forced(new int[][][] {{forced[0][len - 1]}}));
            assertClose(r.mixedLogits().toFloatArray(), expected, 1e-5);
            assertThat(r.thoughtIds().toLongArray()).containsExactly(toLong(forced[0][len - 1]));
            assertThat(out.cache().length()).as("the real cache is untouched by the branch").isEqualTo(len);
        }
    }

    @Test
    @SuppressWarnings("try") // the no-gradient scope is held, not referenced
    void tokenByTokenCacheGivesTheSameMixedLogits() {
        int[] prefix = {256, 'a', '+', 'b', '=', 'c'};
        int len = prefix.length;
        int[][][] forced = thoughts(len, 9);
        try (NoGradScope g = NoGradScope.enter(); NDManager m = model.manager().newSubManager()) {
            float[] expected = parallelMixedLogits(m, prefix, forced, len - 1);
            CausalDecoder d = model.decoder();
            KvCache cache = null;
            NDArray hidden = null;
            for (int i = 0; i < len; i++) {
                DecoderOutput out = d.forward(m.create(new long[] {prefix[i]}, new Shape(1, 1)), cache);
                cache = out.cache();
                hidden = out.hidden();
            }
            ThoughtBranch.Result r = new ThoughtBranch(model, N).think(m, cache, hidden, new long[] {len},
                    m.zeros(new Shape(1, 1, 1, len)), ThoughtSamplers.forced(new int[][][] {{forced[0][len - 1]}}));
            assertClose(r.mixedLogits().toFloatArray(), expected, 1e-5);
        }
    }

    @Test
    @SuppressWarnings("try") // the no-gradient scope is held, not referenced
    void leftPaddedBatchRowEqualsParallelForward() {
        int[] shortPrefix = {256, 'x', 'y'};
        int[] longPrefix = {256, 'l', 'o', 'n', 'g', 'e', 'r'};
        int width = longPrefix.length;
        int pad = width - shortPrefix.length;
        int[][][] forcedShort = thoughts(shortPrefix.length, 21);
        int[][][] forcedLong = thoughts(width, 22);
        try (NoGradScope g = NoGradScope.enter(); NDManager m = model.manager().newSubManager()) {
            float[] expectedShort = parallelMixedLogits(m, shortPrefix, forcedShort, shortPrefix.length - 1);
            float[] expectedLong = parallelMixedLogits(m, longPrefix, forcedLong, width - 1);
            long[] ids = new long[2 * width];
            long[] pos = new long[2 * width];
            int[][] attention = new int[2][width];
            float[] keyMask = new float[2 * width];
            for (int j = 0; j < width; j++) {
                boolean real = j >= pad;
                ids[j] = real ? shortPrefix[j - pad] : 0;
                pos[j] = real ? j - pad : 0;
                attention[0][j] = real ? 1 : 0;
                keyMask[j] = real ? 0 : CausalDecoder.MASKED;
                ids[width + j] = longPrefix[j];
                pos[width + j] = j;
                attention[1][j] = 1;
            }
            DecoderOutput out = model.decoder().forward(model.inputEmbeddings(m.create(ids, new Shape(2, width))),
                    m.create(pos, new Shape(2, width)), Masks.causalWithPadding(m, attention), null);
            NDArray hBase = out.hidden().get(":, -1:, :");
            int[][][] forced = {{forcedShort[0][shortPrefix.length - 1]}, {forcedLong[0][width - 1]}};
            ThoughtBranch.Result r = new ThoughtBranch(model, N).think(m, out.cache(), hBase,
                    new long[] {shortPrefix.length, width}, m.create(keyMask, new Shape(2, 1, 1, width)),
                    ThoughtSamplers.forced(forced));
            float[] logits = r.mixedLogits().toFloatArray();
            int v = expectedShort.length;
            assertClose(java.util.Arrays.copyOfRange(logits, 0, v), expectedShort, 1e-5);
            assertClose(java.util.Arrays.copyOfRange(logits, v, 2 * v), expectedLong, 1e-5);
        }
    }

    static void assertClose(float[] actual, float[] expected, double tolerance) {
        assertThat(actual).hasSameSizeAs(expected);
        double worst = 0;
        for (int k = 0; k < actual.length; k++) {
            worst = Math.max(worst, Math.abs(actual[k] - expected[k]));
        }
        assertThat(worst).as("largest absolute difference").isLessThanOrEqualTo(tolerance);
    }
}
