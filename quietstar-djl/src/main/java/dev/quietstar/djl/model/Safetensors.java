package dev.quietstar.djl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.quietstar.core.checkpoint.SafetensorsReader;
import dev.quietstar.core.checkpoint.SafetensorsWriter;
import dev.quietstar.core.checkpoint.StoredTensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * Safetensors files as DJL arrays: core's {@link SafetensorsReader} checks and reads the file (so a truncated,
 * corrupt or hostile file fails with the file's name and the tensor at fault before any array is created) and
 * core's {@link SafetensorsWriter} writes it; this class only turns the stored tensors into {@link NDArray}s and
 * back, keeping each tensor's dtype except half precision (BF16, F16), which is read as float32: the decoder computes
 * in float32 whatever the storage dtype, and the PyTorch engine's native transfer of a bfloat16 buffer aborts the
 * process.
 */
public final class Safetensors {

    static {
        // Offline mode and DJL's cache folder are set before this class can touch DJL (see DjlEngines#configure).
        dev.quietstar.djl.DjlEngines.configure();
    }

    private Safetensors() {}

    /**
     * Reads every tensor of one file.
     *
     * @param manager owner of the arrays
     * @param file the file
     * @return tensors by name, in the order of their bytes in the file
     * @throws IllegalArgumentException naming the file and the problem (truncated, bad header, missing tensor bytes)
     */
    public static Map<String, NDArray> read(NDManager manager, Path file) {
        return read(manager, file, name -> 0);
    }

    /**
     * Reads every tensor of one file, giving some matrices rows beyond the stored ones.
     *
     * @param manager owner of the arrays
     * @param file the file
     * @param extraRows rows to add to each tensor, by name (0 for none); a tensor given more must be a floating-point
     *     matrix, and its new rows are each the mean of its stored rows
     * @return tensors by name, in the order of their bytes in the file
     * @throws IllegalArgumentException naming the file and the problem
     */
    public static Map<String, NDArray> read(NDManager manager, Path file, ToIntFunction<String> extraRows) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        Map<String, ByteBuffer> grown = new HashMap<>();
        boolean adoptable = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
        // One stored tensor at a time, read (and, for half precision, widened through a small buffer) straight into
        // the direct buffer the engine adopts as its memory: no copy of the weights on the heap, none in the engine.
        // A matrix that will grow gets its extra rows in the same buffer, so growing it later copies nothing.
        SafetensorsReader.forEachFloat32(file, (name, dtype, shape, size) -> {
            int extra = extraRows.applyAsInt(name);
            if (extra == 0) {
                return "F32".equals(dtype) && adoptable ? manager.allocateDirect(size) : ByteBuffer.allocate(size);
            }
            if (!"F32".equals(dtype) || shape.length != 2 || shape[0] == 0) {
                throw new IllegalArgumentException("safetensors file " + file + ": tensor '" + name + "' with shape "
                        + java.util.Arrays.toString(shape) + " and dtype " + dtype
                        + " cannot be given more rows; only a non-empty floating-point matrix can");
            }
            int full = Math.addExact(size, Math.multiplyExact(extra, size / Math.toIntExact(shape[0])));
            ByteBuffer buffer = adoptable ? manager.allocateDirect(full) : ByteBuffer.allocate(full);
            grown.put(name, buffer);
            return buffer;
        }, (name, t) -> {
            ByteBuffer full = grown.get(name);
            out.put(name, full == null ? toArray(manager, name, t, file.toString())
                    : withMeanRows(manager, name, full, t.shape(), extraRows.applyAsInt(name)));
        });
        return out;
    }

    /** The matrix in {@code full} (stored rows, then room for {@code extra} more), its new rows set to the mean. */
    private static NDArray withMeanRows(NDManager manager, String name, ByteBuffer full, long[] shape, int extra) {
        long rows = shape[0];
        full.rewind();
        NDArray a = manager.create(full, new Shape(rows + extra, shape[1]), DataType.FLOAT32);
        try (NDManager scratch = manager.newSubManager()) {
            NDArray stored = a.get(new NDIndex("0:{}", rows));
            stored.attach(scratch);
            NDArray mean = stored.mean(new int[] {0}, true).repeat(0, extra);
            mean.attach(scratch);
            a.set(new NDIndex("{}:", rows), mean);
        }
        a.setName(name);
        return a;
    }

    /**
     * Reads a model's weights from a folder (the files {@link SafetensorsReader#weightFiles} names).
     *
     * @param manager owner of the arrays
     * @param folder the folder
     * @return tensors by name
     * @throws IllegalArgumentException naming the folder or file and the problem
     */
    public static Map<String, NDArray> readFolder(NDManager manager, Path folder) {
        return readFolder(manager, folder, name -> 0);
    }

    /**
     * Like {@link #readFolder(NDManager, Path)}, giving some matrices rows beyond the stored ones (see
     * {@link #read(NDManager, Path, ToIntFunction)}).
     *
     * @param manager owner of the arrays
     * @param folder the folder
     * @param extraRows rows to add to each tensor, by name (0 for none)
     * @return tensors by name
     * @throws IllegalArgumentException naming the folder or file and the problem
     */
    public static Map<String, NDArray> readFolder(NDManager manager, Path folder, ToIntFunction<String> extraRows) {
        Map<String, NDArray> all = new LinkedHashMap<>();
        for (Path f : SafetensorsReader.weightFiles(folder)) {
            all.putAll(read(manager, f, extraRows));
        }
        return all;
    }

    /**
     * Writes tensors to one file, each in its own dtype (the arrays' names are set to the map's keys).
     *
     * @param file the destination
     * @param tensors tensors by name
     * @throws IOException when writing fails
     */
    public static void write(Path file, Map<String, NDArray> tensors) throws IOException {
        Map<String, StoredTensor> stored = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            NDArray a = e.getValue();
            a.setName(e.getKey());
            stored.put(e.getKey(), new StoredTensor(a.getDataType().asSafetensors(), a.getShape().getShape(),
                    a.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN)));
        }
        SafetensorsWriter.write(file, stored);
    }

    private static NDArray toArray(NDManager manager, String name, StoredTensor t, String source) {
        DataType type;
        try {
            type = DataType.fromSafetensors(t.dtype());
        } catch (IllegalArgumentException unknown) {
            throw new IllegalArgumentException("safetensors file " + source + ": tensor '" + name
                    + "' has dtype " + t.dtype() + ", which DJL cannot hold", unknown);
        }
        NDArray a = manager.create(t.data(), new Shape(t.shape()), type);
        a.setName(name);
        return a;
    }
}
