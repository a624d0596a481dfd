package dev.quietstar.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quietstar.examples.TinyCheckpoints;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExportOnnxCommandTest {

    @TempDir
    static Path dir;
    private static Path checkpoint;
    private static Path exported;

    @BeforeAll
    static void exportTinyCheckpoint() throws Exception {
        checkpoint = TinyCheckpoints.save(dir.resolve("tiny"), 9);
        exported = dir.resolve("tiny-onnx");
        CliRun r = CliRun.of("export-onnx", "--model", checkpoint.toString(), "--output", exported.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("exported").contains(exported.toString());
    }

    @Test
    void generateOnTheExportPrintsWhatTheDjlBackendPrints() {
        String[] args = {"--prompt", "Hello", "--max-tokens", "12"};
        CliRun djl = CliRun.of(concat(new String[] {"generate", "--backend", "djl-pytorch", "--model",
            checkpoint.toString()}, args));
        CliRun onnx = CliRun.of(concat(new String[] {"generate", "--backend", "onnxruntime", "--model",
            exported.toString()}, args));
        CliRun picked = CliRun.of(concat(new String[] {"generate", "--model", exported.toString()}, args));
        assertThat(djl.exitCode()).as(djl.err()).isZero();
        assertThat(onnx.exitCode()).as(onnx.err()).isZero();
        assertThat(onnx.out()).isNotBlank().isEqualTo(djl.out());
        assertThat(picked.out()).as("an exported folder picks onnxruntime").isEqualTo(djl.out());
    }

    @Test
    void reportRunsOnTheExport() {
        Path html = dir.resolve("report.html");
        CliRun r = CliRun.of("report", "--model", exported.toString(), "--text", "Hi there", "--output",
                html.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(html).isRegularFile();
    }

    @Test
    void backendsListsOnnxWithInferAndExport() {
        CliRun r = CliRun.of("backends");
        assertThat(r.out()).containsPattern("onnxruntime\\s+50\\s+yes\\s+INFER,EXPORT");
    }

    @Test
    void theOnnxBackendAlsoRunsACheckpointThatWasNotExported() {
        String[] args = {"--model", checkpoint.toString(), "--prompt", "Hi", "--max-tokens", "8"};
        CliRun onnx = CliRun.of(concat(new String[] {"generate", "--backend", "onnxruntime"}, args));
        CliRun djl = CliRun.of(concat(new String[] {"generate", "--backend", "djl-pytorch"}, args));
        assertThat(onnx.exitCode()).as(onnx.err()).isZero();
        assertThat(onnx.out()).isNotBlank().isEqualTo(djl.out());
    }

    private static String[] concat(String[] a, String[] b) {
        String[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
