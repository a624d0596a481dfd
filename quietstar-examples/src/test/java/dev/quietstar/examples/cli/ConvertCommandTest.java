package dev.quietstar.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quietstar.core.llama2c.Llama2cReference;
import dev.quietstar.core.llama2c.Stories260K;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code convert llama2c} and the plain-model modes of {@code generate} and {@code report} on stories260K. */
class ConvertCommandTest {

    @TempDir
    static Path dir;
    private static Path converted;

    @BeforeAll
    static void convert() {
        converted = dir.resolve("s260");
        CliRun r = CliRun.of("convert", "llama2c", "--weights", Stories260K.weights().toString(), "--tokenizer",
                Stories260K.tokenizer().toString(), "--output", converted.toString());
        assertThat(r.exitCode()).as(r.err()).isEqualTo(0);
        assertThat(r.out()).contains("8 query / 4 key-value heads");
    }

    @Test
    void generateOnTheConvertedFolderPrintsLlama2csGreedyText() throws Exception {
        CliRun r = CliRun.of("generate", "--model-hf", converted.toString(), "--prompt", Stories260K.PROMPT,
                "--no-think", "--max-tokens", "40");
        assertThat(r.exitCode()).as(r.err()).isEqualTo(0);
        // llama2.c's C runtime with the prompt and 40 generated tokens (the README's text is its first part).
        Llama2cReference ref = Llama2cReference.load(Stories260K.weights(), Stories260K.tokenizer());
        int promptTokens = ref.encode(Stories260K.PROMPT, true).size();
        String expected = ref.generateGreedy(Stories260K.PROMPT, promptTokens + 40 - 1).text();
        assertThat(r.out()).isEqualTo(expected + System.lineSeparator());
        assertThat(Stories260K.GREEDY_TEXT).startsWith(expected);
        assertThat(expected).endsWith("red ball.");
    }

    @Test
    void theOnnxBackendRunsTheRealModelWithItsHuggingFaceTokenizer() throws Exception {
        Path ckpt = dir.resolve("s260-checkpoint");
        try (var model = dev.quietstar.djl.train.DjlTrainerFactory.openModel(
                new dev.quietstar.api.ModelSource.HuggingFace(converted),
                dev.quietstar.api.config.QuietStarConfig.official(), ai.djl.Device.cpu())) {
            model.save(ckpt, null);
        }
        CliRun djl = CliRun.of("generate", "--backend", "djl-pytorch", "--model", ckpt.toString(), "--prompt",
                Stories260K.PROMPT, "--no-think", "--max-tokens", "30");
        CliRun onnx = CliRun.of("generate", "--backend", "onnxruntime", "--model", ckpt.toString(), "--prompt",
                Stories260K.PROMPT, "--no-think", "--max-tokens", "30");
        assertThat(djl.exitCode()).as(djl.err()).isEqualTo(0);
        assertThat(onnx.exitCode()).as(onnx.err()).isEqualTo(0);
        assertThat(onnx.out()).isEqualTo(djl.out()).startsWith("Once upon a time, there was a little girl");
    }

    @Test
    void aPlainModelDoesNotThinkUnlessAsked() {
        CliRun r = CliRun.of("generate", "--model-hf", converted.toString(), "--prompt", Stories260K.PROMPT,
                "--max-tokens", "5", "--show-thoughts");
        assertThat(r.exitCode()).as(r.err()).isEqualTo(0);
        assertThat(r.out()).doesNotContain("<'").contains("stopped: max_tokens");
    }

    @Test
    void reportScoresAPlainModel() throws Exception {
        Path html = dir.resolve("report.html");
        CliRun r = CliRun.of("report", "--model-hf", converted.toString(), "--text", Stories260K.GREEDY_TEXT,
                "--output", html.toString());
        assertThat(r.exitCode()).as(r.err()).isEqualTo(0);
        assertThat(Files.readString(html)).contains("Lily");
    }

    @Test
    void evalOfAPlainModelRunsTheThinkingOffSettingOnly() throws Exception {
        Path data = Files.writeString(dir.resolve("q.jsonl"),
                "{\"question\": \"Tom had 2 apples and got 3 more. How many?\", \"answer\": \"2+3=5\\n#### 5\"}\n"
                        + "{\"question\": \"Lily saw 4 birds, then 1 flew away. How many?\", \"answer\": \"#### 3\"}\n");
        Path outDir = dir.resolve("eval");
        CliRun r = CliRun.of("eval", "--model-hf", converted.toString(), "--data", data.toString(), "--no-generate",
                "--output", outDir.toString());
        assertThat(r.exitCode()).as(r.err()).isEqualTo(0);
        String summary = Files.readString(outDir.resolve("summary.md"));
        assertThat(summary).contains("thinking off").doesNotContain("every token");
    }

    @Test
    void badFilesGetAClearErrorAndNoStackTrace() throws Exception {
        Path cut = dir.resolve("cut.bin");
        Files.write(cut, Arrays.copyOf(Files.readAllBytes(Stories260K.weights()), 5000));
        CliRun r = CliRun.of("convert", "llama2c", "--weights", cut.toString(), "--tokenizer",
                Stories260K.tokenizer().toString(), "--output", dir.resolve("out1").toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("error: llama2.c weight file").contains("truncated").doesNotContain("\tat ");
        assertThat(dir.resolve("out1")).doesNotExist();

        CliRun again = CliRun.of("convert", "llama2c", "--weights", Stories260K.weights().toString(), "--tokenizer",
                Stories260K.tokenizer().toString(), "--output", converted.toString());
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.err()).contains("already exists");

        CliRun both = CliRun.of("generate", "--model-hf", converted.toString(), "--model", converted.toString(),
                "--prompt", "x");
        assertThat(both.exitCode()).isEqualTo(2);
        assertThat(both.err()).contains("mutually exclusive");

        CliRun none = CliRun.of("convert");
        assertThat(none.exitCode()).isNotEqualTo(0);
        assertThat(none.err()).contains("llama2c");
    }
}
