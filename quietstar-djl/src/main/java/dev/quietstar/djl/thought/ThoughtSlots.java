package dev.quietstar.djl.thought;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.quietstar.djl.model.EngineArrays;
import java.util.Arrays;

/**
 * The positions at which each row thinks when a step thinks at a subset of them, padded to one width: slot j of
 * row r holds a position, or is padding when the row has fewer positions than the widest row. Padding slots are
 * computed like the others (at position 0, seeing none of their own thought chain) and excluded from every term of
 * the objective.
 */
public final class ThoughtSlots {

    private final int[][] positions;
    private final int width;

    private ThoughtSlots(int[][] positions, int width) {
        this.positions = positions;
        this.width = width;
    }

    /**
     * Pads per-row positions to the widest row.
     *
     * @param perRow ascending positions of each row
     * @return the slots
     */
    public static ThoughtSlots of(int[][] perRow) {
        int width = 0;
        for (int[] row : perRow) {
            width = Math.max(width, row.length);
        }
        int[][] padded = new int[perRow.length][];
        for (int r = 0; r < perRow.length; r++) {
            padded[r] = Arrays.copyOf(perRow[r], width);
            Arrays.fill(padded[r], perRow[r].length, width, -1);
        }
        return new ThoughtSlots(padded, width);
    }

    /**
     * The number of rows.
     *
     * @return rows
     */
    public int rows() {
        return positions.length;
    }

    /**
     * Slots per row (K): the most positions any row has.
     *
     * @return K
     */
    public int width() {
        return width;
    }

    /**
     * The positions, padding slots at -1.
     *
     * @return a copy, (R, K)
     */
    public int[][] table() {
        int[][] out = new int[positions.length][];
        for (int r = 0; r < positions.length; r++) {
            out[r] = positions[r].clone();
        }
        return out;
    }

    /**
     * The position of a slot.
     *
     * @param row the row
     * @param slot the slot
     * @return the position, or -1 for a padding slot
     */
    public int position(int row, int slot) {
        return positions[row][slot];
    }

    /**
     * Whether a slot holds a position.
     *
     * @param row the row
     * @param slot the slot
     * @return false for padding
     */
    public boolean real(int row, int slot) {
        return positions[row][slot] >= 0;
    }

    /**
     * Every slot's position offset by a shift and clamped to {@code 0..max}, padding at 0, as int64 (R, K) in
     * engine-owned memory: gather indices and position ids.
     *
     * @param m manager of the result
     * @param shift added to every real position
     * @param max largest index allowed
     * @return the indices
     */
    public NDArray indices(NDManager m, int shift, int max) {
        long[] data = new long[positions.length * width];
        for (int r = 0; r < positions.length; r++) {
            for (int j = 0; j < width; j++) {
                int p = positions[r][j];
                data[r * width + j] = p < 0 ? 0 : Math.min(max, p + shift);
            }
        }
        return EngineArrays.of(m, data, new Shape(positions.length, width));
    }

    /**
     * A float (R, K) mask: 1 where the slot is real and its position plus {@code shift} is a real token of the row
     * within {@code 0..limit}, else 0.
     *
     * @param m manager of the result
     * @param attention attention masks, one row per row
     * @param shift offset from the slot's position to the token tested
     * @param limit largest position allowed (positions beyond it give 0)
     * @return the mask
     */
    public NDArray mask(NDManager m, int[][] attention, int shift, int limit) {
        float[] data = new float[positions.length * width];
        for (int r = 0; r < positions.length; r++) {
            for (int j = 0; j < width; j++) {
                int p = positions[r][j];
                int at = p + shift;
                data[r * width + j] = p >= 0 && p <= limit && at < attention[r].length && attention[r][at] != 0
                        ? 1f : 0f;
            }
        }
        return EngineArrays.of(m, data, new Shape(positions.length, width));
    }
}
