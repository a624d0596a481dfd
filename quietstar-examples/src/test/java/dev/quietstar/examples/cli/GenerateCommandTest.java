package dev.quietstar.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quietstar.api.GenerationOptions;
import dev.quietstar.api.ThinkingPolicy;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.core.text.ByteTokenizer;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.infer.DjlReasoner;
import dev.quietstar.djl.model.CausalDecoder;
import dev.quietstar.djl.model.DecoderConfig;
import dev.quietstar.djl.thought.QuietStarModel;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenerateCommandTest {

    @TempDir
    static Path dir;
    private static Path checkpoint;

    @BeforeAll
    static void saveTinyCheckpoint() throws Exception {
        DjlEngines.pytorch();
        checkpoint = dir.resolve("tiny");
        CausalDecoder d = CausalDecoder.random(DecoderConfig.gpt2(ByteTokenizer.VOCAB_SIZE, 32, 2, 4, 128),
                Device.cpu(), 7);
        try (QuietStarModel model = QuietStarModel.create(d, ByteTokenizer.instance(),
                QuietStarConfig.official().withShape(2, 2, 1, 32), 7)) {
            model.save(checkpoint, null);
        }
    }

    @Test
    void printsTheGeneratedText() {
        CliRun r = CliRun.of("generate", "--model", checkpoint.toString(), "--prompt", "Hi", "--max-tokens", "6",
                "--no-think");
        assertThat(r.exitCode()).as(r.err()).isEqualTo(0);
        try (DjlReasoner reasoner = DjlReasoner.open(checkpoint, Device.cpu())) {
            String expected = reasoner.generate("Hi", GenerationOptions.defaults(6)
                    .withThinking(ThinkingPolicy.never())).text();
            assertThat(r.out()).as("the prompt, then its continuation").isEqualTo("Hi" + expected + System.lineSeparator());
        }
    }

    @Test
    void theDeviceIsChosenExplicitlyAndAnAbsentGpuIsRefusedOnEveryBackend() {
        CliRun cpu = CliRun.of("generate", "--model", checkpoint.toString(), "--prompt", "Hi", "--max-tokens", "3",
                "--no-think", "--device", "cpu");
        assertThat(cpu.exitCode()).as(cpu.err()).isEqualTo(0);
        assertThat(cpu.out()).isEqualTo(CliRun.of("generate", "--model", checkpoint.toString(), "--prompt", "Hi",
                "--max-tokens", "3", "--no-think").out());
        // This machine has no GPU: both engines say so instead of running on the CPU behind the user's back.
        for (String backend : new String[] {"djl-pytorch", "onnxruntime"}) {
            CliRun gpu = CliRun.of("generate", "--backend", backend, "--model", checkpoint.toString(), "--prompt",
                    "Hi", "--max-tokens", "3", "--device", "gpu");
            org.junit.jupiter.api.Assumptions.assumeTrue(gpu.exitCode() != 0, "a GPU is present here");
            assertThat(gpu.err()).as(backend).contains("gpu:0 is not available");
        }
        CliRun bad = CliRun.of("generate", "--model", checkpoint.toString(), "--prompt", "Hi", "--device", "tpu");
        assertThat(bad.exitCode()).isNotZero();
        assertThat(bad.err()).contains("unknown device 'tpu'; use cpu, gpu or gpu:N");
    }

    @Test
    void jsonCarriesATracePerToken() throws Exception {
        CliRun r = CliRun.of("generate", "--model", checkpoint.toString(), "--prompt", "Hi", "--max-tokens", "5",
                "--json", "--seed", "3");
        assertThat(r.exitCode()).as(r.err()).isEqualTo(0);
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertThat(json.get("prompt").asText()).isEqualTo("Hi");
        assertThat(json.get("traces")).hasSize(json.get("tokenIds").size());
        assertThat(json.get("traces").get(0).get("thoughtIds")).hasSize(2);
        assertThat(json.get("traces").get(0).has("mixingWeight")).isTrue();
    }

    @Test
    void showThoughtsPrintsATableWithoutColourWhenPiped() {
        CliRun r = CliRun.of("generate", "--model", checkpoint.toString(), "--prompt", "Q: A: ", "--max-tokens", "4",
                "--show-thoughts", "--think-after", "A: ");
        assertThat(r.exitCode()).as(r.err()).isEqualTo(0);
        assertThat(r.out()).contains("THOUGHT").contains("P(BASE)").doesNotContain("\u001b[");
        String[] lines = r.out().split("\\R");
        assertThat(lines[1]).as("the first token follows the trigger, so it has a thought").contains("<'");
        assertThat(r.out()).contains("stopped: max_tokens");
    }

    @Test
    void badInputGivesAClearErrorAndExitCodeOne() {
        CliRun missing = CliRun.of("generate", "--model", dir.resolve("nope").toString(), "--prompt", "x");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("error: --model").contains("is not a folder");
        CliRun empty = CliRun.of("generate", "--model", checkpoint.toString(), "--prompt", "");
        assertThat(empty.exitCode()).isEqualTo(1);
        assertThat(empty.err()).contains("prompt is empty");
        CliRun zero = CliRun.of("generate", "--model", checkpoint.toString(), "--prompt", "x", "--max-tokens", "0");
        assertThat(zero.exitCode()).isEqualTo(1);
        assertThat(zero.err()).contains("maxNewTokens must be > 0");
        CliRun both = CliRun.of("generate", "--model", checkpoint.toString(), "--prompt", "x", "--no-think",
                "--think-after", "A:");
        assertThat(both.err()).contains("contradict");
    }
}
