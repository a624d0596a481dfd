package dev.quietstar.djl.infer;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.quietstar.api.ThoughtRollout;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.thought.MlpMixingHead;
import dev.quietstar.djl.thought.ParallelThoughtGenerator;
import dev.quietstar.djl.thought.QuietStarModel;
import dev.quietstar.djl.thought.ThoughtSamplers;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** docs/algorithm.md section 10, semantics test (f): cached inference equals the parallel training forward. */
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

    /** Core's thought branch, the one the library runs, on the DJL decoder step. */
    private static dev.quietstar.core.infer.ThoughtBranch branch() {
        return new dev.quietstar.core.infer.ThoughtBranch(new dev.quietstar.core.infer.ThinkThenTalk.Settings(
                model.tokenizer(), N, 1.0, model.metaTokens().startId(), model.metaTokens().endId()), null);
    }

    /** Forces row r's thought to {@code forced[r]}, recording the ids it hands out. */
    private static dev.quietstar.core.infer.ThoughtTokenSampler forced(int[][] forced) {
        return (logits, rows, vocab, step) -> {
            long[] ids = new long[rows];
            for (int r = 0; r < rows; r++) {
                ids[r] = forced[r][step];
            }
            return ids;
        };
    }

    private static boolean[][] allValid(int rows, int width) {
        boolean[][] valid = new boolean[rows][width];
        for (boolean[] row : valid) {
            java.util.Arrays.fill(row, true);
        }
        return valid;
    }

    @Test
    @SuppressWarnings("try") // the no-gradient scope is held, not referenced
    void cachedBranchEqualsParallelTalkZeroAtTheLastPosition() {
        int[] prefix = {256, 'h', 'e', 'l', 'l', 'o', ' '};
        int len = prefix.length;
        int[][][] forced = thoughts(len, 5);
        try (NoGradScope g = NoGradScope.enter(); NDManager m = model.manager().newSubManager();
                DjlDecoderStep step = new DjlDecoderStep(model)) {
            float[] expected = parallelMixedLogits(m, prefix, forced, len - 1);
            long[] positions = new long[len];
            for (int i = 0; i < len; i++) {
                positions[i] = i;
            }
            var real = step.forward(toLong(prefix), positions, 1, len,
                    dev.quietstar.core.infer.ThinkThenTalk.causalWithPadding(allValid(1, len), len), null);
            var r = branch().think(step, real, new long[] {len}, allValid(1, len),
                    forced(new int[][] {forced[0][len - 1]}));
            assertClose(r.mixing().mixedLogits(), expected, 1e-5);
            assertThat(r.ids()).containsExactly(toLong(forced[0][len - 1]));
            assertThat(real.cache().kv().length()).as("the real cache is untouched by the branch").isEqualTo(len);
            step.release(real.cache());
        }
    }

    @Test
    @SuppressWarnings("try") // the no-gradient scope is held, not referenced
    void tokenByTokenCacheGivesTheSameMixedLogits() {
        int[] prefix = {256, 'a', '+', 'b', '=', 'c'};
        int len = prefix.length;
        int[][][] forced = thoughts(len, 9);
        try (NoGradScope g = NoGradScope.enter(); NDManager m = model.manager().newSubManager();
                DjlDecoderStep step = new DjlDecoderStep(model)) {
            float[] expected = parallelMixedLogits(m, prefix, forced, len - 1);
            dev.quietstar.core.infer.DecoderStep.Output<DjlDecoderStep.Cache> out = null;
            for (int i = 0; i < len; i++) {
                var next = step.forward(new long[] {prefix[i]}, new long[] {i}, 1, 1, new float[i + 1],
                        out == null ? null : out.cache());
                if (out != null) {
                    step.release(out.cache());
                }
                out = next;
            }
            var r = branch().think(step, out, new long[] {len}, allValid(1, len),
                    forced(new int[][] {forced[0][len - 1]}));
            assertClose(r.mixing().mixedLogits(), expected, 1e-5);
            step.release(out.cache());
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
        try (NoGradScope g = NoGradScope.enter(); NDManager m = model.manager().newSubManager();
                DjlDecoderStep step = new DjlDecoderStep(model)) {
            float[] expectedShort = parallelMixedLogits(m, shortPrefix, forcedShort, shortPrefix.length - 1);
            float[] expectedLong = parallelMixedLogits(m, longPrefix, forcedLong, width - 1);
            long[] ids = new long[2 * width];
            long[] pos = new long[2 * width];
            boolean[][] valid = new boolean[2][width];
            for (int j = 0; j < width; j++) {
                boolean real = j >= pad;
                ids[j] = real ? shortPrefix[j - pad] : 0;
                pos[j] = real ? j - pad : 0;
                valid[0][j] = real;
                ids[width + j] = longPrefix[j];
                pos[width + j] = j;
                valid[1][j] = true;
            }
            var out = step.forward(ids, pos, 2, width,
                    dev.quietstar.core.infer.ThinkThenTalk.causalWithPadding(valid, width), null);
            int[][] forced = {forcedShort[0][shortPrefix.length - 1], forcedLong[0][width - 1]};
            var r = branch().think(step, out, new long[] {shortPrefix.length, width}, valid, forced(forced));
            float[] logits = r.mixing().mixedLogits();
            int v = expectedShort.length;
            assertClose(java.util.Arrays.copyOfRange(logits, 0, v), expectedShort, 1e-5);
            assertClose(java.util.Arrays.copyOfRange(logits, v, 2 * v), expectedLong, 1e-5);
            step.release(out.cache());
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
