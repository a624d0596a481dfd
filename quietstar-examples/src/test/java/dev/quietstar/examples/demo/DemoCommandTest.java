package dev.quietstar.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quietstar.examples.cli.QuietStarCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Smoke test of the main job: the whole pipeline at --quick sizes (asserts the pipeline, not the numbers). */
class DemoCommandTest {

    @TempDir
    Path dir;

    @Test
    void quickDemoRunsThePipelineAndWritesItsResults() throws Exception {
        StringWriter out = new StringWriter();
        CommandLine cl = QuietStarCommand.commandLine();
        cl.setOut(new PrintWriter(out));
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        int code = cl.execute("demo", "--quick", "--output", dir.toString());
        assertThat(code).as("exit code; stderr: %s", err).isZero();
        String printed = out.toString();
        assertThat(printed).contains("output folder " + dir).contains("| model | thinking | answer NLL |")
                .contains("control, equal steps").contains("control, equal wall time")
                .contains("thinking once at answer start").contains("constant thought")
                .contains("thought of another problem").contains("true worked solution as thought")
                .contains("## Headline: thinking once before the answer").contains("## Thought quality over training");

        JsonNode results = new ObjectMapper().readTree(dir.resolve("results.json").toFile()).get("result");
        DemoPlan plan = DemoPlan.quick();
        // base, two controls (thinking off) + the Quiet-STaR model: off, every token, once (dropped), and thinking
        // once with the thought kept from five sources (sampled, greedy, constant, shuffled, oracle)
        assertThat(results.get("rows")).hasSize(3 + 3 + 5);
        for (JsonNode row : results.get("rows")) {
            assertThat(row.get("examples").asInt()).isEqualTo(plan.heldOutProblems());
            assertThat(row.get("perExample")).hasSize(plan.heldOutProblems());
            double p = row.get("answerProbability").asDouble();
            assertThat(p).isBetween(0.0, 1.0);
        }
        assertThat(results.get("phases")).hasSize(3);
        assertThat(results.get("phases").get(0).get("steps").asInt()).isEqualTo(plan.quietStarSteps());
        assertThat(results.get("thinking").get("tokens").asInt()).isPositive();
        // paired comparisons: 4 against the references, 4 between thought sources
        assertThat(results.get("comparisons")).hasSize(8);
        for (JsonNode c : results.get("comparisons")) {
            assertThat(c.get("problems").asInt()).isEqualTo(plan.heldOutProblems());
            assertThat(c.get("standardError").asDouble()).isGreaterThanOrEqualTo(0.0);
        }
        JsonNode verdict = results.get("verdict");
        assertThat(verdict.get("headlineNll").asDouble()).isPositive();
        assertThat(verdict.has("met")).isTrue();
        // the quality curve: step 0 and every checkpoint (every qualityEvery steps)
        JsonNode quality = results.get("quality");
        assertThat(quality).hasSize(1 + plan.quietStarSteps() / plan.qualityEvery());
        assertThat(quality.get(0).get("step").asInt()).isZero();
        for (JsonNode q : quality) {
            assertThat(q.get("sampledExact").asDouble()).isBetween(0.0, 1.0);
            assertThat(q.get("sampledColumns")).hasSize(4);
        }
        assertThat(results.get("samples")).isNotEmpty();
        assertThat(results.get("samples").get(0).get("workedSolution").asText()).hasSize(8);
        assertThat(Files.readString(dir.resolve("results.md"))).contains("## Training phases");
        String html = Files.readString(dir.resolve("report.html"));
        assertThat(html).contains("<span class=\"tok").contains("<svg").contains("Thought quality over training");
        assertThat(dir.resolve("quality.svg")).isRegularFile();
        assertThat(dir.resolve("data/heldout.jsonl")).isRegularFile();
        assertThat(dir.resolve("quietstar-n8/metrics.jsonl")).isRegularFile();
        assertThat(dir.resolve("quietstar-n8/checkpoints/step-000006/model.safetensors")).isRegularFile();
        assertThat(dir.resolve("base/model.safetensors")).isRegularFile();
    }
}
