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
                .contains("thinking once at answer start").contains("constant thought");

        JsonNode results = new ObjectMapper().readTree(dir.resolve("results.json").toFile()).get("result");
        DemoPlan plan = DemoPlan.quick();
        // base, two controls (thinking off) + the Quiet-STaR model under seven settings
        assertThat(results.get("rows")).hasSize(3 + 7);
        for (JsonNode row : results.get("rows")) {
            assertThat(row.get("examples").asInt()).isEqualTo(plan.heldOutProblems());
            assertThat(row.get("perExample")).hasSize(plan.heldOutProblems());
            double p = row.get("answerProbability").asDouble();
            assertThat(p).isBetween(0.0, 1.0);
        }
        assertThat(results.get("phases")).hasSize(3);
        assertThat(results.get("phases").get(0).get("steps").asInt()).isEqualTo(plan.quietStarSteps());
        assertThat(results.get("thinking").get("tokens").asInt()).isPositive();
        assertThat(Files.readString(dir.resolve("results.md"))).contains("## Training phases");
        String html = Files.readString(dir.resolve("report.html"));
        assertThat(html).contains("<span class=\"tok").contains("<svg");
        assertThat(dir.resolve("quietstar-n4/metrics.jsonl")).isRegularFile();
        assertThat(dir.resolve("quietstar-n4/checkpoints/step-000006/model.safetensors")).isRegularFile();
        assertThat(dir.resolve("base/model.safetensors")).isRegularFile();
    }
}
