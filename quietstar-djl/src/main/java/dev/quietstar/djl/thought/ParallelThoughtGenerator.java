package dev.quietstar.djl.thought;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.quietstar.api.ThoughtGenerator;
import dev.quietstar.api.ThoughtRollout;
import dev.quietstar.api.ThoughtSampler;
import dev.quietstar.djl.model.CausalDecoder;
import dev.quietstar.djl.model.DecoderOutput;
import dev.quietstar.djl.model.KvCache;
import dev.quietstar.djl.model.Masks;
import dev.quietstar.djl.model.ThoughtCache;
import dev.quietstar.djl.model.ThoughtPassOutput;
import java.util.ArrayList;
import java.util.List;

/**
 * Generates a thought after every position of every row at once (docs/algorithm.md section 2; the paper's section 4.2,
 * "parallel sampling").
 *
 * <p>Pass 0 is the ordinary causal pass over the rows. Pass k feeds, at every position i, the k-th token of that
 * position's thought at position id i + k: pass 1 the start-of-thought embedding, passes 2..n+1 the sampled
 * thought tokens (n = thoughtLength; token j is drawn from the logits of pass j), pass n+2 the end-of-thought
 * embedding, then the true tokens x_{i+1}..x_{i+T-1} (teacher forcing). Each pass appends L keys to a growing,
 * differentiable key/value cache; the token of pass k at position i attends to the real prefix x_0..x_i (causal,
 * padding hidden) and to its own earlier thought tokens only: the mask is the real causal block followed by one
 * diagonal block per pass. As in the official code (diagonal {@code eye * attention_mask}), a position whose own
 * token is padding sees nothing of its thought chain, only the real prefix. The hidden state after the end token and after each teacher-forced token predicts
 * x_{i+1+s} for look-ahead step s.
 *
 * <p>Only the passes whose tokens are sampled compute full-vocabulary logits. Thread safety: one call at a time
 * per sampler; the model's weights are only read.
 */
public final class ParallelThoughtGenerator implements ThoughtGenerator<NDArray> {

    /** How thought tokens attend to their own position's earlier thought tokens. */
    public enum AttentionLayout {
        /**
         * One dense additive mask over all keys: the real block followed by one diagonal block per pass. The
         * reference semantics; memory and time grow as O(L^2 * k) at pass k.
         */
        DENSE,
        /**
         * Dense attention over the real keys only, plus per-position dot products with the same position's thought
         * keys: O(L^2 + L * k) at pass k, same numbers as {@link #DENSE}. The default.
         */
        DIAGONAL
    }

    private final QuietStarModel model;
    private final int thoughtLength;
    private final int lookahead;
    private final AttentionLayout layout;

    /**
     * Creates the generator with element-wise diagonal attention.
     *
     * @param model the model
     * @param thoughtLength sampled tokens per thought (n)
     * @param lookahead true tokens scored after each thought (T)
     */
    public ParallelThoughtGenerator(QuietStarModel model, int thoughtLength, int lookahead) {
        this(model, thoughtLength, lookahead, AttentionLayout.DIAGONAL);
    }

    /**
     * Creates the generator.
     *
     * @param model the model
     * @param thoughtLength sampled tokens per thought (n); 0 feeds only the start and end tokens
     * @param lookahead true tokens scored after each thought (T)
     * @param layout how thought attention is computed
     */
    public ParallelThoughtGenerator(QuietStarModel model, int thoughtLength, int lookahead, AttentionLayout layout) {
        if (thoughtLength < 0 || lookahead < 1) {
            throw new IllegalArgumentException("thoughtLength must be >= 0 and lookahead >= 1, were "
                    + thoughtLength + " and " + lookahead);
        }
        this.model = model;
        this.thoughtLength = thoughtLength;
        this.lookahead = lookahead;
        this.layout = java.util.Objects.requireNonNull(layout, "layout");
    }

    /**
     * The number of decoder passes after the base pass: start, n thought tokens, end, and T - 1 teacher-forced
     * tokens.
     *
     * @return n + T + 1
     */
    public int thoughtPasses() {
        return thoughtLength + lookahead + 1;
    }

    /** {@inheritDoc} */
    @Override
    public ThoughtRollout<NDArray> generate(NDArray inputIds, NDArray attentionMask, ThoughtSampler<NDArray> sampler) {
        NDManager caller = inputIds.getManager();
        // A manager of its own (a child of the caller's, so whatever stays in it closes with the caller's), in which
        // each decoder pass's intermediates are freed as soon as the pass is done (see ArraySweep).
        NDManager m = caller.newSubManager();
        CausalDecoder decoder = model.decoder();
        long rows = inputIds.getShape().get(0);
        long len = inputIds.getShape().get(1);
        int maxPos = decoder.config().maxPositions();
        if (len + thoughtPasses() > maxPos) {
            throw new IllegalArgumentException("sequence length " + len + " + thoughtLength " + thoughtLength
                    + " + lookahead " + lookahead + " + 1 needs " + (len + thoughtPasses())
                    + " positions, the model has " + maxPos);
        }
        NDArray ids = inputIds.toType(DataType.INT64, true);
        ids.attach(m);
        int[][] attention = toIntMatrix(attentionMask);
        NDArray realMask = Masks.causalWithPadding(m, attention);
        NDArray positions = m.arange(0, len).toType(DataType.INT64, false).reshape(1, len).repeat(0, rows);
        ArraySweep basePass = ArraySweep.from(m);
        DecoderOutput base = decoder.forward(model.inputEmbeddings(ids), positions, realMask, null);
        basePass.closeAllBut(outputs(base.hidden(), base.cache()));
        KvCache cache = base.cache();
        ThoughtCache thoughtCache = new ThoughtCache(base.cache(), List.of());
        NDArray diagonal = layout == AttentionLayout.DENSE ? Masks.thoughtDiagonal(m, attention) : null;
        NDArray ownMask = layout == AttentionLayout.DIAGONAL ? Masks.ownThoughtMask(m, attention) : null;
        NDArray metaMask = model.metaTokenLogitMask(m);
        NDArray hidden = base.hidden();
        List<NDArray> sampledIds = new ArrayList<>();
        List<NDArray> sampledLogits = new ArrayList<>();
        List<NDArray> talk = new ArrayList<>();
        NDArray start = model.metaTokens().startEmbedding(m);
        NDArray end = model.metaTokens().endEmbedding(m);
        Shape embShape = new Shape(rows, len, decoder.config().hiddenSize());
        for (int k = 1; k <= thoughtPasses(); k++) {
            NDArray emb;
            if (k == 1) {
                emb = start.reshape(1, 1, -1).repeat(0, rows).repeat(1, len);
            } else if (k <= thoughtLength + 1) {
                NDArray logits = decoder.logits(hidden).add(metaMask);
                NDArray chosen = sampler.sample(logits, k - 2).toType(DataType.INT64, false);
                sampledLogits.add(logits);
                sampledIds.add(chosen);
                emb = decoder.embed(chosen);
            } else if (k == thoughtLength + 2) {
                emb = end.reshape(1, 1, -1).repeat(0, rows).repeat(1, len);
            } else {
                int s = k - (thoughtLength + 2); // feed x_{i+s}
                emb = model.inputEmbeddings(shiftLeft(ids, s));
            }
            ArraySweep pass = ArraySweep.from(m);
            if (layout == AttentionLayout.DENSE) {
                DecoderOutput out = decoder.forward(emb, passPositions(positions, k),
                        passMask(realMask, diagonal, k), cache);
                pass.closeAllBut(outputs(out.hidden(), out.cache()));
                if (k > 1) {
                    // the previous pass's concatenated keys and values are not read again (autograd keeps
                    // what it needs); the base pass's stay with its output
                    cache.keys().forEach(NDArray::close);
                    cache.values().forEach(NDArray::close);
                }
                cache = out.cache();
                hidden = out.hidden();
            } else {
                ThoughtPassOutput out = decoder.forwardThoughtPass(emb, passPositions(positions, k), realMask,
                        ownMask, thoughtCache);
                pass.closeAllBut(outputs(out.hidden(), out.cache().passes().get(out.cache().passes().size() - 1)));
                thoughtCache = out.cache();
                hidden = out.hidden();
            }
            if (k >= thoughtLength + 2) {
                talk.add(hidden);
            }
        }
        return RolloutStacks.finish(m, caller, base.hidden(), sampledIds, sampledLogits, talk, rows, len,
                thoughtLength, decoder.config().vocabSize());
    }

    /** A pass's outputs: its hidden states and the keys and values it cached. */
    private static List<NDArray> outputs(NDArray hidden, KvCache cache) {
        List<NDArray> keep = new ArrayList<>(cache.keys());
        keep.addAll(cache.values());
        keep.add(hidden);
        return keep;
    }

    /**
     * The additive mask of thought pass k: the real causal/padding block, then k diagonal blocks (a thought token
     * sees its own position's earlier thought tokens only, and a padded position none of them).
     *
     * @param realMask (R, 1, L, L) mask of the base pass
     * @param diagonal (R, 1, L, L) block from {@link Masks#thoughtDiagonal}
     * @param k pass index, 1-based
     * @return (R, 1, L, (k + 1) L)
     */
    static NDArray passMask(NDArray realMask, NDArray diagonal, int k) {
        Shape s = realMask.getShape();
        NDArray one = diagonal.broadcast(new Shape(s.get(0), 1, s.get(2), s.get(3)));
        NDList blocks = new NDList(k + 1);
        blocks.add(realMask);
        for (int i = 0; i < k; i++) {
            blocks.add(one);
        }
        return NDArrays.concat(blocks, 3);
    }

    /**
     * Position ids of thought pass k: the token of pass k at position i sits at i + k.
     *
     * @param positions (R, L) base positions
     * @param k pass index
     * @return (R, L)
     */
    static NDArray passPositions(NDArray positions, int k) {
        return positions.add(k);
    }

    /** ids shifted left by s: position i holds x_{i+s}; the last s positions repeat the final token (never scored). */
    static NDArray shiftLeft(NDArray ids, int s) {
        long len = ids.getShape().get(1);
        if (s == 0) {
            return ids;
        }
        NDArray head = ids.get(":, " + s + ":");
        NDArray tail = ids.get(":, -1:").repeat(1, s);
        return NDArrays.concat(new NDList(head, tail), 1).reshape(ids.getShape().get(0), len);
    }

    /**
     * Copies a (rows, cols) integer array to Java.
     *
     * @param a the array
     * @return its values
     */
    public static int[][] toIntMatrix(NDArray a) {
        int rows = Math.toIntExact(a.getShape().get(0));
        int cols = Math.toIntExact(a.getShape().get(1));
        int[] flat = a.toType(DataType.INT32, false).toIntArray();
        int[][] out = new int[rows][cols];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(flat, r * cols, out[r], 0, cols);
        }
        return out;
    }
}
