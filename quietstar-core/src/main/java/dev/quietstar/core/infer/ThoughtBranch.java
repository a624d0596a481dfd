package dev.quietstar.core.infer;

import dev.quietstar.api.MixingHead;
import java.util.Arrays;
import java.util.Objects;

/**
 * One thought per row on top of the key/value cache of the real tokens (the paper's inference, docs/algorithm.md section 8):
 * the only implementation of "run a thought on a cache", shared by generation, scoring and evaluation on every
 * engine.
 *
 * <p>For a row whose real prefix has p tokens, the branch feeds the start-of-thought token at position p, then
 * {@code thoughtLength} tokens each chosen from the logits of the previous branch token with the meta-tokens masked,
 * at positions p + 1 .., then the end-of-thought token at p + thoughtLength + 1. Each branch token attends to the
 * row's real prefix (the keys {@code keyValid} marks) and to the branch tokens before it: the positions and attention
 * the parallel training forward gives the thought after position p - 1. The mixing head then blends h_base, the
 * hidden state of the row's last real token, with h_after, the one after the end token.
 *
 * <p>By default the backend's own mixing head runs ({@link DecoderStep#mix}). A user's {@link MixingHead} on
 * hidden-state vectors ({@code float[rows][H]}) replaces it on every engine: the loop asks it for w and for the
 * mixed hidden state, and takes the logits from the backend's language-model head
 * ({@link DecoderStep#logits(float[], int)}) or, where the backend cannot apply that head to an arbitrary vector,
 * from the linearity of the bias-free head when the mix is the convex combination {@code (1 - w) h_base + w h_after};
 * any other mix fails there with a message that says so.
 *
 * <p>The real cache is never changed; every cache the branch creates is released before it returns.
 */
public final class ThoughtBranch {

    private static final float CONVEX_TOLERANCE = 1e-5f;

    private final ThinkThenTalk.Settings settings;
    private final MixingHead<float[][]> mixingHead;

    /**
     * Creates a branch runner.
     *
     * @param settings the model facts (thought length, meta-token ids)
     * @param mixingHead a user's mixing head on hidden-state vectors, or null for the backend's own
     */
    public ThoughtBranch(ThinkThenTalk.Settings settings, MixingHead<float[][]> mixingHead) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.mixingHead = mixingHead;
    }

    /**
     * A thought's chosen ids and the mixing head's output.
     *
     * @param ids the thought tokens, (rows, thoughtLength) row-major
     * @param mixing the weights and mixed logits (meta-tokens not masked)
     */
    public record Thought(long[] ids, DecoderStep.Mixing mixing) {}

    /**
     * The number of positions a thought occupies after the real prefix: start, thought tokens, end.
     *
     * @return thoughtLength + 2
     */
    public int positionsUsed() {
        return settings.thoughtLength() + 2;
    }

    /**
     * Thinks once per row on top of a cache.
     *
     * @param step the engine
     * @param base the output whose hidden states and logits are each row's h_base and base logits, and whose cache
     *     holds the real keys (one row per batch row)
     * @param nextPositions each row's number of real tokens p: the start token sits at position p
     * @param keyValid per row, which cached keys are the row's real prefix
     * @param sampler picks the thought tokens from logits with the meta-tokens masked
     * @param <C> the engine's cache type
     * @return the thought and the mixing
     */
    public <C> Thought think(DecoderStep<C> step, DecoderStep.Output<C> base, long[] nextPositions,
            boolean[][] keyValid, ThoughtTokenSampler sampler) {
        Kept<C> kept = thinkAndKeep(step, base, nextPositions, keyValid, sampler);
        try {
            return new Thought(kept.ids(), mixing(step, base, kept.after(), nextPositions.length));
        } finally {
            step.release(kept.after().cache());
        }
    }

    /**
     * A thought whose branch is kept: the caller continues feeding tokens after the end-of-thought token (a thought
     * that serves several tokens, as the training objective's look-ahead does) and releases the branch's cache.
     *
     * @param ids the thought tokens, (rows, thoughtLength) row-major
     * @param after the output of the end-of-thought token: h_after per row and the branch's cache
     * @param <C> the engine's cache type
     */
    public record Kept<C>(long[] ids, DecoderStep.Output<C> after) {}

    /**
     * Thinks once per row on top of a cache like {@link #think} and keeps the branch open instead of mixing.
     *
     * @param step the engine
     * @param base the output whose cache holds the real keys
     * @param nextPositions each row's number of real tokens p: the start token sits at position p
     * @param keyValid per row, which cached keys are the row's real prefix
     * @param sampler picks the thought tokens from logits with the meta-tokens masked
     * @param <C> the engine's cache type
     * @return the thought and the branch after its end token; the caller releases {@code after().cache()}
     */
    public <C> Kept<C> thinkAndKeep(DecoderStep<C> step, DecoderStep.Output<C> base, long[] nextPositions,
            boolean[][] keyValid, ThoughtTokenSampler sampler) {
        int rows = nextPositions.length;
        int n = settings.thoughtLength();
        int vocab = step.vocabSize();
        long[] thoughtIds = new long[rows * n];
        long[] token = new long[rows];
        Arrays.fill(token, settings.startTokenId());
        DecoderStep.Output<C> out = null;
        try {
            for (int k = 0; k < n + 2; k++) {
                if (k > 0 && k <= n) {
                    float[] logits = maskMetaTokens(out.logits().clone(), rows, vocab);
                    long[] chosen = sampler.sample(logits, rows, vocab, k - 1);
                    if (chosen.length != rows) {
                        throw new IllegalStateException("the thought sampler returned " + chosen.length
                                + " ids for " + rows + " rows");
                    }
                    for (int r = 0; r < rows; r++) {
                        thoughtIds[r * n + k - 1] = chosen[r];
                    }
                    token = chosen.clone();
                } else if (k == n + 1) {
                    token = new long[rows];
                    Arrays.fill(token, settings.endTokenId());
                }
                long[] positions = new long[rows];
                for (int r = 0; r < rows; r++) {
                    positions[r] = nextPositions[r] + k;
                }
                DecoderStep.Output<C> next = step.forward(token, positions, rows, 1, keyMask(keyValid, k + 1),
                        out == null ? base.cache() : out.cache());
                if (out != null) {
                    step.release(out.cache());
                }
                out = next;
            }
            DecoderStep.Output<C> after = out;
            out = null;
            return new Kept<>(thoughtIds, after);
        } finally {
            if (out != null) {
                step.release(out.cache());
            }
        }
    }

    /**
     * The mixing head (the backend's, or the user's one this branch was given) on h_base and h_after.
     *
     * @param step the engine
     * @param base the outputs whose hidden states and logits are each row's h_base and base logits
     * @param after the outputs whose hidden states and logits are each row's h_after and its logits
     * @param rows batch rows
     * @param <C> the engine's cache type
     * @return the weights and the mixed logits, meta-tokens not masked
     */
    public <C> DecoderStep.Mixing mixing(DecoderStep<C> step, DecoderStep.Output<C> base, DecoderStep.Output<C> after,
            int rows) {
        return mix(step, base, after, rows);
    }

    private <C> DecoderStep.Mixing mix(DecoderStep<C> step, DecoderStep.Output<C> base, DecoderStep.Output<C> after,
            int rows) {
        if (mixingHead == null) {
            return step.mix(base, after, rows);
        }
        int h = step.hiddenSize();
        int vocab = step.vocabSize();
        float[][] b = rowsOf(base.hidden(), rows, h);
        float[][] a = rowsOf(after.hidden(), rows, h);
        float[][] w = mixingHead.weight(b, a);
        if (w == null || w.length != rows) {
            throw new IllegalStateException("the mixing head " + mixingHead.getClass().getName() + " returned "
                    + (w == null ? "null" : w.length + " rows") + " of weights for " + rows + " rows");
        }
        float[] weights = new float[rows];
        for (int r = 0; r < rows; r++) {
            if (w[r] == null || w[r].length != 1 || !Float.isFinite(w[r][0])) {
                throw new IllegalStateException("the mixing head " + mixingHead.getClass().getName()
                        + " returned weight " + (w[r] == null ? "null" : Arrays.toString(w[r])) + " for row " + r
                        + "; one finite weight per row is needed");
            }
            weights[r] = w[r][0];
        }
        float[][] mixed = mixingHead.mix(b, a, w);
        if (mixed == null || mixed.length != rows) {
            throw new IllegalStateException("the mixing head " + mixingHead.getClass().getName()
                    + " mixed " + (mixed == null ? "null" : mixed.length + " rows") + " for " + rows + " rows");
        }
        float[] flat = new float[rows * h];
        for (int r = 0; r < rows; r++) {
            if (mixed[r] == null || mixed[r].length != h) {
                throw new IllegalStateException("the mixing head " + mixingHead.getClass().getName()
                        + " returned a mixed hidden state of the wrong width for row " + r + "; " + h + " needed");
            }
            System.arraycopy(mixed[r], 0, flat, r * h, h);
        }
        try {
            return new DecoderStep.Mixing(weights, step.logits(flat, rows));
        } catch (UnsupportedOperationException e) {
            return linearMix(base, after, b, a, mixed, weights, rows, vocab);
        }
    }

    /** Mixed logits from the base and after logits, valid when the mix is the convex combination. */
    private DecoderStep.Mixing linearMix(DecoderStep.Output<?> base, DecoderStep.Output<?> after, float[][] b,
            float[][] a, float[][] mixed, float[] w, int rows, int vocab) {
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < b[r].length; k++) {
                float convex = (1 - w[r]) * b[r][k] + w[r] * a[r][k];
                float scale = Math.max(1f, Math.abs(convex));
                if (Math.abs(mixed[r][k] - convex) > CONVEX_TOLERANCE * scale) {
                    throw new UnsupportedOperationException("the mixing head " + mixingHead.getClass().getName()
                            + " mixes hidden states other than (1 - w) h_base + w h_after, and this backend cannot "
                            + "apply the language-model head to an arbitrary vector; use that mix or a backend with "
                            + "a general head (djl-pytorch)");
                }
            }
        }
        float[] lb = base.logits();
        float[] la = after.logits();
        float[] out = new float[rows * vocab];
        for (int r = 0; r < rows; r++) {
            for (int k = r * vocab; k < (r + 1) * vocab; k++) {
                out[k] = lb[k] + (la[k] - lb[k]) * w[r];
            }
        }
        return new DecoderStep.Mixing(w, out);
    }

    private static float[][] rowsOf(float[] flat, int rows, int width) {
        float[][] out = new float[rows][];
        for (int r = 0; r < rows; r++) {
            out[r] = Arrays.copyOfRange(flat, r * width, (r + 1) * width);
        }
        return out;
    }

    /**
     * Adds the meta-token mask to every row of (rows, V) logits, in place.
     *
     * @param logits the logits
     * @param rows rows
     * @param vocab V
     * @return the same array
     */
    float[] maskMetaTokens(float[] logits, int rows, int vocab) {
        for (int r = 0; r < rows; r++) {
            logits[r * vocab + settings.startTokenId()] += ThinkThenTalk.META_TOKEN_LOGIT_MASK;
            logits[r * vocab + settings.endTokenId()] += ThinkThenTalk.META_TOKEN_LOGIT_MASK;
        }
        return logits;
    }

    /**
     * The additive mask of one new token per row over the cached keys plus {@code extra} visible new keys.
     *
     * @param keyValid per row, whether cached key j is visible
     * @param extra visible keys after the cached ones
     * @return (rows, 1, 1, cached + extra) row-major
     */
    static float[] keyMask(boolean[][] keyValid, int extra) {
        int rows = keyValid.length;
        int k = keyValid[0].length + extra;
        float[] data = new float[rows * k];
        for (int r = 0; r < rows; r++) {
            boolean[] valid = keyValid[r];
            for (int j = 0; j < valid.length; j++) {
                data[r * k + j] = valid[j] ? 0f : ThinkThenTalk.MASKED;
            }
        }
        return data;
    }
}
