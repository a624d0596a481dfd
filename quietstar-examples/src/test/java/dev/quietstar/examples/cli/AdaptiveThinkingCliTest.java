package dev.quietstar.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quietstar.core.gate.ThinkingGate;
import dev.quietstar.examples.TinyCheckpoints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --think adaptive[:threshold]} in generate and eval, and the adaptive-curve command, end to end. */
class AdaptiveThinkingCliTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    private static Path gated;
    private static Path plain;
    private static Path questions;
    private static Path stories;

    @BeforeAll
    static void setUp() throws Exception {
        plain = TinyCheckpoints.save(dir.resolve("plain"), 5);
        gated = TinyCheckpoints.save(dir.resolve("gated"), 5);
        SplittableRandom rng = new SplittableRandom(3);
        float[] w = new float[32 + ThinkingGate.DISTRIBUTION_FEATURES];
        for (int k = 0; k < w.length; k++) {
            w[k] = (float) rng.nextGaussian();
        }
        new ThinkingGate(32, w, 0f, 0, Double.NaN, Double.NaN).write(gated);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            lines.add(JSON.writeValueAsString(java.util.Map.of("question", "What is " + i + " plus 2?",
                    "answer", "#### " + (i + 2))));
        }
        questions = Files.write(dir.resolve("q.jsonl"), lines);
        lines = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            lines.add(JSON.writeValueAsString(java.util.Map.of("text", "Once upon a time a cat saw " + i
                    + " birds.")));
        }
        stories = Files.write(dir.resolve("stories.jsonl"), lines);
    }

    @Test
    void generateThinksAdaptivelyAndTheLimitsMatchEveryAndNever() throws Exception {
        CliRun always = CliRun.of("generate", "--model", gated.toString(), "--prompt", "ab", "--max-tokens", "4",
                "--json", "--think", "adaptive:-inf");
        assertThat(always.exitCode()).as(always.err()).isZero();
        CliRun every = CliRun.of("generate", "--model", gated.toString(), "--prompt", "ab", "--max-tokens", "4",
                "--json");
        assertThat(JSON.readTree(always.out()).get("tokenIds")).isEqualTo(JSON.readTree(every.out()).get("tokenIds"));
        for (JsonNode t : JSON.readTree(always.out()).get("traces")) {
            assertThat(t.get("thoughtIds")).isNotEmpty();
        }
        CliRun none = CliRun.of("generate", "--model", gated.toString(), "--prompt", "ab", "--max-tokens", "4",
                "--json", "--think", "adaptive:inf");
        assertThat(none.exitCode()).as(none.err()).isZero();
        for (JsonNode t : JSON.readTree(none.out()).get("traces")) {
            assertThat(t.get("thoughtIds")).isEmpty();
        }
    }

    @Test
    void badThinkOptionsAndAMissingGateGetClearErrors() {
        CliRun malformed = CliRun.of("generate", "--model", gated.toString(), "--prompt", "ab", "--think",
                "adaptive:x");
        assertThat(malformed.exitCode()).isNotZero();
        assertThat(malformed.err()).contains("adaptive thinking threshold").contains("'x'");
        CliRun nan = CliRun.of("eval", "--model", gated.toString(), "--data", questions.toString(), "--think",
                "adaptive:NaN", "--output", dir.resolve("nan").toString());
        assertThat(nan.exitCode()).isNotZero();
        assertThat(nan.err()).contains("NaN");
        CliRun both = CliRun.of("generate", "--model", gated.toString(), "--prompt", "ab", "--think", "every",
                "--no-think");
        assertThat(both.exitCode()).isNotZero();
        assertThat(both.err()).contains("contradict");
        CliRun missing = CliRun.of("generate", "--model", plain.toString(), "--prompt", "ab", "--think",
                "adaptive");
        assertThat(missing.exitCode()).isNotZero();
        assertThat(missing.err()).contains(ThinkingGate.FILE).contains("gate.enabled");
        CliRun curve = CliRun.of("adaptive-curve", "--checkpoint", plain.toString(), "--data", questions.toString(),
                "--output", dir.resolve("no-gate").toString());
        assertThat(curve.exitCode()).isNotZero();
        assertThat(curve.err()).contains(ThinkingGate.FILE);
    }

    @Test
    void evalUsesTheAdaptivePolicy() throws Exception {
        Path out = dir.resolve("eval");
        CliRun run = CliRun.of("eval", "--model", gated.toString(), "--data", questions.toString(), "--think",
                "adaptive:0.5", "--no-generate", "--output", out.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(Files.readString(out.resolve("summary.md"))).contains("thinking adaptive (gain > 0.5)");
        JsonNode settings = JSON.readTree(out.resolve("details.json").toFile()).get("settings");
        assertThat(settings).hasSize(1);
    }

    @Test
    void theCurveCommandWritesJsonMarkdownAndChartsForQuestionsAndTexts() throws Exception {
        Path out = dir.resolve("curve");
        CliRun run = CliRun.of("adaptive-curve", "--checkpoint", gated.toString(), "--data", questions.toString(),
                "--thresholds", "1.0,0,-1", "--output", out.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode curve = JSON.readTree(out.resolve("curve.json").toFile());
        assertThat(curve.get("task").asText()).isEqualTo("answers");
        assertThat(curve.get("references")).hasSize(3);
        assertThat(curve.get("adaptive")).hasSize(3);
        double previous = -1;
        for (JsonNode p : curve.get("adaptive")) {
            double share = p.get("thinkFraction").asDouble();
            assertThat(share).as("a lower threshold thinks at least as often").isGreaterThanOrEqualTo(previous);
            assertThat(p.get("thoughtTokensPerToken").asDouble()).isEqualTo(share * 4); // thoughtLength 2 + 2
            previous = share;
        }
        assertThat(curve.get("references").get(0).get("thinkFraction").asDouble()).isEqualTo(1.0);
        assertThat(curve.get("references").get(2).get("thinkFraction").asDouble()).isEqualTo(0.0);
        assertThat(curve.has("goalMet")).isTrue();
        assertThat(Files.readString(out.resolve("curve.md"))).contains("| always |").contains("| adaptive |");
        assertThat(Files.readString(out.resolve("adaptive-curve-nll.svg"))).startsWith("<svg");
        assertThat(out.resolve("adaptive-curve-exact-match.svg")).exists();

        Path html = dir.resolve("report.html");
        CliRun report = CliRun.of("report", "--model", gated.toString(), "--text", "Hello there", "--adaptive-curve",
                out.resolve("curve.json").toString(), "--output", html.toString());
        assertThat(report.exitCode()).as(report.err()).isZero();
        String page = Files.readString(html);
        assertThat(page).contains("<h2>Adaptive thinking: paired NLL vs thought tokens</h2>")
                .contains("exact match vs thought tokens").contains(curve.get("verdict").asText().substring(0, 12));
        CliRun bad = CliRun.of("report", "--model", gated.toString(), "--text", "Hello there", "--adaptive-curve",
                questions.toString(), "--output", dir.resolve("bad.html").toString());
        assertThat(bad.exitCode()).isNotZero();
        assertThat(bad.err()).contains("not a curve.json");

        Path text = dir.resolve("curve-text");
        CliRun t = CliRun.of("adaptive-curve", "--checkpoint", gated.toString(), "--data", stories.toString(),
                "--output", text.toString());
        assertThat(t.exitCode()).as(t.err()).isZero();
        JsonNode tc = JSON.readTree(text.resolve("curve.json").toFile());
        assertThat(tc.get("task").asText()).isEqualTo("text");
        assertThat(tc.get("references").get(0).get("exactMatch").isNull()).isTrue();
        assertThat(tc.get("adaptive").size()).isGreaterThan(1);
        assertThat(text.resolve("adaptive-curve-exact-match.svg")).doesNotExist();
    }
}
