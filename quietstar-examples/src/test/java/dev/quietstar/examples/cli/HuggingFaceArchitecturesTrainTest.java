package dev.quietstar.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quietstar.api.GenerationOptions;
import dev.quietstar.api.GenerationResult;
import dev.quietstar.core.testing.TinyHfFolders;
import dev.quietstar.djl.infer.DjlReasoner;
import dev.quietstar.onnx.infer.OnnxReasoner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Quiet-STaR on the architectures added for "any causal LM", end to end as a user runs it: {@code quietstar train
 * --model-hf} on a tiny random HuggingFace folder of the type for a few steps, then the trained checkpoint generates
 * with a thought before every token on both backends, token for token the same.
 */
class HuggingFaceArchitecturesTrainTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"qwen3", "qwen3-biased", "phi3", "phi3-partial"})
    void aFewTrainingStepsOnAHuggingFaceFolderThenThinkingGenerationAgreesOnBothBackends(String arch)
            throws Exception {
        Path hf = TinyHfFolders.write(dir.resolve(arch), arch, 17);
        TinyHfFolders.writeWordTokenizer(hf);
        Path out = dir.resolve("run");
        List<String> args = TrainCommandTest.tinyRun(TrainCommandTest.data(dir), out, 3, "--model-hf",
                hf.toString());
        args.addAll(List.of("--preset", "small-model"));
        CliRun r = TrainCommandTest.run(args);
        assertThat(r.exitCode()).as(r.err()).isZero();
        Path ckpt = out.resolve("checkpoints/step-000003");
        assertThat(r.out()).contains("final checkpoint: " + ckpt);
        List<String> metrics = Files.readAllLines(out.resolve("metrics.jsonl"));
        assertThat(metrics).hasSize(3);
        ObjectMapper json = new ObjectMapper();
        for (String line : metrics) {
            JsonNode m = json.readTree(line);
            assertThat(line).doesNotContain("NaN").doesNotContain("Infinity");
            assertThat(m.toString()).contains("loss");
        }
        assertThat(json.readTree(ckpt.resolve("config.json").toFile()).get("model_type").asText())
                .isEqualTo(arch.substring(0, arch.indexOf('-') < 0 ? arch.length() : arch.indexOf('-')));

        GenerationOptions options = GenerationOptions.defaults(8);
        try (DjlReasoner djl = DjlReasoner.open(ckpt, Device.cpu());
                OnnxReasoner onnx = OnnxReasoner.openCheckpoint(ckpt,
                        dev.quietstar.onnx.infer.OnnxRuntimeSettings.defaults())) {
            for (String prompt : List.of("the cat sat", "12 + 34 =", "Quiet thoughts")) {
                GenerationResult a = djl.generate(prompt, options);
                GenerationResult b = onnx.generate(prompt, options);
                assertThat(a.traces()).isNotEmpty();
                assertThat(b.tokenIds()).as("tokens after '%s'", prompt).isEqualTo(a.tokenIds());
                for (int t = 0; t < a.traces().size(); t++) {
                    assertThat(b.traces().get(t).thoughtIds()).isEqualTo(a.traces().get(t).thoughtIds());
                }
            }
        }
    }
}
