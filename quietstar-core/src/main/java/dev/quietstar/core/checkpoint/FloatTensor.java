package dev.quietstar.core.checkpoint;

import java.util.Arrays;
import java.util.Objects;

/**
 * A dense float32 tensor on the Java heap, row-major.
 *
 * @param shape the dimensions
 * @param data the values, as many as the product of the dimensions
 */
public record FloatTensor(long[] shape, float[] data) {

    /** Checks that the data fills the shape. */
    public FloatTensor {
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(data, "data");
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n + " values, got "
                    + data.length);
        }
    }

    /**
     * Whether the tensor has the given shape.
     *
     * @param expected the dimensions
     * @return true when equal
     */
    public boolean hasShape(long... expected) {
        return Arrays.equals(shape, expected);
    }

    @Override
    public String toString() {
        return "FloatTensor" + Arrays.toString(shape);
    }
}
