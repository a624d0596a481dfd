package dev.quietstar.core.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * A tensor exactly as a safetensors file stores it: the dtype code, the shape and the little-endian bytes. A backend
 * turns it into its own tensor type without parsing anything; {@link SafetensorsReader} reads it and
 * {@link SafetensorsWriter} writes it.
 *
 * @param dtype the safetensors dtype code ({@code F32}, {@code BF16}, ...; see {@link SafetensorsHeader#dtypeBytes})
 * @param shape the dimensions
 * @param data the bytes, little-endian, exactly as many as the shape times the dtype's width; positioned at 0
 */
public record StoredTensor(String dtype, long[] shape, ByteBuffer data) {

    /** Checks that the dtype is one the library reads and that the bytes fill the shape. */
    public StoredTensor {
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(data, "data");
        long width = SafetensorsHeader.dtypeBytes(dtype);
        if (width < 0) {
            throw new IllegalArgumentException("dtype '" + dtype + "' is not supported");
        }
        long bytes = width;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            bytes = Math.multiplyExact(bytes, d);
        }
        if (bytes != data.remaining()) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " of dtype " + dtype + " needs "
                    + bytes + " bytes, got " + data.remaining());
        }
        data = data.slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * The float32 tensor's bytes as stored.
     *
     * @param tensor the values
     * @return the tensor with dtype {@code F32}
     */
    public static StoredTensor of(FloatTensor tensor) {
        ByteBuffer b = ByteBuffer.allocate(4 * tensor.data().length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(tensor.data());
        return new StoredTensor("F32", tensor.shape(), b);
    }

    /**
     * Number of bytes of the data.
     *
     * @return the size
     */
    public long byteSize() {
        return data.remaining();
    }

    @Override
    public String toString() {
        return "StoredTensor[" + dtype + " " + Arrays.toString(shape) + "]";
    }
}
