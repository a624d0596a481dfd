package dev.quietstar.djl.thought;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.quietstar.api.ThoughtSampler;
import dev.quietstar.djl.model.EngineArrays;
import java.util.SplittableRandom;

/**
 * The thought samplers of the DJL backend: categorical (the default), greedy, and forced.
 *
 * <p>All receive logits whose meta-token entries are already at -1e10, so a meta-token is never drawn. No gradient
 * flows through a draw: the chosen ids are plain integers and the next pass gathers their embedding rows.
 */
public final class ThoughtSamplers {

    private ThoughtSamplers() {}

    /**
     * Draws from softmax(logits / temperature) with a seeded Java RNG (so runs repeat exactly on any engine).
     *
     * @param temperature sampling temperature, &gt; 0 (1 in training)
     * @param rng the random source; advanced by every draw
     * @return the sampler
     */
    public static ThoughtSampler<NDArray> categorical(double temperature, SplittableRandom rng) {
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("temperature must be > 0, was " + temperature);
        }
        return (logits, step) -> {
            NDManager m = logits.getManager();
            Shape s = logits.getShape();
            long v = s.get(s.dimension() - 1);
            long rows = s.size() / v;
            NDArray probs = logits.stopGradient().div((float) temperature).softmax(-1);
            float[] p = probs.toFloatArray();
            long[] ids = new long[Math.toIntExact(rows)];
            for (int r = 0; r < rows; r++) {
                double u = rng.nextDouble();
                double acc = 0;
                int base = Math.toIntExact(r * v);
                int chosen = -1;
                int lastPositive = 0;
                for (int k = 0; k < v; k++) {
                    float pk = p[base + k];
                    if (pk > 0) {
                        lastPositive = k;
                    }
                    acc += pk;
                    if (u < acc) {
                        chosen = k;
                        break;
                    }
                }
                ids[r] = chosen < 0 ? lastPositive : chosen; // rounding left u above the total: take the last token
            }
            return EngineArrays.of(m, ids, s.slice(0, s.dimension() - 1));
        };
    }

    /**
     * Picks the most likely token.
     *
     * @return the sampler
     */
    public static ThoughtSampler<NDArray> greedy() {
        return (logits, step) -> logits.stopGradient().argMax(-1).toType(DataType.INT64, false);
    }

    /**
     * Returns given thought ids, for tests and for checking numbers against other implementations.
     *
     * @param thoughtIds ids indexed [row][position][step]
     * @return the sampler
     */
    public static ThoughtSampler<NDArray> forced(int[][][] thoughtIds) {
        return (logits, step) -> {
            Shape s = logits.getShape();
            int rows = Math.toIntExact(s.get(0));
            int len = Math.toIntExact(s.get(1));
            if (thoughtIds.length != rows || thoughtIds[0].length != len) {
                throw new IllegalArgumentException("forced thought ids have shape [" + thoughtIds.length + "]["
                        + thoughtIds[0].length + "][..], the batch needs [" + rows + "][" + len + "][..]");
            }
            long[] ids = new long[rows * len];
            for (int r = 0; r < rows; r++) {
                for (int i = 0; i < len; i++) {
                    if (step >= thoughtIds[r][i].length) {
                        throw new IllegalArgumentException("forced thought ids hold " + thoughtIds[r][i].length
                                + " tokens per thought, step " + step + " was asked for");
                    }
                    ids[r * len + i] = thoughtIds[r][i][step];
                }
            }
            return EngineArrays.of(logits.getManager(), ids, new Shape(rows, len));
        };
    }

    /**
     * Returns one fixed token at every position and step: thoughts without content, for the constant-thought
     * ablation (the extra forward passes and the mixing still happen).
     *
     * @param tokenId the token every thought consists of
     * @return the sampler
     */
    public static ThoughtSampler<NDArray> constant(int tokenId) {
        return (logits, step) -> {
            Shape s = logits.getShape();
            return logits.getManager().full(new Shape(s.get(0), s.get(1)), (long) tokenId);
        };
    }
}
