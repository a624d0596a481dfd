package dev.quietstar.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hostile safetensors files and shard indexes: each is rejected by the header check, naming the file. */
class SafetensorsHostileFilesTest {

    @TempDir
    Path dir;

    private Path write(String name, long headerLen, String json, int dataBytes) throws IOException {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLen).put(h);
        return Files.write(dir.resolve(name), b.array());
    }

    private Path write(String name, String json, int dataBytes) throws IOException {
        return write(name, json.getBytes(StandardCharsets.UTF_8).length, json, dataBytes);
    }

    @Test
    void offsetsPastTheEndAreRejected() throws IOException {
        Path f = write("past.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8);
        assertThatThrownBy(() -> SafetensorsReader.validate(f)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(f.toString()).hasMessageContaining("truncated: tensor 'w'");
    }

    @Test
    void overlappingRangesAreRejected() throws IOException {
        Path f = write("overlap.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12);
        assertThatThrownBy(() -> SafetensorsReader.validate(f)).hasMessageContaining(f.toString())
                .hasMessageContaining("overlap");
    }

    @Test
    void aShapeClaimingTenToTheTwelveElementsIsRejected() throws IOException {
        Path f = write("huge.safetensors",
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[1000000,1000000],\"data_offsets\":[0,8]}}", 8);
        assertThatThrownBy(() -> SafetensorsReader.validate(f)).hasMessageContaining(f.toString())
                .hasMessageContaining("4000000000000 bytes");
        Path g = write("overflow.safetensors",
                "{\"w\":{\"dtype\":\"F64\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}", 8);
        assertThatThrownBy(() -> SafetensorsReader.validate(g)).hasMessageContaining("more than 2^63");
    }

    @Test
    void aHeaderLengthOfTwoToTheSixtyIsRejectedBeforeAllocating() throws IOException {
        Path f = write("len.safetensors", 1L << 60, "{}", 0);
        assertThatThrownBy(() -> SafetensorsReader.validate(f)).hasMessageContaining(f.toString())
                .hasMessageContaining("corrupt header length 1152921504606846976");
        Path g = write("neg.safetensors", -5L, "{}", 0);
        assertThatThrownBy(() -> SafetensorsReader.validate(g)).hasMessageContaining("corrupt header length");
    }

    @Test
    void anUnknownDtypeIsRejected() throws IOException {
        Path f = write("dtype.safetensors", "{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[4],\"data_offsets\":[0,4]}}",
                4);
        assertThatThrownBy(() -> SafetensorsReader.validate(f)).hasMessageContaining(f.toString())
                .hasMessageContaining("dtype 'F8_E4M3', which is not supported");
    }

    @Test
    void duplicateNamesHolesAndBadJsonAreRejected() throws IOException {
        Path dup = write("dup.safetensors", "{\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
                + "\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}", 2);
        assertThatThrownBy(() -> SafetensorsReader.validate(dup)).hasMessageContaining("Duplicate field 'w'");
        Path hole = write("hole.safetensors", "{\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}", 2);
        assertThatThrownBy(() -> SafetensorsReader.validate(hole)).hasMessageContaining("belong to no tensor");
        Path bad = write("bad.safetensors", "{\"w\":", 0);
        assertThatThrownBy(() -> SafetensorsReader.validate(bad)).hasMessageContaining("corrupt header");
        Path tiny = Files.write(dir.resolve("tiny.safetensors"), new byte[3]);
        assertThatThrownBy(() -> SafetensorsReader.validate(tiny)).hasMessageContaining("truncated: 3 bytes");
    }

    @Test
    void shardIndexesNamingPathsOutsideTheFolderAreRejected() throws IOException {
        Path model = Files.createDirectories(dir.resolve("model"));
        Path index = model.resolve("model.safetensors.index.json");
        for (String shard : new String[] {"../outside.safetensors", "/etc/passwd", "sub/x.safetensors",
            "..\\\\x.safetensors", "notes.txt"}) {
            Files.writeString(index, "{\"weight_map\": {\"w\": \"" + shard + "\"}}");
            assertThatThrownBy(() -> SafetensorsReader.readFolder(model))
                    .as(shard).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(index.toString()).hasMessageContaining("names shard");
        }
    }

    @Test
    void theHuggingFaceCacheLayoutOfLinkedShardsIsRead() throws IOException {
        // snapshots/<revision>/<shard> -> ../../blobs/<hash>, as the HuggingFace hub cache stores models
        Path blobs = Files.createDirectories(dir.resolve("hub/blobs"));
        Path snapshot = Files.createDirectories(dir.resolve("hub/snapshots/abc123"));
        SafetensorsWriter.writeFloats(blobs.resolve("1111"), java.util.Map.of("a",
                new FloatTensor(new long[] {2}, new float[] {1f, 2f})));
        SafetensorsWriter.writeFloats(blobs.resolve("2222"), java.util.Map.of("b",
                new FloatTensor(new long[] {1}, new float[] {3f})));
        Files.createSymbolicLink(snapshot.resolve("model-00001-of-00002.safetensors"), Path.of("../../blobs/1111"));
        Files.createSymbolicLink(snapshot.resolve("model-00002-of-00002.safetensors"), Path.of("../../blobs/2222"));
        Files.writeString(snapshot.resolve("model.safetensors.index.json"), "{\"weight_map\": {\"a\": "
                + "\"model-00001-of-00002.safetensors\", \"b\": \"model-00002-of-00002.safetensors\"}}");
        var tensors = SafetensorsReader.readFolder(snapshot);
        org.assertj.core.api.Assertions.assertThat(tensors.keySet()).containsExactlyInAnyOrder("a", "b");
        org.assertj.core.api.Assertions.assertThat(tensors.get("b").data()).containsExactly(3f);
    }

    @Test
    void anOversizedIndexIsRejectedBeforeReading() throws IOException {
        Path model = Files.createDirectories(dir.resolve("big"));
        Path index = model.resolve("model.safetensors.index.json");
        try (var ch = java.nio.channels.FileChannel.open(index, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {'{'}), dev.quietstar.core.io.BoundedFiles.MAX_METADATA_BYTES);
        }
        assertThatThrownBy(() -> SafetensorsReader.readFolder(model)).hasMessageContaining(index.toString())
                .hasMessageContaining("more than the " + dev.quietstar.core.io.BoundedFiles.MAX_METADATA_BYTES);
    }
}
