package dev.quietstar.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsReaderTest {

    @TempDir
    Path tmp;

    private Path file(String header, byte[] data) throws Exception {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
        out.write(h);
        out.write(data);
        Path f = tmp.resolve("t.safetensors");
        Files.write(f, out.toByteArray());
        return f;
    }

    @Test
    void readsF32Bf16AndF16LittleEndian() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        b.putFloat(1.5f).putFloat(-2.25f); // F32 [2]
        b.putShort((short) 0x3fc0).putShort((short) 0xc010); // BF16 1.5, -2.25
        b.putShort((short) 0x3e00).putShort((short) 0x0001); // F16 1.5, smallest subnormal 2^-24
        Path f = file("{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[1,2],\"data_offsets\":[8,12]},"
                + "\"c\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[12,16]}}", b.array());
        Map<String, FloatTensor> t = SafetensorsReader.read(f);
        assertThat(t.keySet()).containsExactly("a", "b", "c");
        assertThat(t.get("a").data()).containsExactly(1.5f, -2.25f);
        assertThat(t.get("b").shape()).containsExactly(1, 2);
        assertThat(t.get("b").data()).containsExactly(1.5f, -2.25f);
        assertThat(t.get("c").data()).containsExactly(1.5f, (float) Math.pow(2, -24));
    }

    @Test
    void offsetsBeyondTheFileOrNotMatchingTheShapeAreNamed() throws Exception {
        Path beyond = file("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", new byte[8]);
        assertThatThrownBy(() -> SafetensorsReader.read(beyond)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'w'").hasMessageContaining("truncated");
        Path mismatch = file("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8]);
        assertThatThrownBy(() -> SafetensorsReader.read(mismatch)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs 12 bytes");
        Path dtype = file("{\"w\":{\"dtype\":\"I8\",\"shape\":[8],\"data_offsets\":[0,8]}}", new byte[8]);
        assertThatThrownBy(() -> SafetensorsReader.read(dtype)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("I8");
    }

    @Test
    void aCorruptHeaderLengthIsRefused() throws Exception {
        Path f = tmp.resolve("bad.safetensors");
        Files.write(f, ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).array());
        assertThatThrownBy(() -> SafetensorsReader.read(f)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("header length");
    }
}
