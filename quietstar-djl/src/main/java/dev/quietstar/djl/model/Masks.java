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
        return m.create(data, new Shape(b, 1, l, l));
    }
}
