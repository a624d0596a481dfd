package dev.quietstar.onnx.infer;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads an ONNX model file before ONNX Runtime loads it, in one streaming pass over its protobuf fields: the
 * default-domain opset it imports, whether its weights live in an external data file, and that every float
 * initializer (inline, or in the external data file beside it) is finite. A corrupted byte that turns a weight into
 * NaN is refused here, naming the file and the initializer, instead of surfacing later as NaN outputs.
 *
 * <p>Memory stays bounded: inline weights are read in chunks of {@value #CHUNK} bytes, external ones through a
 * file channel.
 */
final class OnnxModelFiles {

    /** Bytes read at a time from a weight. */
    static final int CHUNK = 1 << 20;

    // ModelProto, GraphProto, TensorProto and StringStringEntryProto field numbers (onnx.proto).
    private static final int MODEL_GRAPH = 7;
    private static final int MODEL_OPSET_IMPORT = 8;
    private static final int GRAPH_INITIALIZER = 5;
    private static final int TENSOR_DATA_TYPE = 2;
    private static final int TENSOR_FLOAT_DATA = 4;
    private static final int TENSOR_NAME = 8;
    private static final int TENSOR_RAW_DATA = 9;
    private static final int TENSOR_EXTERNAL_DATA = 13;
    private static final int TENSOR_DATA_LOCATION = 14;
    private static final int DATA_TYPE_FLOAT = 1;
    private static final int LOCATION_EXTERNAL = 1;

    private OnnxModelFiles() {}

    /**
     * What the scan found.
     *
     * @param opset the default-domain opset version, -1 when none is imported
     * @param externalData whether some initializer lives in an external data file
     */
    record Scan(long opset, boolean externalData) {}

    /**
     * Scans a model file on disk.
     *
     * @param file the {@code .onnx} file
     * @return the opset and whether it has external data
     * @throws IllegalArgumentException naming the file and the initializer when a float weight is NaN or infinite,
     *     or the file when it cannot be read
     */
    static Scan scan(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return scan(file, CodedInputStream.newInstance(in, CHUNK));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read ONNX model " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Scans a model held in memory.
     *
     * @param file the file the bytes were read from, for messages and external data
     * @param bytes the file's bytes
     * @return the opset and whether it has external data
     * @throws IllegalArgumentException as {@link #scan(Path)}
     */
    static Scan scan(Path file, byte[] bytes) {
        try {
            return scan(file, CodedInputStream.newInstance(bytes));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read ONNX model " + file + ": " + e.getMessage(), e);
        }
    }

    private static Scan scan(Path file, CodedInputStream c) throws IOException {
        c.setSizeLimit(Integer.MAX_VALUE);
        long opset = -1;
        boolean external = false;
        int tag;
        while ((tag = c.readTag()) != 0) {
            int field = WireFormat.getTagFieldNumber(tag);
            boolean delimited = WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED;
            if (field == MODEL_OPSET_IMPORT && delimited) {
                int limit = c.pushLimit(c.readRawVarint32());
                String domain = "";
                long version = -1;
                int t;
                while ((t = c.readTag()) != 0) {
                    switch (WireFormat.getTagFieldNumber(t)) {
                        case 1 -> domain = c.readString();
                        case 2 -> version = c.readInt64();
                        default -> c.skipField(t);
                    }
                }
                c.popLimit(limit);
                if (domain.isEmpty() || "ai.onnx".equals(domain)) {
                    opset = version;
                }
            } else if (field == MODEL_GRAPH && delimited) {
                int limit = c.pushLimit(c.readRawVarint32());
                int t;
                while ((t = c.readTag()) != 0) {
                    if (WireFormat.getTagFieldNumber(t) == GRAPH_INITIALIZER
                            && WireFormat.getTagWireType(t) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                        int inner = c.pushLimit(c.readRawVarint32());
                        external |= checkInitializer(file, c);
                        c.popLimit(inner);
                    } else {
                        c.skipField(t);
                    }
                }
                c.popLimit(limit);
            } else {
                c.skipField(tag);
            }
        }
        return new Scan(opset, external);
    }

    /** Checks one TensorProto; returns whether its data is external. */
    private static boolean checkInitializer(Path file, CodedInputStream c) throws IOException {
        int dataType = 0;
        String name = "?";
        long badIndex = -1; // first non-finite element of inline data, read as float
        float badValue = 0;
        long seen = 0; // float elements of float_data read so far
        boolean externalLocation = false;
        String location = null;
        long offset = 0;
        long length = -1;
        int t;
        while ((t = c.readTag()) != 0) {
            int field = WireFormat.getTagFieldNumber(t);
            int wire = WireFormat.getTagWireType(t);
            if (field == TENSOR_DATA_TYPE && wire == WireFormat.WIRETYPE_VARINT) {
                dataType = c.readInt32();
            } else if (field == TENSOR_NAME && wire == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                name = c.readString();
            } else if (field == TENSOR_DATA_LOCATION && wire == WireFormat.WIRETYPE_VARINT) {
                externalLocation = c.readEnum() == LOCATION_EXTERNAL;
            } else if (field == TENSOR_FLOAT_DATA && wire == WireFormat.WIRETYPE_FIXED32) {
                float v = c.readFloat();
                if (badIndex < 0 && !Float.isFinite(v)) {
                    badIndex = seen;
                    badValue = v;
                }
                seen++;
            } else if (field == TENSOR_FLOAT_DATA && wire == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                int limit = c.pushLimit(c.readRawVarint32());
                while (c.getBytesUntilLimit() > 0) {
                    float v = c.readFloat();
                    if (badIndex < 0 && !Float.isFinite(v)) {
                        badIndex = seen;
                        badValue = v;
                    }
                    seen++;
                }
                c.popLimit(limit);
            } else if (field == TENSOR_RAW_DATA && wire == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                int remaining = c.readRawVarint32();
                long index = 0;
                while (remaining > 0) {
                    int n = Math.min(remaining, CHUNK);
                    byte[] chunk = c.readRawBytes(n);
                    remaining -= n;
                    ByteBuffer b = ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN);
                    while (b.remaining() >= Float.BYTES) {
                        float v = b.getFloat();
                        if (badIndex < 0 && !Float.isFinite(v)) {
                            badIndex = index;
                            badValue = v;
                        }
                        index++;
                    }
                }
            } else if (field == TENSOR_EXTERNAL_DATA && wire == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                int limit = c.pushLimit(c.readRawVarint32());
                String key = "";
                String value = "";
                int e;
                while ((e = c.readTag()) != 0) {
                    switch (WireFormat.getTagFieldNumber(e)) {
                        case 1 -> key = c.readString();
                        case 2 -> value = c.readString();
                        default -> c.skipField(e);
                    }
                }
                c.popLimit(limit);
                switch (key) {
                    case "location" -> location = value;
                    case "offset" -> offset = parseLong(file, name, key, value);
                    case "length" -> length = parseLong(file, name, key, value);
                    default -> { } // checksum and others are ONNX Runtime's business
                }
            } else {
                c.skipField(t);
            }
        }
        if (dataType != DATA_TYPE_FLOAT) {
            return externalLocation;
        }
        if (badIndex >= 0) {
            throw nonFinite(file, name, badIndex, badValue, file);
        }
        if (externalLocation && location != null) {
            checkExternal(file, name, location, offset, length);
        }
        return externalLocation;
    }

    private static long parseLong(Path file, String name, String key, String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("ONNX model " + file + ": initializer '" + name + "' has external "
                    + "data " + key + " '" + value + "', not a number; export the checkpoint again", e);
        }
    }

    /** Reads a float initializer's bytes from the external data file and checks them. */
    private static void checkExternal(Path file, String name, String location, long offset, long length)
            throws IOException {
        Path data = file.resolveSibling(location).normalize();
        if (!Files.isRegularFile(data)) {
            return; // ONNX Runtime names a missing data file itself
        }
        try (FileChannel ch = FileChannel.open(data, StandardOpenOption.READ)) {
            long size = ch.size();
            long end = length < 0 ? size : offset + length;
            if (offset < 0 || end > size || end < offset) {
                throw new IllegalArgumentException("ONNX model " + file + ": initializer '" + name + "' lies at "
                        + "bytes " + offset + ".." + end + " of " + data + ", which has " + size + " bytes; the "
                        + "data file is truncated or from another export; export the checkpoint again");
            }
            ByteBuffer b = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
            long pos = offset;
            long index = 0;
            while (pos < end) {
                b.clear();
                b.limit((int) Math.min(CHUNK, end - pos));
                while (b.hasRemaining()) {
                    int n = ch.read(b, pos + b.position());
                    if (n < 0) {
                        throw new IOException("unexpected end of " + data);
                    }
                }
                b.flip();
                pos += b.remaining();
                while (b.remaining() >= Float.BYTES) {
                    float v = b.getFloat();
                    if (!Float.isFinite(v)) {
                        throw nonFinite(file, name, index, v, data);
                    }
                    index++;
                }
            }
        }
    }

    private static IllegalArgumentException nonFinite(Path file, String name, long index, float value, Path in) {
        return new IllegalArgumentException("ONNX model " + file + ": initializer '" + name + "' holds "
                + (Float.isNaN(value) ? "NaN" : "an infinite value") + " at element " + index
                + (in.equals(file) ? "" : " (in " + in + ")") + "; the file is corrupt, export the checkpoint "
                + "again with: quietstar export-onnx --model CKPT --output " + file.getParent());
    }

    /**
     * Whether ONNX Runtime can be handed this path as a string: its Java binding passes strings to native code in
     * modified UTF-8, which spells a character outside the Basic Multilingual Plane (an emoji, say) as two
     * surrogates, so the native side looks for a file that does not exist.
     *
     * @param path the path
     * @return true when the absolute path holds no such character
     */
    static boolean nativeSafe(Path path) {
        String s = path.toAbsolutePath().toString();
        for (int i = 0; i < s.length(); i++) {
            if (Character.isSurrogate(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }
}
