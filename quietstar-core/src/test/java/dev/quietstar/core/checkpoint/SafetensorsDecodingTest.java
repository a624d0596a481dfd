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

/**
 * Half-precision decoding (negative, subnormal, infinite values), the header and byte-range boundaries of a
 * safetensors file, folders of shards, and {@link FloatTensor}.
 */
class SafetensorsDecodingTest {

    @TempDir
    Path tmp;

    private static byte[] file(String header, byte[] data) throws Exception {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
        out.write(h);
        out.write(data);
        return out.toByteArray();
    }

    private Path write(String name, byte[] bytes) throws Exception {
        Path f = tmp.resolve(name);
        Files.createDirectories(f.getParent());
        Files.write(f, bytes);
        return f;
    }

    private static byte[] shorts(int... values) {
        ByteBuffer b = ByteBuffer.allocate(2 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            b.putShort((short) v);
        }
        return b.array();
    }

    private static byte[] floats(float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    /** IEEE 754 binary16 by its definition: (-1)^s * 2^(e - 15) * 1.m, or 2^-14 * 0.m when e = 0. */
    private static double halfByDefinition(int bits) {
        int s = bits >>> 15;
        int e = (bits >>> 10) & 0x1f;
        int m = bits & 0x3ff;
        double sign = s == 1 ? -1 : 1;
        if (e == 0x1f) {
            return m == 0 ? sign * Double.POSITIVE_INFINITY : Double.NaN;
        }
        if (e == 0) {
            return sign * Math.scalb(m / 1024.0, -14);
        }
        return sign * Math.scalb(1 + m / 1024.0, e - 15);
    }

    @Test
    void everyHalfPrecisionBitPatternDecodesToItsValue() {
        for (int bits = 0; bits < 0x10000; bits++) {
            float got = SafetensorsReader.halfToFloat((short) bits);
            double want = halfByDefinition(bits);
            if (Double.isNaN(want)) {
                assertThat(Float.isNaN(got)).as("0x%04x", bits).isTrue();
            } else {
                assertThat((double) got).as("0x%04x", bits).isEqualTo(want);
                assertThat(Math.copySign(1f, got)).as("sign of 0x%04x", bits).isEqualTo(bits >= 0x8000 ? -1f : 1f);
            }
        }
        assertThat(SafetensorsReader.halfToFloat((short) 0xc248)).isEqualTo(-3.140625f);
        assertThat(SafetensorsReader.halfToFloat((short) 0x8001)).isEqualTo((float) -Math.pow(2, -24));
        assertThat(SafetensorsReader.halfToFloat((short) 0xfbff)).isEqualTo(-65504f);
    }

    @Test
    void negativeBf16AndF16ValuesReadFromAFile() throws Exception {
        byte[] data = new byte[16];
        ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN)
                .putShort((short) 0xbf80).putShort((short) 0xc049).putShort((short) 0x8000).putShort((short) 0xff80)
                .putShort((short) 0xbc00).putShort((short) 0xc248).putShort((short) 0x8400).putShort((short) 0xfc00);
        Path f = write("neg.safetensors", file("{\"b\":{\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[0,8]},"
                + "\"h\":{\"dtype\":\"F16\",\"shape\":[2,2],\"data_offsets\":[8,16]}}", data));
        Map<String, FloatTensor> t = SafetensorsReader.read(f);
        assertThat(t.get("b").data()).containsExactly(-1f, -3.140625f, -0f, Float.NEGATIVE_INFINITY);
        assertThat(Float.floatToRawIntBits(t.get("b").data()[2])).isEqualTo(0x80000000);
        assertThat(t.get("h").data()).containsExactly(-1f, -3.140625f, (float) -Math.pow(2, -14),
                Float.NEGATIVE_INFINITY);
        assertThat(t.get("h").hasShape(2, 2)).isTrue();
    }

    @Test
    void theHeaderMayFillTheFileAndEmptyTensorsAreAllowed() throws Exception {
        Path onlyHeader = write("empty.safetensors", file("{}", new byte[0]));
        assertThat(SafetensorsReader.read(onlyHeader)).isEmpty();
        Path empty = write("zero.safetensors", file("{\"z\":{\"dtype\":\"F32\",\"shape\":[0],"
                + "\"data_offsets\":[4,4]},\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
                floats(-7.5f)));
        Map<String, FloatTensor> t = SafetensorsReader.read(empty);
        assertThat(t.get("z").data()).isEmpty();
        assertThat(t.get("z").shape()).containsExactly(0);
        assertThat(t.get("w").data()).containsExactly(-7.5f);
    }

    @Test
    void headerLengthsOutsideTheFileAreRefused() throws Exception {
        Path seven = write("seven.safetensors", new byte[7]);
        assertThatThrownBy(() -> SafetensorsReader.read(seven)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is truncated: 7 bytes");
        Path zero = write("zero-len.safetensors", new byte[8]);
        assertThatThrownBy(() -> SafetensorsReader.read(zero)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("corrupt header length 0");
        // a header one byte longer than the rest of the file
        byte[] tooLong = new byte[12];
        ByteBuffer.wrap(tooLong).order(ByteOrder.LITTLE_ENDIAN).putLong(5);
        Path over = write("over.safetensors", tooLong);
        assertThatThrownBy(() -> SafetensorsReader.read(over)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("corrupt header length 5 (the file is 12 bytes");
        Path notObject = write("array.safetensors", file("[1]", new byte[0]));
        assertThatThrownBy(() -> SafetensorsReader.read(notObject)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a JSON object");
        assertThatThrownBy(() -> SafetensorsReader.read(tmp.resolve("missing.safetensors")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not exist");
    }

    @Test
    void byteRangesMustLieInTheDataAndMatchTheShape() throws Exception {
        Path shifted = write("shifted.safetensors",
                file("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[4,12]}}", new byte[12]));
        assertThatThrownBy(() -> SafetensorsReader.read(shifted)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs 12 bytes but data_offsets [4, 12] hold 8");
        Path reversed = write("reversed.safetensors",
                file("{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,4]}}", new byte[12]));
        assertThatThrownBy(() -> SafetensorsReader.read(reversed)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("data_offsets [8, 4]");
        Path negativeDim = write("dim.safetensors",
                file("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", new byte[4]));
        assertThatThrownBy(() -> SafetensorsReader.read(negativeDim)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dimensions must be non-negative integers");
        Path noOffsets = write("nooff.safetensors",
                file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", new byte[4]));
        assertThatThrownBy(() -> SafetensorsReader.read(noOffsets)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs data_offsets");
    }

    @Test
    void aFolderIsReadFromItsSingleFileItsShardIndexOrEverySafetensorsFile() throws Exception {
        write("single/model.safetensors",
                file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", floats(1f)));
        write("single/other.safetensors",
                file("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", floats(9f)));
        assertThat(SafetensorsReader.readFolder(tmp.resolve("single")).keySet()).containsExactly("a");

        write("sharded/model.safetensors.index.json",
                "{\"weight_map\":{\"b\":\"s2.safetensors\",\"a\":\"s1.safetensors\",\"c\":\"s2.safetensors\"}}"
                        .getBytes(StandardCharsets.UTF_8));
        write("sharded/s1.safetensors",
                file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", floats(1f)));
        write("sharded/s2.safetensors", file("{\"b\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2]},"
                + "\"c\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[2,4]}}", shorts(0xc000, 0x3c00)));
        write("sharded/unlisted.safetensors",
                file("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", floats(9f)));
        Map<String, FloatTensor> sharded = SafetensorsReader.readFolder(tmp.resolve("sharded"));
        assertThat(sharded.keySet()).containsExactly("a", "b", "c");
        assertThat(sharded.get("b").data()).containsExactly(-2f);

        write("loose/z.safetensors",
                file("{\"z\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", floats(3f)));
        write("loose/y.safetensors",
                file("{\"y\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", floats(2f)));
        write("loose/notes.txt", "not weights".getBytes(StandardCharsets.UTF_8));
        assertThat(SafetensorsReader.readFolder(tmp.resolve("loose")).keySet()).containsExactly("y", "z");

        write("none/readme.txt", "x".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> SafetensorsReader.readFolder(tmp.resolve("none")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("holds no *.safetensors file");
        assertThatThrownBy(() -> SafetensorsReader.readFolder(tmp.resolve("absent")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not exist");
        write("badindex/model.safetensors.index.json", "{\"metadata\":{}}".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> SafetensorsReader.readFolder(tmp.resolve("badindex")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no 'weight_map' object");
    }

    @Test
    void aFloatTensorChecksItsShape() {
        FloatTensor t = new FloatTensor(new long[] {2, 3}, new float[6]);
        assertThat(t.hasShape(2, 3)).isTrue();
        assertThat(t.hasShape(3, 2)).isFalse();
        assertThat(t.hasShape(6)).isFalse();
        assertThat(t).hasToString("FloatTensor[2, 3]");
        assertThatThrownBy(() -> new FloatTensor(new long[] {2, 2}, new float[3]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs 4 values, got 3");
        assertThatThrownBy(() -> new FloatTensor(new long[] {-1, -3}, new float[3]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative dimension");
        assertThat(new FloatTensor(new long[] {0, 5}, new float[0]).data()).isEmpty();
    }
}
