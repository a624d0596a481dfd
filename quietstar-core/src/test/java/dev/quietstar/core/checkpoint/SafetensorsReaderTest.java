package dev.quietstar.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
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

    @Test
    void whatTheWriterWritesReadsBackWithEveryDtypeAndPassesTheHeaderChecks() throws Exception {
        Map<String, StoredTensor> stored = new LinkedHashMap<>();
        stored.put("w", StoredTensor.of(new FloatTensor(new long[] {2, 3}, new float[] {1, -2, 3.5f, 0, 5, 6})));
        stored.put("ids", new StoredTensor("I64", new long[] {2},
                ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(7).putLong(-1).flip()));
        stored.put("empty", new StoredTensor("F32", new long[] {0, 4}, ByteBuffer.allocate(0)));
        Path f = tmp.resolve("round.safetensors");
        SafetensorsWriter.write(f, stored);
        assertThat(Files.size(f) % 8).isZero();
        SafetensorsHeader header = SafetensorsReader.validate(f);
        assertThat(header.tensors()).extracting(SafetensorsHeader.Entry::name).containsExactly("w", "ids", "empty");
        Map<String, StoredTensor> back = SafetensorsReader.readStored(f);
        assertThat(back.get("ids").dtype()).isEqualTo("I64");
        assertThat(back.get("ids").data().getLong(8)).isEqualTo(-1);
        assertThat(back.get("empty").shape()).containsExactly(0, 4);
        assertThatThrownBy(() -> SafetensorsReader.read(f)).hasMessageContaining("'ids'")
                .hasMessageContaining("I64");
        Path floats = tmp.resolve("floats.safetensors");
        SafetensorsWriter.writeFloats(floats, Map.of("w", new FloatTensor(new long[] {3}, new float[] {1, 2, 3})));
        assertThat(SafetensorsReader.read(floats).get("w").data()).containsExactly(1, 2, 3);
    }

    @Test
    void forEachFloat32WidensHalfPrecisionAcrossChunksIntoTheCallersBufferAndLeavesItsSpareRoomAlone()
            throws Exception {
        // 700 000 values: the BF16 and F16 tensors' bytes (1.4 MB each) span two of the reader's 1 MiB chunks.
        int n = 700_000;
        java.util.SplittableRandom rng = new java.util.SplittableRandom(5);
        Map<String, StoredTensor> stored = new LinkedHashMap<>();
        ByteBuffer bf = ByteBuffer.allocate(2 * n).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer hf = ByteBuffer.allocate(2 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            bf.putShort((short) rng.nextInt(1 << 16));
            // finite float16 values of both signs, subnormals included (exponent field 0..30)
            hf.putShort((short) ((rng.nextInt(2) << 15) | (rng.nextInt(31) << 10) | rng.nextInt(1 << 10)));
        }
        stored.put("bf", new StoredTensor("BF16", new long[] {n / 100, 100}, bf.flip()));
        stored.put("hf", new StoredTensor("F16", new long[] {n}, hf.flip()));
        stored.put("ids", new StoredTensor("I64", new long[] {2},
                ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(7).putLong(-1).flip()));
        Path f = tmp.resolve("half.safetensors");
        SafetensorsWriter.write(f, stored);
        Map<String, ByteBuffer> buffers = new LinkedHashMap<>();
        Map<String, StoredTensor> seen = new LinkedHashMap<>();
        SafetensorsReader.forEachFloat32(f, (name, dtype, shape, size) -> {
            ByteBuffer b = ByteBuffer.allocateDirect(size + 8).order(ByteOrder.LITTLE_ENDIAN);
            b.putLong(size, 0x5a5a5a5a5a5a5a5aL); // spare room after the tensor's bytes
            buffers.put(name, b);
            assertThat(dtype).isEqualTo(name.equals("ids") ? "I64" : "F32");
            return b;
        }, seen::put);
        assertThat(seen.keySet()).containsExactly("bf", "hf", "ids");
        assertThat(seen.get("bf").dtype()).isEqualTo("F32");
        assertThat(seen.get("bf").shape()).containsExactly(n / 100, 100);
        for (String name : new String[] {"bf", "hf"}) {
            float[] want = SafetensorsReader.toFloat("t", name, stored.get(name)).data();
            java.nio.FloatBuffer got = seen.get(name).data().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            assertThat(got.remaining()).isEqualTo(n);
            for (int i = 0; i < n; i++) {
                if (Float.compare(got.get(i), want[i]) != 0) { // equal values; every NaN equal to NaN
                    throw new AssertionError(name + "[" + i + "]: " + got.get(i) + " != " + want[i]);
                }
            }
            assertThat(buffers.get(name).getLong(4 * n)).isEqualTo(0x5a5a5a5a5a5a5a5aL);
        }
        assertThat(seen.get("ids").data().getLong(8)).isEqualTo(-1L);
    }
}
