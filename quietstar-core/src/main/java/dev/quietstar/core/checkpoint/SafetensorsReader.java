package dev.quietstar.core.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Reads {@code .safetensors} files into float32 tensors without any engine: an 8-byte little-endian header length,
 * a JSON header naming each tensor's dtype, shape and byte range, then the little-endian data. F32, BF16 and F16
 * are converted to float32; every byte range is checked against the shape and the file before it is read.
 */
public final class SafetensorsReader {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_HEADER = 100L * 1024 * 1024;

    private SafetensorsReader() {}

    /**
     * Reads every tensor of one file.
     *
     * @param file the file
     * @return tensors by name, in header order
     * @throws IllegalArgumentException naming the file, the tensor and the problem (truncated file, corrupt header,
     *     unsupported dtype, a byte range that does not match the shape)
     */
    public static Map<String, FloatTensor> read(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new IllegalArgumentException("safetensors file " + file + " is truncated: " + size + " bytes");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.getLong(0);
            if (headerLen <= 0 || headerLen > MAX_HEADER || headerLen > size - 8) {
                throw new IllegalArgumentException("safetensors file " + file + " has a corrupt header length "
                        + headerLen + " (file is " + size + " bytes)");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLen);
            readFully(ch, header, 8);
            JsonNode json;
            try {
                json = JSON.readTree(new String(header.array(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new IllegalArgumentException("safetensors file " + file + " has a corrupt header: "
                        + e.getMessage(), e);
            }
            if (json == null || !json.isObject()) {
                throw new IllegalArgumentException("safetensors file " + file + " has a header that is not an object");
            }
            long dataStart = 8 + headerLen;
            long dataLen = size - dataStart;
            Map<String, FloatTensor> out = new LinkedHashMap<>();
            Iterator<Map.Entry<String, JsonNode>> it = json.properties().iterator();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                if ("__metadata__".equals(e.getKey())) {
                    continue;
                }
                out.put(e.getKey(), tensor(ch, file, e.getKey(), e.getValue(), dataStart, dataLen));
            }
            return out;
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("safetensors file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read safetensors file " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a model's weights from a folder: {@code model.safetensors}, or the shards listed by
     * {@code model.safetensors.index.json}, or every {@code *.safetensors} file.
     *
     * @param folder the folder
     * @return tensors by name
     * @throws IllegalArgumentException when the folder holds no weights or a file is malformed
     */
    public static Map<String, FloatTensor> readFolder(Path folder) {
        Path single = folder.resolve("model.safetensors");
        Path index = folder.resolve("model.safetensors.index.json");
        List<Path> files = new ArrayList<>();
        try {
            if (Files.isRegularFile(single)) {
                files.add(single);
            } else if (Files.isRegularFile(index)) {
                JsonNode map = JSON.readTree(index.toFile()).get("weight_map");
                if (map == null || !map.isObject()) {
                    throw new IllegalArgumentException(index + " has no 'weight_map' object");
                }
                TreeSet<String> shards = new TreeSet<>();
                map.elements().forEachRemaining(n -> shards.add(n.asText()));
                for (String s : shards) {
                    files.add(folder.resolve(s));
                }
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
        Map<String, FloatTensor> all = new LinkedHashMap<>();
        for (Path f : files) {
            all.putAll(read(f));
        }
        return all;
    }

    private static FloatTensor tensor(FileChannel ch, Path file, String name, JsonNode spec, long dataStart,
            long dataLen) throws IOException {
        String where = "safetensors file " + file + ": tensor '" + name + "'";
        JsonNode dtypeNode = spec.get("dtype");
        JsonNode shapeNode = spec.get("shape");
        JsonNode offsets = spec.get("data_offsets");
        if (dtypeNode == null || shapeNode == null || !shapeNode.isArray() || offsets == null
                || offsets.size() != 2) {
            throw new IllegalArgumentException(where + " needs dtype, shape and data_offsets [begin, end]");
        }
        String dtype = dtypeNode.asText();
        int width = switch (dtype) {
            case "F32" -> 4;
            case "BF16", "F16" -> 2;
            default -> throw new IllegalArgumentException(where + " has dtype " + dtype
                    + "; supported are F32, BF16 and F16");
        };
        long[] shape = new long[shapeNode.size()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = shapeNode.get(i).asLong(-1);
            if (shape[i] < 0) {
                throw new IllegalArgumentException(where + " has a negative or non-integer dimension " + shapeNode);
            }
            count *= shape[i];
        }
        long begin = offsets.get(0).asLong(-1);
        long end = offsets.get(1).asLong(-1);
        if (begin < 0 || end < begin || end > dataLen) {
            throw new IllegalArgumentException(where + " has data_offsets [" + begin + ", " + end
                    + "] outside the data section of " + dataLen + " bytes (file truncated or header corrupt)");
        }
        if (end - begin != count * width) {
            throw new IllegalArgumentException(where + " with shape " + shapeNode + " and dtype " + dtype + " needs "
                    + count * width + " bytes, its data_offsets give " + (end - begin));
        }
        if (count > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(where + " has " + count + " values, more than a Java array holds");
        }
        ByteBuffer bytes = ByteBuffer.allocate(Math.toIntExact(end - begin)).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, bytes, dataStart + begin);
        bytes.flip();
        float[] data = new float[(int) count];
        switch (dtype) {
            case "F32" -> bytes.asFloatBuffer().get(data);
            case "BF16" -> {
                for (int i = 0; i < data.length; i++) {
                    data[i] = Float.intBitsToFloat((bytes.getShort(2 * i) & 0xffff) << 16);
                }
            }
            default -> {
                for (int i = 0; i < data.length; i++) {
                    data[i] = halfToFloat(bytes.getShort(2 * i));
                }
            }
        }
        return new FloatTensor(shape, data);
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

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file at byte " + pos);
            }
            pos += n;
        }
    }
}
