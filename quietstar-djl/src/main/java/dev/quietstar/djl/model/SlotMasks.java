package dev.quietstar.djl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Additive masks of thought passes that run queries for a subset of each row's positions ("slots"): slot j of row r
 * stands for position {@code slots[r][j]}, or is padding when that is negative. They are the rows of the full
 * masks of {@link Masks} at the chosen positions, with the thought keys of a pass laid out one per slot instead of
 * one per position.
 */
public final class SlotMasks {

    private SlotMasks() {}

    /**
     * The real-token block: the slot at position p sees the real keys 0..p (a padding slot behaves as position 0).
     *
     * @param m manager of the result
     * @param attention (R, L) with 1 for real tokens
     * @param slots (R, K) positions, negative for padding
     * @return (R, 1, K, L)
     */
    public static NDArray real(NDManager m, int[][] attention, int[][] slots) {
        int rows = slots.length;
        int k = slots[0].length;
        int l = attention[0].length;
        float[] data = new float[rows * k * l];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < k; j++) {
                int p = Math.max(0, slots[r][j]);
                for (int key = 0; key < l; key++) {
                    data[(r * k + j) * l + key] = key <= p && attention[r][key] != 0 ? 0f : CausalDecoder.MASKED;
                }
            }
        }
        return EngineArrays.of(m, data, new Shape(rows, 1, k, l));
    }

    /**
     * Each slot's own thought keys, for the element-wise diagonal layout: 0 where the slot is real and its position's
     * token is real, {@link CausalDecoder#MASKED} otherwise (as {@link Masks#ownThoughtMask} at those positions).
     *
     * @param m manager of the result
     * @param attention (R, L) with 1 for real tokens
     * @param slots (R, K) positions, negative for padding
     * @return (R, 1, K, 1)
     */
    public static NDArray own(NDManager m, int[][] attention, int[][] slots) {
        int rows = slots.length;
        int k = slots[0].length;
        float[] data = new float[rows * k];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < k; j++) {
                data[r * k + j] = sees(attention, slots, r, j) ? 0f : CausalDecoder.MASKED;
            }
        }
        return EngineArrays.of(m, data, new Shape(rows, 1, k, 1));
    }

    /**
     * One thought pass's block of the dense layout: slot j sees its own key of the pass (where {@link #own} is 0)
     * and no other slot's.
     *
     * @param m manager of the result
     * @param attention (R, L) with 1 for real tokens
     * @param slots (R, K) positions, negative for padding
     * @return (R, 1, K, K)
     */
    public static NDArray diagonal(NDManager m, int[][] attention, int[][] slots) {
        int rows = slots.length;
        int k = slots[0].length;
        float[] data = new float[rows * k * k];
        java.util.Arrays.fill(data, CausalDecoder.MASKED);
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < k; j++) {
                if (sees(attention, slots, r, j)) {
                    data[(r * k + j) * k + j] = 0f;
                }
            }
        }
        return EngineArrays.of(m, data, new Shape(rows, 1, k, k));
    }

    private static boolean sees(int[][] attention, int[][] slots, int r, int j) {
        int p = slots[r][j];
        return p >= 0 && attention[r][p] != 0;
    }
}
