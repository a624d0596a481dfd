package dev.quietstar.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnx.proto.OnnxMl;
import dev.quietstar.api.GenerationOptions;
import dev.quietstar.onnx.export.OnnxExporter;
import dev.quietstar.onnx.export.OnnxLayout;
import dev.quietstar.onnx.infer.OnnxReasoner;
import dev.quietstar.onnx.infer.OnnxRuntimeSettings;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an exported folder's files hold and where they lie: a weight corrupted to NaN in {@code model.onnx} or in its
 * external data file used to load and produce NaN outputs, and now is refused at open naming the file and the
 * initializer; an export under a path with a character outside the Basic Multilingual Plane used to fail with
 * "File doesn't exist" (ONNX Runtime's binding hands the path to native code in modified UTF-8), and now opens,
 * with its weights inline or in an external data file.
 */
class OnnxFileIntegrityTest {

    private static final String EMBEDDING = "transformer.wte.weight";

    @TempDir
    Path tmp;

    private Path export(Path out, long externalThreshold) throws Exception {
        Path ckpt = TinyCheckpointFiles.gpt2(tmp.resolve("ckpt-" + out.getFileName()), 11, 2);
        OnnxExporter.Builder b = OnnxExporter.builder().setCheckpoint(ckpt).setOutput(out);
        if (externalThreshold >= 0) {
            b.optExternalDataThresholdBytes(externalThreshold);
        }
        return b.build().export().folder();
    }

    /** Writes a NaN over the first float of an initializer's inline bytes. */
    private static void corruptInline(Path model, String initializer) throws Exception {
        byte[] file = Files.readAllBytes(model);
        OnnxMl.TensorProto t = OnnxMl.ModelProto.parseFrom(file).getGraph().getInitializerList().stream()
                .filter(i -> i.getName().equals(initializer)).findFirst().orElseThrow();
        byte[] raw = t.getRawData().toByteArray();
        int at = indexOf(file, java.util.Arrays.copyOf(raw, 64));
        assertThat(at).as("the initializer's bytes in the file").isPositive();
        ByteBuffer.wrap(file, at + 8, 4).order(ByteOrder.LITTLE_ENDIAN).putFloat(Float.NaN);
        Files.write(model, file);
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static String generate(Path folder) {
        try (OnnxReasoner r = OnnxReasoner.open(folder)) {
            return r.generate("Hi", GenerationOptions.defaults(3)).text();
        }
    }

    @Test
    void aNanInitializerInModelOnnxIsRefusedAtOpenNamingFileAndInitializer() throws Exception {
        Path out = export(tmp.resolve("export"), -1);
        corruptInline(out.resolve(OnnxLayout.DECODER_FILE), EMBEDDING);
        assertThatThrownBy(() -> OnnxReasoner.open(out)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(out.resolve(OnnxLayout.DECODER_FILE).toString())
                .hasMessageContaining("initializer '" + EMBEDDING + "' holds NaN at element 2")
                .hasMessageContaining("export the checkpoint again");
    }

    @Test
    void aNanInTheMixingHeadIsRefusedToo() throws Exception {
        Path out = export(tmp.resolve("export"), -1);
        OnnxMl.ModelProto head = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(
                out.resolve(OnnxLayout.MIXING_HEAD_FILE)));
        String name = head.getGraph().getInitializerList().stream()
                .filter(i -> i.getRawData().size() >= 64).findFirst().orElseThrow().getName();
        corruptInline(out.resolve(OnnxLayout.MIXING_HEAD_FILE), name);
        assertThatThrownBy(() -> OnnxReasoner.open(out))
                .hasMessageContaining(OnnxLayout.MIXING_HEAD_FILE)
                .hasMessageContaining("initializer '" + name + "' holds NaN");
    }

    @Test
    void aNanInTheExternalDataFileIsRefusedNamingBothFiles() throws Exception {
        Path out = export(tmp.resolve("export"), 0);
        Path data = out.resolve(OnnxLayout.DECODER_DATA_FILE);
        assertThat(data).isRegularFile();
        String first = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(out.resolve(OnnxLayout.DECODER_FILE)))
                .getGraph().getInitializerList().stream()
                .filter(i -> i.getExternalDataList().stream().anyMatch(e -> e.getKey().equals("offset")
                        && e.getValue().equals("0"))).findFirst().orElseThrow().getName();
        try (FileChannel ch = FileChannel.open(data, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(Float.POSITIVE_INFINITY)
                    .flip(), 4);
        }
        assertThatThrownBy(() -> OnnxReasoner.open(out)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("initializer '" + first + "' holds an infinite value at element 1")
                .hasMessageContaining(data.toString());
    }

    @Test
    void anExportUnderAPathOutsideTheBasicMultilingualPlaneOpens() throws Exception {
        Path inline = export(tmp.resolve("ckpt-\uD83D\uDE00").resolve("export"), -1);
        Path external = export(tmp.resolve("ext-\uD83D\uDE00"), 0);
        assertThat(external.resolve(OnnxLayout.DECODER_DATA_FILE)).isRegularFile();
        Path plain = export(tmp.resolve("plain"), -1);
        String expected = generate(plain);
        assertThat(generate(inline)).isEqualTo(expected);
        assertThat(generate(external)).isEqualTo(expected);
        Path ckpt = TinyCheckpointFiles.gpt2(tmp.resolve("run-\uD83D\uDE00"), 11, 2);
        try (OnnxReasoner r = OnnxReasoner.openCheckpoint(ckpt, OnnxRuntimeSettings.defaults())) {
            assertThat(r.generate("Hi", GenerationOptions.defaults(3)).text()).isEqualTo(expected);
        }
        try (var s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            assertThat(s.filter(p -> Files.isSymbolicLink(p.resolve("export"))
                    && p.getFileName().toString().startsWith("quietstar-onnx-")).toList())
                    .as("no temporary link is left behind").isEmpty();
        }
    }
}
