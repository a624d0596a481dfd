package dev.quietstar.djl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.quietstar.core.checkpoint.SafetensorsReader;
import dev.quietstar.core.checkpoint.SafetensorsWriter;
import dev.quietstar.core.checkpoint.StoredTensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Safetensors files as DJL arrays: core's {@link SafetensorsReader} checks and reads the file (so a truncated,
 * corrupt or hostile file fails with the file's name and the tensor at fault before any array is created) and
 * core's {@link SafetensorsWriter} writes it; this class only turns the stored tensors into {@link NDArray}s and
 * back, keeping each tensor's dtype except half precision (BF16, F16), which is read as float32.
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
        Map<String, NDArray> out = new LinkedHashMap<>();
        // One stored tensor at a time: the file's bytes are never all on the heap beside the engine's arrays.
        // float32 tensors are read straight into the direct buffers the engine adopts as their memory.
        SafetensorsReader.forEachStored(file,
                (dtype, size) -> "F32".equals(dtype) && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN
                        ? manager.allocateDirect(size) : ByteBuffer.allocate(size),
                (name, t) -> out.put(name, toArray(manager, name, t, file.toString())));
        return out;
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
        Map<String, NDArray> all = new LinkedHashMap<>();
        for (Path f : SafetensorsReader.weightFiles(folder)) {
            all.putAll(read(manager, f));
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
        NDArray a;
        if ("BF16".equals(t.dtype()) || "F16".equals(t.dtype())) {
            // Half-precision weights are widened in Java: the PyTorch engine's native transfer of a bfloat16
            // buffer aborts the process, and the decoder computes in float32 whatever the storage dtype.
            // Widened straight into a direct buffer, which the engine adopts as the tensor's memory: no float[]
            // copy on the heap and no second copy made by the engine.
            ByteBuffer direct = manager.allocateDirect(Math.toIntExact(2 * t.byteSize()));
            SafetensorsReader.widen(source, name, t, direct.asFloatBuffer());
            a = manager.create(direct, new Shape(t.shape()), DataType.FLOAT32);
        } else {
            DataType type;
            try {
                type = DataType.fromSafetensors(t.dtype());
            } catch (IllegalArgumentException unknown) {
                throw new IllegalArgumentException("safetensors file " + source + ": tensor '" + name
                        + "' has dtype " + t.dtype() + ", which DJL cannot hold", unknown);
            }
            a = manager.create(t.data(), new Shape(t.shape()), type);
        }
        a.setName(name);
        return a;
    }
}
