package dev.quietstar.core.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quietstar.core.io.BoundedFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.BiConsumer;

/**
 * Reads {@code .safetensors} files without any engine: an 8-byte little-endian header length, a JSON header naming
 * each tensor's dtype, shape and byte range, then the little-endian data. The header is checked against the file by
 * {@link SafetensorsHeader} before any tensor is read, so a truncated, corrupt or hostile file fails with the file's
 * name and the tensor at fault; a shard index may only name files inside its own folder.
 *
 * <p>Two views of the same bytes: {@link #readStored} gives every tensor as stored (any dtype the header accepts),
 * for a backend that builds its own tensors from them; {@link #read} converts F32, BF16 and F16 to float32 arrays on
 * the Java heap.
 */
public final class SafetensorsReader {

    private static final ObjectMapper JSON = new ObjectMapper();

    private SafetensorsReader() {}

    /**
     * Reads every tensor of one file as float32.
     *
     * @param file the file
     * @return tensors by name, in the order of their bytes in the file
     * @throws IllegalArgumentException naming the file, the tensor and the problem (truncated file, corrupt header,
     *     a dtype other than F32, BF16 and F16, a byte range that does not match the shape)
     */
    public static Map<String, FloatTensor> read(Path file) {
        return toFloats(file.toString(), readStored(file));
    }

    /**
     * Reads a model's weights from a folder as float32 (see {@link #weightFiles} for which files).
     *
     * @param folder the folder
     * @return tensors by name
     * @throws IllegalArgumentException when the folder holds no weights or a file is malformed
     */
    public static Map<String, FloatTensor> readFolder(Path folder) {
        Map<String, FloatTensor> all = new LinkedHashMap<>();
        for (Path f : weightFiles(folder)) {
            all.putAll(read(f));
        }
        return all;
    }

    /**
     * Reads every tensor of one file as stored, after checking the whole header.
     *
     * @param file the file
     * @return tensors by name, in the order of their bytes in the file
     * @throws IllegalArgumentException naming the file, the problem and, where one is at fault, the tensor
     */
    public static Map<String, StoredTensor> readStored(Path file) {
        Map<String, StoredTensor> out = new LinkedHashMap<>();
        forEachStored(file, out::put);
        return out;
    }

    /**
     * Reads the tensors of one file as stored, one at a time, after checking the whole header: each tensor's bytes
     * are handed to the consumer and not kept, so a caller that turns each into its own tensor holds at most one
     * stored tensor at a time instead of the whole file.
     *
     * @param file the file
     * @param consumer receives each tensor's name and bytes, in the order of their bytes in the file
     * @throws IllegalArgumentException naming the file, the problem and, where one is at fault, the tensor
     */
    public static void forEachStored(Path file, BiConsumer<String, StoredTensor> consumer) {
        forEachStored(file, (name, dtype, shape, size) -> ByteBuffer.allocate(size), consumer);
    }

    /** Chooses the buffer a tensor's bytes are read into. */
    @FunctionalInterface
    public interface BufferAllocator {

        /**
         * A buffer for one tensor.
         *
         * @param name the tensor's name
         * @param dtype the dtype of the bytes the buffer will hold: as stored, or F32 for a half-precision tensor
         *     that {@link #forEachFloat32} widens
         * @param shape the tensor's shape
         * @param size the bytes the buffer will hold
         * @return a buffer (heap or direct) with at least {@code size} bytes remaining; exactly {@code size} bytes
         *     are written from its position on, and the rest is left alone (room a caller keeps for its own use)
         */
        ByteBuffer allocate(String name, String dtype, long[] shape, int size);
    }

    /**
     * Like {@link #forEachStored(Path, BiConsumer)}, reading each tensor into a buffer the caller chooses: an engine
     * that adopts direct buffers as tensor memory reads float32 tensors straight into them, with no copy on the
     * heap.
     *
     * @param file the file
     * @param allocator the buffer of each tensor, by name, dtype, shape and size
     * @param consumer receives each tensor's name and bytes (a view of exactly its bytes in the allocated buffer),
     *     in the order of their bytes in the file
     * @throws IllegalArgumentException naming the file, the problem and, where one is at fault, the tensor
     */
    public static void forEachStored(Path file, BufferAllocator allocator, BiConsumer<String, StoredTensor> consumer) {
        each(file, allocator, false, consumer);
    }

    /**
     * Like {@link #forEachStored(Path, BufferAllocator, BiConsumer)}, with half-precision tensors (BF16, F16)
     * widened to float32 on the way (exactly: every half value is a float32 value) and handed over as F32. The
     * half-precision bytes pass through one small reusable buffer, so a model stored in bfloat16 is never on the heap
     * beside its float32 form: the only tensor-sized memory is the allocator's. Other dtypes are read as stored.
     *
     * @param file the file
     * @param allocator the buffer of each tensor; asked for F32 and four bytes per value for half precision
     * @param consumer receives each tensor's name and bytes, in the order of their bytes in the file
     * @throws IllegalArgumentException naming the file, the problem and, where one is at fault, the tensor
     */
    public static void forEachFloat32(Path file, BufferAllocator allocator, BiConsumer<String, StoredTensor> consumer) {
        each(file, allocator, true, consumer);
    }

    /** Bytes of half-precision data widened per read. */
    private static final int WIDEN_CHUNK = 1 << 20;

    private static void each(Path file, BufferAllocator allocator, boolean widenHalf,
            BiConsumer<String, StoredTensor> consumer) {
        BoundedFiles.requireRegularFile(file, "safetensors file", "a model's weights are a regular .safetensors file");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            SafetensorsHeader header = SafetensorsHeader.read(ch, file.toString());
            long dataStart = ch.size() - header.dataBytes();
            ByteBuffer chunk = null;
            for (SafetensorsHeader.Entry e : header.tensors()) {
                int stored = Math.toIntExact(e.end() - e.begin());
                boolean half = widenHalf && ("BF16".equals(e.dtype()) || "F16".equals(e.dtype()));
                String dtype = half ? "F32" : e.dtype();
                int size = half ? Math.multiplyExact(stored, 2) : stored;
                ByteBuffer target = allocator.allocate(e.name(), dtype, e.shape().clone(), size);
                if (target.remaining() < size) {
                    throw new IllegalStateException("the buffer for tensor '" + e.name() + "' has "
                            + target.remaining() + " bytes remaining, " + size + " are needed");
                }
                ByteBuffer bytes = target.slice().order(ByteOrder.LITTLE_ENDIAN);
                bytes.limit(size);
                if (half) {
                    if (chunk == null) {
                        chunk = ByteBuffer.allocate(WIDEN_CHUNK).order(ByteOrder.LITTLE_ENDIAN);
                    }
                    widenFrom(ch, dataStart + e.begin(), stored, "BF16".equals(e.dtype()), chunk, bytes);
                } else {
                    BoundedFiles.readFully(ch, bytes, dataStart + e.begin());
                }
                bytes.flip();
                consumer.accept(e.name(), new StoredTensor(dtype, e.shape(), bytes));
            }
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("safetensors file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read safetensors file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads {@code stored} bytes of BF16 or F16 values at {@code position} and puts them into out as float32. */
    private static void widenFrom(FileChannel ch, long position, int stored, boolean bf16, ByteBuffer chunk,
            ByteBuffer out) throws IOException {
        long pos = position;
        int left = stored;
        while (left > 0) {
            chunk.clear();
            chunk.limit(Math.min(left, chunk.capacity()));
            BoundedFiles.readFully(ch, chunk, pos);
            chunk.flip();
            int n = chunk.remaining() / 2;
            for (int i = 0; i < n; i++) {
                short h = chunk.getShort(2 * i);
                out.putFloat(bf16 ? Float.intBitsToFloat((h & 0xffff) << 16) : halfToFloat(h));
            }
            pos += chunk.limit();
            left -= chunk.limit();
        }
    }

    /**
     * Reads a model's weights from a folder as stored (see {@link #weightFiles} for which files).
     *
     * @param folder the folder
     * @return tensors by name
     * @throws IllegalArgumentException when the folder holds no weights or a file is malformed
     */
    public static Map<String, StoredTensor> readFolderStored(Path folder) {
        List<Path> files = weightFiles(folder);
        Map<String, StoredTensor> all = new LinkedHashMap<>();
        for (Path f : files) {
            all.putAll(readStored(f));
        }
        return all;
    }

    /**
     * Checks a file's header against the file (see {@link SafetensorsHeader} for every rule) without reading any
     * tensor.
     *
     * @param file the file
     * @return the checked header
     * @throws IllegalArgumentException naming the file, the problem and, for missing bytes, the tensor
     */
    public static SafetensorsHeader validate(Path file) {
        BoundedFiles.requireRegularFile(file, "safetensors file", "a model's weights are a regular .safetensors file");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return SafetensorsHeader.read(ch, file.toString());
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("safetensors file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read safetensors file " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The weight files of a model folder: {@code model.safetensors}, or the shards listed by
     * {@code model.safetensors.index.json} (checked by {@link #shardsOf}), or every {@code *.safetensors} file.
     *
     * @param folder the folder
     * @return the files, at least one
     * @throws IllegalArgumentException when the folder does not exist, holds no weights, or its index is malformed
     */
    public static List<Path> weightFiles(Path folder) {
        Path single = folder.resolve("model.safetensors");
        Path index = folder.resolve("model.safetensors.index.json");
        List<Path> files = new ArrayList<>();
        try {
            if (Files.exists(single)) {
                BoundedFiles.requireRegularFile(single, "weights file", "replace it with the model's weights");
                files.add(single);
            } else if (Files.isRegularFile(index)) {
                files.addAll(shardsOf(folder, BoundedFiles.readUtf8(index, BoundedFiles.MAX_METADATA_BYTES,
                        "shard index"), index));
            } else {
                try (var stream = Files.list(folder)) {
                    stream.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted()
                            .forEach(files::add);
                }
            }
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("model folder " + folder + " does not exist", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot list model folder " + folder + ": " + e.getMessage(), e);
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("model folder " + folder + " holds no *.safetensors file");
        }
        return files;
    }

    /**
     * The shard files a {@code model.safetensors.index.json} names, each checked to be a plain
     * {@code *.safetensors} file name inside the folder (no absolute path, no {@code ..}, no separator), so an index
     * cannot point anywhere else. A file in the folder may itself be a symbolic link, as {@code model.safetensors}
     * may: that is the folder owner's layout, and the one of HuggingFace's cache, whose snapshot files link to
     * {@code ../../blobs}.
     *
     * @param folder the model folder
     * @param indexJson the index file's text
     * @param index the index file, for messages
     * @return the shard files, sorted by name
     * @throws IllegalArgumentException naming the index and the offending entry
     */
    public static List<Path> shardsOf(Path folder, String indexJson, Path index) {
        JsonNode root;
        try {
            root = JSON.readTree(indexJson);
        } catch (IOException e) {
            throw new IllegalArgumentException("shard index " + index + " is not valid JSON: " + e.getMessage(), e);
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject()) {
            throw new IllegalArgumentException("shard index " + index + " has no 'weight_map' object");
        }
        TreeSet<String> shards = new TreeSet<>();
        Iterator<Map.Entry<String, JsonNode>> it = map.properties().iterator();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw new IllegalArgumentException("shard index " + index + ": weight_map entry '" + e.getKey()
                        + "' must name a shard file, was " + e.getValue());
            }
            shards.add(e.getValue().asText());
        }
        Path base = folder.toAbsolutePath().normalize();
        List<Path> files = new ArrayList<>();
        for (String s : shards) {
            boolean plain = !s.isEmpty() && s.endsWith(".safetensors") && s.indexOf('/') < 0 && s.indexOf('\\') < 0
                    && s.indexOf('\0') < 0 && !s.startsWith(".");
            Path shard = plain ? base.resolve(s).normalize() : null;
            if (shard == null || !base.equals(shard.getParent())) {
                throw new IllegalArgumentException("shard index " + index + " names shard '" + s
                        + "': a shard must be a *.safetensors file name inside " + folder
                        + " (no path separators, no leading dot)");
            }
            files.add(shard);
        }
        return files;
    }

    private static Map<String, FloatTensor> toFloats(String source, Map<String, StoredTensor> stored) {
        Map<String, FloatTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, StoredTensor> e : stored.entrySet()) {
            out.put(e.getKey(), toFloat(source, e.getKey(), e.getValue()));
        }
        return out;
    }

    /**
     * Widens one stored floating-point tensor (F32, BF16 or F16) to float32, exactly (every BF16 and F16 value is a
     * float32 value).
     *
     * @param source the file, for messages
     * @param name the tensor's name, for messages
     * @param t the stored tensor
     * @return its values as float32
     * @throws IllegalArgumentException naming the file and tensor when its dtype is not a floating-point one
     */
    public static FloatTensor toFloat(String source, String name, StoredTensor t) {
        float[] data = new float[Math.toIntExact(t.byteSize() / SafetensorsHeader.dtypeBytes(t.dtype()))];
        widen(source, name, t, FloatBuffer.wrap(data));
        return new FloatTensor(t.shape(), data);
    }

    /**
     * Widens one stored floating-point tensor (F32, BF16 or F16) to float32 into a given buffer (for example a
     * direct buffer an engine adopts without another copy).
     *
     * @param source the file, for messages
     * @param name the tensor's name, for messages
     * @param t the stored tensor
     * @param out receives the values from its position on; it must have room for all of them
     * @throws IllegalArgumentException naming the file and tensor when its dtype is not a floating-point one
     */
    public static void widen(String source, String name, StoredTensor t, FloatBuffer out) {
        ByteBuffer bytes = t.data();
        int n = Math.toIntExact(t.byteSize() / SafetensorsHeader.dtypeBytes(t.dtype()));
        int base = out.position();
        switch (t.dtype()) {
            case "F32" -> out.put(bytes.asFloatBuffer());
            case "BF16" -> {
                for (int i = 0; i < n; i++) {
                    out.put(base + i, Float.intBitsToFloat((bytes.getShort(2 * i) & 0xffff) << 16));
                }
            }
            case "F16" -> {
                for (int i = 0; i < n; i++) {
                    out.put(base + i, halfToFloat(bytes.getShort(2 * i)));
                }
            }
            default -> throw new IllegalArgumentException("safetensors file " + source + ": tensor '" + name
                    + "' with shape " + Arrays.toString(t.shape()) + " has dtype " + t.dtype()
                    + "; float32 weights can be read from F32, BF16 and F16 only");
        }
    }

    /** IEEE 754 half precision to float (Java 17 has no {@code Float.float16ToFloat}). */
    static float halfToFloat(short half) {
        int h = half & 0xffff;
        int sign = (h >>> 15) << 31;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant / 1024f / 16384f; // subnormal: mant * 2^-24
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }
}
