package dev.quietstar.djl.infer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.quietstar.api.ThoughtSampler;
import dev.quietstar.djl.model.CausalDecoder;
import dev.quietstar.djl.model.DecoderOutput;
import dev.quietstar.djl.model.KvCache;
import dev.quietstar.djl.thought.MlpMixingHead;
import dev.quietstar.djl.thought.QuietStarModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A reference implementation, on DJL arrays and written independently of core's loop, of one thought on top of the
 * key/value cache of the real tokens: tests check core's {@link dev.quietstar.core.infer.ThoughtBranch} and the
 * evaluator against it. The library itself has one thought-branch implementation, core's.
 *
 * <p>For rows whose real prefix has p tokens (the last at position p - 1), the branch feeds the start-of-thought
 * embedding at position p, then {@code thoughtLength} tokens each drawn from the logits of the previous branch
 * token (meta-tokens masked) at positions p + 1 .., then the end-of-thought embedding at position
 * p + thoughtLength + 1, each token attending to the real prefix and to the branch tokens before it. These are the
 * positions and the attention the parallel training forward gives the thought after position p - 1, so the result
 * equals its look-ahead step 0. With h_base the hidden state of the last real token and h_after the one after the
 * end token, the mixing head gives w = head([h_base; h_after]) and the mixed logits
 * {@code lm_head((1 - w) h_base + w h_after)}.
 *
 * <p>The real cache is never modified: {@link KvCache} is immutable and the branch's extended caches are simply
 * dropped. Every array the branch creates lives in the given scope or in the manager of the real cache's arrays;
 * the caller frees them by closing those managers. Thread safety: instances hold no mutable state; concurrent calls
 * are safe when they use different scopes and samplers.
 */
public final class ReferenceThoughtBranch {

    private final QuietStarModel model;
    private final int thoughtLength;

    /**
     * What one thought produced, one row per batch row.
     *
     * @param thoughtIds the sampled thought tokens, (rows, thoughtLength), int64
     * @param mixingWeight the mixing head's weight w, (rows)
     * @param mixedLogits logits of the next token from the mixed hidden state, meta-tokens not masked, (rows, V)
     * @param afterHidden final-norm hidden state after the end-of-thought token, (rows, H)
     */
    public record Result(NDArray thoughtIds, NDArray mixingWeight, NDArray mixedLogits, NDArray afterHidden) {}

    /**
     * Creates a branch runner.
     *
     * @param model the model
     * @param thoughtLength sampled tokens per thought, at least 1
     */
    public ReferenceThoughtBranch(QuietStarModel model, int thoughtLength) {
        this.model = Objects.requireNonNull(model, "model");
        if (thoughtLength < 0) {
            throw new IllegalArgumentException("thoughtLength must be >= 0, was " + thoughtLength);
        }
        this.thoughtLength = thoughtLength;
    }

    /**
     * The number of positions a thought occupies after the real prefix: start, thought tokens, end.
     *
     * @return thoughtLength + 2
     */
    public int positionsUsed() {
        return thoughtLength + 2;
    }

    /**
     * Thinks once per row on top of the real cache.
     *
     * @param scope manager of the arrays this call creates
     * @param realCache cache of the real tokens, (rows, heads, K, headDim) per layer
     * @param baseHidden final-norm hidden state of each row's last real token, (rows, 1, H)
     * @param nextPositions each row's number of real tokens p, so the start token sits at position p
     * @param realKeyMask additive mask over the K cached keys, (rows, 1, 1, K): 0 for real tokens, masked for
     *     padding
     * @param sampler picks the thought tokens from logits of shape (rows, 1, V) with meta-tokens masked; called
     *     with steps 0..thoughtLength-1
     * @return the thought, its mixing weight and the mixed logits
     */
    public Result think(NDManager scope, KvCache realCache, NDArray baseHidden, long[] nextPositions,
            NDArray realKeyMask, ThoughtSampler<NDArray> sampler) {
        CausalDecoder decoder = model.decoder();
        int rows = nextPositions.length;
        int h = decoder.config().hiddenSize();
        if (!baseHidden.getShape().equals(new Shape(rows, 1, h))) {
            throw new IllegalArgumentException("base hidden state must have shape " + new Shape(rows, 1, h)
                    + ", was " + baseHidden.getShape());
        }
        long cached = realCache.length();
        if (!realKeyMask.getShape().equals(new Shape(rows, 1, 1, cached))) {
            throw new IllegalArgumentException("real key mask must have shape " + new Shape(rows, 1, 1, cached)
                    + ", was " + realKeyMask.getShape());
        }
        Shape one = new Shape(rows, 1, h);
        NDArray metaMask = model.metaTokenLogitMask(scope);
        KvCache cache = realCache;
        NDArray embedding = model.metaTokens().startEmbedding(scope).reshape(1, 1, h).broadcast(one);
        List<NDArray> ids = new ArrayList<>();
        NDArray hidden = null;
        for (int k = 0; k < thoughtLength + 2; k++) {
            if (k > 0 && k <= thoughtLength) {
                NDArray logits = decoder.logits(hidden).add(metaMask);
                NDArray chosen = sampler.sample(logits, k - 1).toType(DataType.INT64, false).reshape(rows, 1);
                chosen.attach(scope);
                ids.add(chosen);
                embedding = decoder.embed(chosen);
            } else if (k == thoughtLength + 1) {
                embedding = model.metaTokens().endEmbedding(scope).reshape(1, 1, h).broadcast(one);
            }
            DecoderOutput out = decoder.forward(embedding, positions(scope, nextPositions, k),
                    branchMask(scope, realKeyMask, k + 1), cache);
            cache = out.cache();
            hidden = out.hidden();
        }
        MlpMixingHead head = model.mixingHead();
        NDArray w = head.weight(baseHidden, hidden);
        NDArray mixed = head.mix(baseHidden, hidden, w);
        NDArray logits = decoder.logits(mixed).reshape(rows, decoder.config().vocabSize());
        NDArray thoughtIds = ids.isEmpty() ? scope.zeros(new Shape(rows, 0), DataType.INT64)
                : NDArrays.concat(new NDList(ids), 1);
        return new Result(thoughtIds, w.reshape(rows), logits, hidden.reshape(rows, h));
    }

    /** Position ids of branch token k: each row's p + k. */
    private static NDArray positions(NDManager scope, long[] nextPositions, int k) {
        long[] p = new long[nextPositions.length];
        for (int r = 0; r < p.length; r++) {
            p[r] = nextPositions[r] + k;
        }
        return scope.create(p, new Shape(p.length, 1));
    }

    /** The real key mask followed by {@code branchKeys} visible branch keys: (rows, 1, 1, K + branchKeys). */
    private static NDArray branchMask(NDManager scope, NDArray realKeyMask, int branchKeys) {
        long rows = realKeyMask.getShape().get(0);
        NDArray visible = scope.zeros(new Shape(rows, 1, 1, branchKeys));
        return NDArrays.concat(new NDList(realKeyMask, visible), 3);
    }
}
