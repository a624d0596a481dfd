package dev.quietstar.core.infer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A small deterministic pure-Java {@link DecoderStep} for tests that records everything it is fed.
 *
 * <p>It behaves like a tiny attention model: the hidden state of a row's last fed token is a hash of the (token id,
 * position id) pairs of exactly the keys the mask lets that token see, so a wrong position, a wrong mask or a leaked
 * key changes the output. Logits are a fixed linear map of the hidden state plus {@link #bias}, so the mixing head can
 * mix hidden states like the real one: {@code W((1 - w) h_base + w h_after) + bias + mixBias}.
 *
 * <p>Caches are immutable values holding the per-row (token, position) list; every cache gets an id and
 * {@link #released} lists the ids the caller freed, so a test can check that nothing leaks or is freed twice.
 * The fake refuses malformed input (array sizes, positions beyond the context, mask values other than 0 and
 * {@link ThinkThenTalk#MASKED}, a released cache) by throwing, which fails the test.
 */
final class RecordingDecoder implements DecoderStep<RecordingDecoder.Cache> {

    /** Per-row keys of a cache. */
    record Cache(int id, long[][] tokens, long[][] positions) {
        long length() {
            return tokens[0].length;
        }

        List<Long> tokensOfRow(int r) {
            return Arrays.stream(tokens[r]).boxed().toList();
        }
    }

    /** One forward call as fed, and what it returned. */
    record Call(long[] tokenIds, long[] positionIds, int rows, int length, float[] mask, Cache past,
            Output<Cache> out) {
        long pastLength() {
            return past == null ? 0 : past.length();
        }

        /** The mask row of row r's token i over all keys. */
        float[] maskRow(int r, int i) {
            int keys = (int) pastLength() + length;
            int from = (r * length + i) * keys;
            return Arrays.copyOfRange(mask, from, from + keys);
        }

        float[] logitsOfRow(int r, int vocab) {
            return Arrays.copyOfRange(out.logits(), r * vocab, (r + 1) * vocab);
        }
    }

    /** One mixing call. */
    record MixCall(Output<Cache> base, Output<Cache> after, int rows, Mixing result) {}

    /** Changes a row's logits given the token ids the row's last fed token sees (in key order). */
    @FunctionalInterface
    interface Shaper {
        void shape(List<Long> visibleTokens, float[] logits, int offset);
    }

    final int vocab;
    final int hidden;
    final int maxPositions;
    final float[] bias;
    final float[] mixBias;
    /** The mixing weight of every row, or NaN for a hash of the two hidden states. */
    float fixedWeight = Float.NaN;
    Shaper shaper = (visible, logits, offset) -> {};

    final List<Call> calls = new ArrayList<>();
    final List<MixCall> mixes = new ArrayList<>();
    final List<Integer> created = new ArrayList<>();
    final List<Integer> released = new ArrayList<>();
    private final float[][] w;
    private int nextId;

    RecordingDecoder(int vocab, int hidden, int maxPositions) {
        this.vocab = vocab;
        this.hidden = hidden;
        this.maxPositions = maxPositions;
        this.bias = new float[vocab];
        this.mixBias = new float[vocab];
        this.w = new float[vocab][hidden];
        for (int v = 0; v < vocab; v++) {
            for (int h = 0; h < hidden; h++) {
                w[v][h] = 3f * unit(mix64(0xC0FFEEL + 131L * v + h));
            }
        }
    }

    @Override
    public int vocabSize() {
        return vocab;
    }

    @Override
    public int hiddenSize() {
        return hidden;
    }

    @Override
    public int maxPositions() {
        return maxPositions;
    }

    @Override
    public Output<Cache> forward(long[] tokenIds, long[] positionIds, int rows, int length, float[] mask,
            Cache past) {
        return run(tokenIds, positionIds, rows, length, mask, past, false);
    }

    @Override
    public Output<Cache> forwardAll(long[] tokenIds, long[] positionIds, int rows, int length, float[] mask,
            Cache past) {
        return run(tokenIds, positionIds, rows, length, mask, past, true);
    }

    @Override
    public Cache repeat(Cache cache, int rows) {
        check(!released.contains(cache.id()), "cache " + cache.id() + " used after release");
        check(cache.tokens().length == 1, "only a one-row cache can be repeated");
        long[][] toks = new long[rows][];
        long[][] poss = new long[rows][];
        for (int r = 0; r < rows; r++) {
            toks[r] = cache.tokens()[0].clone();
            poss[r] = cache.positions()[0].clone();
        }
        Cache copy = new Cache(nextId++, toks, poss);
        created.add(copy.id());
        return copy;
    }

    private Output<Cache> run(long[] tokenIds, long[] positionIds, int rows, int length, float[] mask, Cache past,
            boolean every) {
        int cached = past == null ? 0 : (int) past.length();
        int keys = cached + length;
        check(tokenIds.length == rows * length, "tokenIds length " + tokenIds.length);
        check(positionIds.length == rows * length, "positionIds length " + positionIds.length);
        check(mask.length == rows * length * keys, "mask length " + mask.length + " for " + rows + "x" + length
                + "x" + keys);
        if (past != null) {
            check(!released.contains(past.id()), "cache " + past.id() + " used after release");
            check(past.tokens().length == rows, "cache rows");
        }
        for (float m : mask) {
            check(m == 0f || m == ThinkThenTalk.MASKED, "mask value " + m);
        }
        long[][] toks = new long[rows][keys];
        long[][] poss = new long[rows][keys];
        int queries = every ? length : 1;
        float[] h = new float[rows * queries * hidden];
        float[] logits = new float[rows * queries * vocab];
        for (int r = 0; r < rows; r++) {
            if (past != null) {
                System.arraycopy(past.tokens()[r], 0, toks[r], 0, cached);
                System.arraycopy(past.positions()[r], 0, poss[r], 0, cached);
            }
            for (int i = 0; i < length; i++) {
                long t = tokenIds[r * length + i];
                long p = positionIds[r * length + i];
                check(t >= 0 && t < vocab, "token id " + t);
                check(p >= 0 && p < maxPositions, "position id " + p + " beyond the context of " + maxPositions);
                toks[r][cached + i] = t;
                poss[r][cached + i] = p;
            }
            for (int q = 0; q < queries; q++) {
                int query = every ? q : length - 1;
                int row = r * queries + q;
                long s = 0xcbf29ce484222325L;
                List<Long> visible = new ArrayList<>();
                for (int j = 0; j < keys; j++) {
                    if (mask[(r * length + query) * keys + j] == 0f) {
                        s = (s ^ (toks[r][j] * 1000 + poss[r][j] + 1)) * 0x100000001b3L;
                        visible.add(toks[r][j]);
                    }
                }
                for (int k = 0; k < hidden; k++) {
                    h[row * hidden + k] = unit(mix64(s + 0x9E3779B97F4A7C15L * (k + 1)));
                }
                project(h, row * hidden, logits, row * vocab, bias, null);
                shaper.shape(visible, logits, row * vocab);
            }
        }
        Cache cache = new Cache(nextId++, toks, poss);
        created.add(cache.id());
        Output<Cache> out = new Output<>(h, logits, cache, keys);
        calls.add(new Call(tokenIds.clone(), positionIds.clone(), rows, length, mask.clone(), past, out));
        return out;
    }

    @Override
    public Mixing mix(Output<Cache> base, Output<Cache> after, int rows) {
        float[] weights = new float[rows];
        float[] mixed = new float[rows * vocab];
        float[] hm = new float[hidden];
        for (int r = 0; r < rows; r++) {
            double z = 0;
            for (int k = 0; k < hidden; k++) {
                z += (k + 1) * base.hidden()[r * hidden + k] + (k + 2) * after.hidden()[r * hidden + k];
            }
            float wr = Float.isNaN(fixedWeight) ? (float) (0.5 + 0.4 * Math.sin(z)) : fixedWeight;
            weights[r] = wr;
            for (int k = 0; k < hidden; k++) {
                hm[k] = (1 - wr) * base.hidden()[r * hidden + k] + wr * after.hidden()[r * hidden + k];
            }
            project(hm, 0, mixed, r * vocab, bias, mixBias);
        }
        Mixing m = new Mixing(weights, mixed);
        mixes.add(new MixCall(base, after, rows, m));
        return m;
    }

    @Override
    public void release(Cache cache) {
        if (cache == null) {
            return;
        }
        check(!released.contains(cache.id()), "cache " + cache.id() + " released twice");
        released.add(cache.id());
    }

    /** The logits the fake gives for one hidden state (no shaper), for hand computations in tests. */
    float[] logitsOf(float[] h, int offset) {
        float[] out = new float[vocab];
        project(h, offset, out, 0, bias, null);
        return out;
    }

    private void project(float[] h, int hOffset, float[] out, int outOffset, float[] b1, float[] b2) {
        for (int v = 0; v < vocab; v++) {
            float z = 0;
            for (int k = 0; k < hidden; k++) {
                z += w[v][k] * h[hOffset + k];
            }
            out[outOffset + v] = z + b1[v] + (b2 == null ? 0f : b2[v]);
        }
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("RecordingDecoder refused its input: " + what);
        }
    }

    private static long mix64(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }

    /** A value in [-1, 1). */
    private static float unit(long z) {
        return (float) ((z >>> 11) * 0x1.0p-53 * 2 - 1);
    }
}
