package dev.quietstar.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run, its checkpoint and its ONNX export under folders named with a character outside the Basic Multilingual
 * Plane (an emoji) work on both backends. The DJL backend reads and writes every file in Java and always did; the
 * ONNX backend used to fail to open the export ("File doesn't exist") because ONNX Runtime's Java binding hands paths
 * to native code in modified UTF-8.
 */
class NonBmpPathTest {

    @TempDir
    Path tmp;

    @Test
    void trainExportAndGenerateUnderAnEmojiFolder() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("ckpt-\uD83D\uDE00"));
        Path data = Files.writeString(root.resolve("data-\uD83D\uDE00.txt"),
                "12+34=46. The cat sat on the mat.\n\n7*8=56 and 9*9=81; thinking helps.\n");
        Path run = root.resolve("run");
        CliRun train = CliRun.of("train", "--tiny", "gpt2:hidden=32,layers=1,heads=4,positions=64", "--data",
                data.toString(), "--set", "training.steps=1", "--set", "thoughtLength=2", "--set", "lookahead=2",
                "--set", "sequenceLength=16", "--set", "training.examplesPerStep=2", "--set",
                "training.microBatchExamples=2", "--output", run.toString());
        assertThat(train.exitCode()).as(train.err()).isZero();
        Path checkpoint = run.resolve("checkpoints/step-000001");
        Path export = root.resolve("export");
        CliRun exported = CliRun.of("export-onnx", "--model", checkpoint.toString(), "--output", export.toString());
        assertThat(exported.exitCode()).as(exported.err()).isZero();
        CliRun djl = CliRun.of("generate", "--backend", "djl-pytorch", "--model", checkpoint.toString(), "--prompt",
                "12+", "--max-tokens", "4", "--greedy-thoughts");
        CliRun onnx = CliRun.of("generate", "--model", export.toString(), "--prompt", "12+", "--max-tokens", "4",
                "--greedy-thoughts");
        assertThat(djl.exitCode()).as(djl.err()).isZero();
        assertThat(onnx.exitCode()).as(onnx.err()).isZero();
        assertThat(djl.out()).startsWith("12+");
        assertThat(onnx.out()).startsWith("12+"); // the same numbers are OnnxParityTest's business
    }
}
