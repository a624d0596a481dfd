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
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

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

    /** Runs the command line in-process. */
    private static String[] run(String... args) {
        CommandLine cl = QuietStarCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new String[] {String.valueOf(code), out.toString(), err.toString()};
    }

    @Test
    void printsTheGeneratedText() {
        String[] r = run("generate", "--model", checkpoint.toString(), "--prompt", "Hi", "--max-tokens", "6",
                "--no-think");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        try (DjlReasoner reasoner = DjlReasoner.open(checkpoint, Device.cpu())) {
            String expected = reasoner.generate("Hi", GenerationOptions.defaults(6)
                    .withThinking(ThinkingPolicy.never())).text();
            assertThat(r[1]).as("the prompt, then its continuation").isEqualTo("Hi" + expected + System.lineSeparator());
        }
    }

    @Test
    void jsonCarriesATracePerToken() throws Exception {
        String[] r = run("generate", "--model", checkpoint.toString(), "--prompt", "Hi", "--max-tokens", "5",
                "--json", "--seed", "3");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        JsonNode json = new ObjectMapper().readTree(r[1]);
        assertThat(json.get("prompt").asText()).isEqualTo("Hi");
        assertThat(json.get("traces")).hasSize(json.get("tokenIds").size());
        assertThat(json.get("traces").get(0).get("thoughtIds")).hasSize(2);
        assertThat(json.get("traces").get(0).has("mixingWeight")).isTrue();
    }

    @Test
    void showThoughtsPrintsATableWithoutColourWhenPiped() {
        String[] r = run("generate", "--model", checkpoint.toString(), "--prompt", "Q: A: ", "--max-tokens", "4",
                "--show-thoughts", "--think-after", "A: ");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        assertThat(r[1]).contains("THOUGHT").contains("P(BASE)").doesNotContain("\u001b[");
        String[] lines = r[1].split("\\R");
        assertThat(lines[1]).as("the first token follows the trigger, so it has a thought").contains("<'");
        assertThat(r[1]).contains("stopped: max_tokens");
    }

    @Test
    void badInputGivesAClearErrorAndExitCodeOne() {
        String[] missing = run("generate", "--model", dir.resolve("nope").toString(), "--prompt", "x");
        assertThat(missing[0]).isEqualTo("1");
        assertThat(missing[2]).contains("error: --model").contains("is not a folder");
        String[] empty = run("generate", "--model", checkpoint.toString(), "--prompt", "");
        assertThat(empty[0]).isEqualTo("1");
        assertThat(empty[2]).contains("prompt is empty");
        String[] zero = run("generate", "--model", checkpoint.toString(), "--prompt", "x", "--max-tokens", "0");
        assertThat(zero[0]).isEqualTo("1");
        assertThat(zero[2]).contains("maxNewTokens must be > 0");
        String[] both = run("generate", "--model", checkpoint.toString(), "--prompt", "x", "--no-think",
                "--think-after", "A:");
        assertThat(both[2]).contains("contradict");
    }
}
