package dev.quietstar.core.checkpoint;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quietstar.core.io.BoundedFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The checked header of a safetensors file: every tensor's name, dtype, shape and byte range, verified against the
 * file before anything large is allocated. This is the library's one safetensors header parser: every reader (core's
 * {@link SafetensorsReader}, and through it every backend) goes through it.
 *
 * <p>The format (https://github.com/huggingface/safetensors): an 8-byte little-endian header length N, N bytes of
 * UTF-8 JSON mapping tensor names to {@code {"dtype", "shape", "data_offsets": [begin, end]}} (plus an optional
 * {@code __metadata__} object of strings), then the data section. A file is accepted only if N is at most
 * {@link #MAX_HEADER_BYTES} and fits in the file, the JSON is an object without duplicate keys, every dtype is one
 * this library reads, every shape is a list of non-negative integers whose element count times the dtype's size
 * equals the tensor's byte range (computed without overflow) and is at most {@link #MAX_TENSOR_BYTES}, and the
 * ranges lie inside the data section, do not overlap and cover it without holes (as the format requires).
 *
 * @param tensors the tensors in ascending order of their data offsets
 * @param dataBytes size of the data section
 */
public record SafetensorsHeader(List<Entry> tensors, long dataBytes) {

    /** Largest header accepted (the reference implementation's limit is 100 MB). */
    public static final long MAX_HEADER_BYTES = 100L * 1000 * 1000;
    /** Largest single tensor accepted: one Java array. */
    public static final long MAX_TENSOR_BYTES = Integer.MAX_VALUE - 8L;

    private static final ObjectMapper JSON = new ObjectMapper();

    static {
        JSON.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        JSON.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(16).build());
    }

    /**
     * One tensor of the header.
     *
     * @param name the tensor's name
     * @param dtype the safetensors dtype code ({@code F32}, {@code BF16}, ...)
     * @param shape the dimensions
     * @param begin first byte in the data section
     * @param end one past the last byte in the data section
     */
    public record Entry(String name, String dtype, long[] shape, long begin, long end) {}

    /**
     * Bytes per element of a dtype this library reads.
     *
     * @param dtype the safetensors dtype code
     * @return the size, or -1 when the dtype is not supported
     */
    public static int dtypeBytes(String dtype) {
        switch (dtype) {
            case "F64":
            case "I64":
                return 8;
            case "F32":
            case "I32":
                return 4;
            case "F16":
            case "BF16":
                return 2;
            case "I8":
            case "U8":
            case "BOOL":
                return 1;
            default:
                return -1;
        }
    }

    /**
     * Reads and checks the header of an open file.
     *
     * @param ch the file, positioned anywhere (reads are absolute)
     * @param source the file's name, for messages
     * @return the checked header
     * @throws IllegalArgumentException naming the file and what is wrong
     * @throws IOException when reading fails
     */
    public static SafetensorsHeader read(FileChannel ch, String source) throws IOException {
        long size = ch.size();
        long headerLen = headerLength(size, source, () -> {
            ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            BoundedFiles.readFully(ch, b, 0);
            return b.getLong(0);
        });
        ByteBuffer header = ByteBuffer.allocate((int) headerLen);
        BoundedFiles.readFully(ch, header, 8);
        return parseJson(header.array(), size - 8 - headerLen, source);
    }

    /**
     * Checks the header of a whole file held in memory (the same checks as {@link #read}).
     *
     * @param file the file's bytes
     * @param source a name for messages
     * @return the checked header
     * @throws IllegalArgumentException naming the source and what is wrong
     */
    public static SafetensorsHeader parse(byte[] file, String source) {
        long size = file.length;
        long headerLen;
        try {
            headerLen = headerLength(size, source,
                    () -> ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong());
        } catch (IOException e) {
            throw new IllegalStateException(e); // not reachable: nothing is read from a stream
        }
        byte[] json = java.util.Arrays.copyOfRange(file, 8, 8 + (int) headerLen);
        return parseJson(json, size - 8 - headerLen, source);
    }

    @FunctionalInterface
    private interface LengthReader {
        long read() throws IOException;
    }

    private static long headerLength(long size, String source, LengthReader reader) throws IOException {
        if (size < 8) {
            throw new IllegalArgumentException("safetensors file " + source + " is truncated: " + size
                    + " bytes, fewer than the 8 of the header length");
        }
        long headerLen = reader.read();
        if (headerLen < 2 || headerLen > MAX_HEADER_BYTES || headerLen > size - 8) {
            throw new IllegalArgumentException("safetensors file " + source + " has a corrupt header length "
                    + Long.toUnsignedString(headerLen) + " (the file is " + size + " bytes, the limit "
                    + MAX_HEADER_BYTES + ")");
        }
        return headerLen;
    }

    private static SafetensorsHeader parseJson(byte[] headerBytes, long data, String source) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(headerBytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("safetensors file " + source + " has a header that is not UTF-8", e);
        }
        JsonNode json;
        try {
            json = JSON.readTree(text.stripTrailing()); // the format allows trailing spaces as padding
        } catch (IOException e) {
            throw new IllegalArgumentException("safetensors file " + source + " has a corrupt header: "
                    + e.getMessage(), e);
        }
        if (json == null || !json.isObject()) {
            throw new IllegalArgumentException("safetensors file " + source + " has a header that is not a JSON "
                    + "object");
        }
        List<Entry> entries = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> it = json.properties().iterator();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            JsonNode t = e.getValue();
            if ("__metadata__".equals(name)) {
                if (!t.isObject()) {
                    throw new IllegalArgumentException("safetensors file " + source
                            + ": __metadata__ must be an object of strings");
                }
                continue;
            }
            entries.add(entry(source, name, t, data));
        }
        entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long covered = 0;
        for (Entry e : entries) {
            if (e.begin() < covered) {
                throw new IllegalArgumentException("safetensors file " + source + ": tensor '" + e.name()
                        + "' bytes " + e.begin() + ".." + e.end() + " overlap another tensor's (which ends at "
                        + covered + ")");
            }
            if (e.begin() > covered) {
                throw new IllegalArgumentException("safetensors file " + source + ": bytes " + covered + ".."
                        + e.begin() + " of the data section belong to no tensor (before '" + e.name() + "')");
            }
            covered = e.end();
        }
        if (covered != data) {
            throw new IllegalArgumentException("safetensors file " + source + ": the tensors cover " + covered
                    + " bytes of a data section of " + data + " bytes");
        }
        return new SafetensorsHeader(List.copyOf(entries), data);
    }

    private static Entry entry(String source, String name, JsonNode t, long data) {
        String where = "safetensors file " + source + ": tensor '" + name + "'";
        if (name.isEmpty()) {
            throw new IllegalArgumentException("safetensors file " + source + " has a tensor with an empty name");
        }
        if (!t.isObject()) {
            throw new IllegalArgumentException(where + " must be an object with dtype, shape and data_offsets");
        }
        JsonNode dtypeNode = t.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new IllegalArgumentException(where + " has no dtype");
        }
        String dtype = dtypeNode.asText();
        int width = dtypeBytes(dtype);
        if (width < 0) {
            throw new IllegalArgumentException(where + " has dtype '" + dtype + "', which is not supported; "
                    + "supported: F64, F32, F16, BF16, I64, I32, I8, U8, BOOL");
        }
        JsonNode shapeNode = t.get("shape");
        if (shapeNode == null || !shapeNode.isArray() || shapeNode.size() > 16) {
            throw new IllegalArgumentException(where + " needs a shape: a list of at most 16 dimensions");
        }
        long[] shape = new long[shapeNode.size()];
        long bytes = width;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
                throw new IllegalArgumentException(where + " has shape " + shapeNode
                        + ": dimensions must be non-negative integers");
            }
            shape[i] = d.asLong();
            try {
                bytes = Math.multiplyExact(bytes, shape[i]);
            } catch (ArithmeticException overflow) {
                bytes = Long.MAX_VALUE;
            }
        }
        JsonNode offsets = t.get("data_offsets");
        if (offsets == null || !offsets.isArray() || offsets.size() != 2 || !offsets.get(0).isIntegralNumber()
                || !offsets.get(1).isIntegralNumber() || !offsets.get(0).canConvertToLong()
                || !offsets.get(1).canConvertToLong()) {
            throw new IllegalArgumentException(where + " needs data_offsets: [begin, end] as two integers");
        }
        long begin = offsets.get(0).asLong();
        long end = offsets.get(1).asLong();
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException(where + " has data_offsets [" + begin + ", " + end
                    + "]: they must satisfy 0 <= begin <= end");
        }
        if (end > data) {
            throw new IllegalArgumentException("safetensors file " + source + " is truncated: tensor '" + name
                    + "' with shape " + shapeNode + " needs bytes up to " + end + " but the data section has "
                    + data);
        }
        if (bytes > MAX_TENSOR_BYTES) {
            throw new IllegalArgumentException(where + " with shape " + shapeNode + " and dtype " + dtype
                    + " would need " + (bytes == Long.MAX_VALUE ? "more than 2^63" : String.valueOf(bytes))
                    + " bytes, more than the " + MAX_TENSOR_BYTES + " of one tensor");
        }
        if (end - begin != bytes) {
            throw new IllegalArgumentException(where + " with shape " + shapeNode + " and dtype " + dtype
                    + " needs " + bytes + " bytes but data_offsets [" + begin + ", " + end + "] hold "
                    + (end - begin));
        }
        return new Entry(name, dtype, shape, begin, end);
    }
}
