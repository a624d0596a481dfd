package dev.quietstar.djl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Additive attention masks: 0 where a query may attend to a key, {@link CausalDecoder#MASKED} where not.
 */
public final class Masks {

    private Masks() {}

    /**
     * A causal mask for {@code length} new tokens after {@code cached} cached ones: new token j sees every cached
     * key and new keys 0..j.
     *
     * @param m manager of the result
     * @param batch rows
     * @param length new tokens
     * @param cached cached tokens
     * @return (batch, 1, length, cached + length)
     */
    public static NDArray causal(NDManager m, long batch, long length, long cached) {
        int l = Math.toIntExact(length);
        int k = Math.toIntExact(cached + length);
        float[] data = new float[l * k];
        for (int i = 0; i < l; i++) {
            for (int j = 0; j < k; j++) {
                data[i * k + j] = j <= cached + i ? 0f : CausalDecoder.MASKED;
            }
        }
        return m.create(data, new Shape(1, 1, l, k)).repeat(0, batch);
    }

    /**
     * A causal mask that also hides padded keys.
     *
     * @param m manager of the result
     * @param attention (batch, length) with 1 for real tokens and 0 for padding
     * @return (batch, 1, length, length)
     */
    public static NDArray causalWithPadding(NDManager m, int[][] attention) {
        int b = attention.length;
        int l = attention[0].length;
        float[] data = new float[b * l * l];
        for (int r = 0; r < b; r++) {
            for (int i = 0; i < l; i++) {
                for (int j = 0; j < l; j++) {
                    boolean visible = j <= i && attention[r][j] != 0;
                    data[(r * l + i) * l + j] = visible ? 0f : CausalDecoder.MASKED;
                }
            }
        }
        return EngineArrays.of(m, data, new Shape(b, 1, l, l));
    }

    /**
     * The thought-pass diagonal block of docs/algorithm.md section 2 as the official code builds it,
     * {@code eye * attention_mask}: the thought token at position i sees its own position's key of a thought pass
     * only when the token at i is real; a padded position sees none of its own thought chain.
     *
     * @param m manager of the result
     * @param attention (batch, length) with 1 for real tokens and 0 for padding
     * @return (batch, 1, length, length): 0 at (i, i) for real i, {@link CausalDecoder#MASKED} elsewhere
     */
    public static NDArray thoughtDiagonal(NDManager m, int[][] attention) {
        int b = attention.length;
        int l = attention[0].length;
        float[] data = new float[b * l * l];
        java.util.Arrays.fill(data, CausalDecoder.MASKED);
        for (int r = 0; r < b; r++) {
            for (int i = 0; i < l; i++) {
                if (attention[r][i] != 0) {
                    data[(r * l + i) * l + i] = 0f;
                }
            }
        }
        return EngineArrays.of(m, data, new Shape(b, 1, l, l));
    }

    /**
     * The diagonal of {@link #thoughtDiagonal} alone, for attention that computes the diagonal element-wise
     * ({@link CausalDecoder#forwardThoughtPass}): 0 where position i's token is real, {@link CausalDecoder#MASKED}
     * where it is padding.
     *
     * @param m manager of the result
     * @param attention (batch, length) with 1 for real tokens and 0 for padding
     * @return (batch, 1, length, 1)
     */
    public static NDArray ownThoughtMask(NDManager m, int[][] attention) {
        int b = attention.length;
        int l = attention[0].length;
        float[] data = new float[b * l];
        for (int r = 0; r < b; r++) {
            for (int i = 0; i < l; i++) {
                data[r * l + i] = attention[r][i] != 0 ? 0f : CausalDecoder.MASKED;
            }
        }
        return EngineArrays.of(m, data, new Shape(b, 1, l, 1));
    }
}
