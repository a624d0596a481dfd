package dev.quietstar.core.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes {@code .safetensors} files without any engine: the tensors' bytes in the map's order, one after the other,
 * behind a JSON header padded with spaces to a multiple of 8 bytes (as the format allows), so that every file written
 * here passes {@link SafetensorsHeader}'s checks. The file is forced to disk before the call returns.
 */
public final class SafetensorsWriter {

    private static final ObjectMapper JSON = new ObjectMapper();

    private SafetensorsWriter() {}

    /**
     * Writes tensors as stored.
     *
     * @param file the destination (replaced if it exists)
     * @param tensors tensors by name, written in the map's order
     * @throws IOException when writing fails
     */
    public static void write(Path file, Map<String, StoredTensor> tensors) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        long offset = 0;
        for (Map.Entry<String, StoredTensor> e : tensors.entrySet()) {
            StoredTensor t = e.getValue();
            ObjectNode entry = header.putObject(e.getKey());
            entry.put("dtype", t.dtype());
            ArrayNode shape = entry.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            entry.putArray("data_offsets").add(offset).add(offset + t.byteSize());
            offset += t.byteSize();
        }
        byte[] json = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
            out.write(json);
            for (int i = json.length; i < padded; i++) {
                out.write(' ');
            }
            for (StoredTensor t : tensors.values()) {
                ByteBuffer data = t.data().duplicate();
                if (data.hasArray()) {
                    out.write(data.array(), data.arrayOffset() + data.position(), data.remaining());
                } else {
                    byte[] chunk = new byte[Math.min(data.remaining(), 1 << 16)];
                    while (data.hasRemaining()) {
                        int n = Math.min(chunk.length, data.remaining());
                        data.get(chunk, 0, n);
                        out.write(chunk, 0, n);
                    }
                }
            }
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    /**
     * Writes float32 tensors (dtype {@code F32}).
     *
     * @param file the destination (replaced if it exists)
     * @param tensors tensors by name, written in the map's order
     * @throws IOException when writing fails
     */
    public static void writeFloats(Path file, Map<String, FloatTensor> tensors) throws IOException {
        Map<String, StoredTensor> stored = new LinkedHashMap<>();
        for (Map.Entry<String, FloatTensor> e : tensors.entrySet()) {
            stored.put(e.getKey(), StoredTensor.of(e.getValue()));
        }
        write(file, stored);
    }
}
