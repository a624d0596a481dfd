package dev.quietstar.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Property-based fuzzing of the safetensors header reader ({@link SafetensorsHeader}) and the shard index check
 * ({@link SafetensorsReader#shardsOf}): whatever the bytes, the reader either returns a header whose every range lies in
 * the data section without overlap and matches its shape and dtype, or throws an {@link IllegalArgumentException}
 * naming the file; nothing else escapes, and nothing is allocated from an unchecked length.
 */
class SafetensorsHeaderFuzzTest {

    private static final String[] DTYPES = {"F64", "F32", "F16", "BF16", "I64", "I32", "I8", "U8", "BOOL"};

    /** One tensor of a generated file. */
    record Spec(String name, String dtype, long[] shape) {
        long bytes() {
            long n = SafetensorsHeader.dtypeBytes(dtype);
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    @Provide
    Arbitrary<List<Spec>> tensors() {
        Arbitrary<Spec> spec = Combinators.combine(
                Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(6),
                Arbitraries.of(DTYPES),
                Arbitraries.longs().between(0, 5).array(long[].class).ofMaxSize(3))
                .as(Spec::new);
        return spec.list().ofMaxSize(5).uniqueElements(Spec::name);
    }

    /** A well-formed file: header JSON, padding spaces, then the data section (filled with a pattern). */
    static byte[] file(List<Spec> specs, int padding) {
        StringBuilder json = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        for (Spec s : specs) {
            StringBuilder shape = new StringBuilder("[");
            for (int i = 0; i < s.shape().length; i++) {
                shape.append(i == 0 ? "" : ",").append(s.shape()[i]);
            }
            shape.append(']');
            json.append(",\"").append(s.name()).append("\":{\"dtype\":\"").append(s.dtype()).append("\",\"shape\":")
                    .append(shape).append(",\"data_offsets\":[").append(offset).append(',')
                    .append(offset + s.bytes()).append("]}");
            offset += s.bytes();
        }
        json.append('}').append(" ".repeat(padding));
        byte[] header = json.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + (int) offset).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header);
        for (int i = 0; i < offset; i++) {
            b.put((byte) i);
        }
        return b.array();
    }

    /** Parses, and if accepted checks every invariant the loader relies on. */
    static void parseAndCheck(byte[] bytes) {
        SafetensorsHeader h;
        try {
            h = SafetensorsHeader.parse(bytes, "fuzz.safetensors");
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).contains("fuzz.safetensors");
            return;
        }
        long covered = 0;
        for (SafetensorsHeader.Entry e : h.tensors()) {
            assertThat(e.begin()).isEqualTo(covered);
            assertThat(e.end()).isLessThanOrEqualTo(h.dataBytes());
            long n = SafetensorsHeader.dtypeBytes(e.dtype());
            for (long d : e.shape()) {
                n = Math.multiplyExact(n, d);
            }
            assertThat(e.end() - e.begin()).isEqualTo(n);
            covered = e.end();
        }
        assertThat(covered).isEqualTo(h.dataBytes());
        assertThat(8 + h.dataBytes()).isLessThanOrEqualTo(bytes.length);
    }

    @Property(tries = 2000)
    void wellFormedFilesAreAcceptedWithEveryTensor(@ForAll("tensors") List<Spec> specs,
            @ForAll @IntRange(max = 7) int padding) {
        SafetensorsHeader h = SafetensorsHeader.parse(file(specs, padding), "ok.safetensors");
        List<String> names = new ArrayList<>();
        h.tensors().forEach(e -> names.add(e.name()));
        assertThat(names).containsExactlyInAnyOrderElementsOf(specs.stream().map(Spec::name).toList());
        parseAndCheck(file(specs, padding));
    }

    @Property(tries = 3000)
    void aFileWithBytesChangedIsRejectedOrStillConsistent(@ForAll("tensors") List<Spec> specs,
            @ForAll @IntRange(max = 10_000) int where, @ForAll byte value, @ForAll @IntRange(max = 3) int edits) {
        byte[] f = file(specs, 0);
        for (int i = 0; i <= edits; i++) {
            f[(where + 31 * i) % f.length] = (byte) (value + i);
        }
        parseAndCheck(f);
    }

    @Property(tries = 2000)
    void aTruncatedOrExtendedFileIsRejected(@ForAll("tensors") List<Spec> specs,
            @ForAll @IntRange(min = 1, max = 64) int cut, @ForAll boolean extend) {
        byte[] f = file(specs, 0);
        byte[] g = java.util.Arrays.copyOf(f, extend ? f.length + cut : Math.max(0, f.length - cut));
        assertThatThrownBy(() -> SafetensorsHeader.parse(g, "cut.safetensors"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cut.safetensors");
    }

    @Property(tries = 2000)
    void arbitraryBytesAreRejectedOrConsistent(@ForAll @Size(max = 96) byte[] tail,
            @ForAll @IntRange(max = 100) int headerLen, @ForAll boolean prefix) {
        ByteBuffer b = ByteBuffer.allocate(8 + tail.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(prefix ? headerLen : tail.length == 0 ? 0 : tail[0] * 1_000_003L).put(tail);
        parseAndCheck(b.array());
    }

    @Property(tries = 1000)
    void arbitraryJsonHeadersAreRejectedOrConsistent(@ForAll("jsonish") String json) {
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + 16).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header);
        parseAndCheck(b.array());
    }

    @Provide
    Arbitrary<String> jsonish() {
        Arbitrary<String> token = Arbitraries.of("{", "}", "[", "]", ",", ":", "\"a\"", "\"dtype\"", "\"shape\"",
                "\"data_offsets\"", "\"F32\"", "\"U8\"", "\"Q4\"", "0", "4", "16", "-1", "1e3", "1000000000000",
                "9223372036854775807", "null", "true", "\"__metadata__\"", " ");
        return token.list().ofMaxSize(40).map(l -> String.join("", l));
    }

    @Property(tries = 1000)
    void shardIndexesNeverNameAFileOutsideTheFolder(@ForAll("shardNames") String shard) throws IOException {
        Path folder = Path.of("target", "fuzz-model").toAbsolutePath();
        String index = "{\"weight_map\": {\"w\": " + new com.fasterxml.jackson.databind.ObjectMapper()
                .writeValueAsString(shard) + "}}";
        try {
            List<Path> files = SafetensorsReader.shardsOf(folder, index, folder.resolve("model.safetensors.index.json"));
            assertThat(files).allSatisfy(p -> assertThat(p.getParent()).isEqualTo(folder.normalize()));
            assertThat(files).allSatisfy(p -> assertThat(p.getFileName().toString()).endsWith(".safetensors"));
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).contains("model.safetensors.index.json");
        }
    }

    @Provide
    Arbitrary<String> shardNames() {
        Arbitrary<String> part = Arbitraries.of("..", ".", "/", "\\", "model", "-00001", "of", "x", "~", "\u0000",
                ".safetensors", "C:", "%2e", " ");
        return part.list().ofMaxSize(6).map(l -> String.join("", l));
    }

    @Property(tries = 200)
    void theFileReaderAgreesWithTheInMemoryOne(@ForAll("tensors") List<Spec> specs,
            @ForAll @IntRange(max = 200) int where, @ForAll byte value) throws IOException {
        byte[] f = file(specs, 0);
        f[where % f.length] = value;
        Path dir = Files.createDirectories(Path.of("target", "fuzz-files"));
        Path p = Files.write(dir.resolve("f.safetensors"), f);
        String memory;
        try {
            memory = SafetensorsHeader.parse(f, p.toString()).tensors().size() + " tensors";
        } catch (IllegalArgumentException e) {
            memory = e.getMessage();
        }
        String file;
        try {
            file = SafetensorsReader.validate(p).tensors().size() + " tensors";
        } catch (IllegalArgumentException e) {
            file = e.getMessage();
        }
        assertThat(file).isEqualTo(memory);
    }
}
