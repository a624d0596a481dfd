package dev.quietstar.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

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

/** The real-model demo at --quick sizes (asserts the pipeline and the arithmetic of its table, not the gains). */
class StoriesDemoTest {

    @TempDir
    Path dir;

    @Test
    void quickStoriesDemoTrainsAllRunsAndWritesTheTable() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = QuietStarCommand.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute("demo", "--model", "stories260K", "--quick", "--output", dir.toString());
        assertThat(code).as("exit code; stderr: %s", err).isZero();
        assertThat(out.toString()).contains("8/4 heads").contains("| setting | NLL / token | hardest-decile NLL")
                .contains("THOUGHT").contains("Once upon a time");
        JsonNode r = new ObjectMapper().readTree(dir.resolve("results.json").toFile());
        StoriesDemo.Plan plan = StoriesDemo.Plan.quick();
        assertThat(r.get("heldOutStories").asInt()).isEqualTo(plan.heldOutStories());
        assertThat(r.get("rows")).hasSize(6);
        for (JsonNode row : r.get("rows")) {
            double hardest = row.get("hardestDecileNll").asDouble();
            assertThat(Double.isFinite(hardest) && hardest > 0).as(row.get("setting").asText() + ": " + hardest)
                    .isTrue();
            assertThat(row.get("nll").asDouble()).isPositive();
        }
        // The untouched base model's hardest decile is, by its definition, at or above the threshold.
        assertThat(r.get("rows").get(0).get("hardestDecileNll").asDouble())
                .isGreaterThanOrEqualTo(r.get("hardestDecileThreshold").asDouble());
        assertThat(r.get("equalTimeControlSteps").asInt()).isGreaterThanOrEqualTo(plan.steps());
        assertThat(Files.readAllLines(dir.resolve("stories-heldout.jsonl"))).hasSize(plan.heldOutStories());
        assertThat(dir.resolve("stories260K-hf/tokenizer.json")).isRegularFile();
    }

    @Test
    void givenStoriesMustLeaveSomethingToTrainOn() throws Exception {
        Path data = Files.writeString(dir.resolve("few.jsonl"), "{\"text\": \"Tom ran.\"}\n{\"text\": \"Sue sat.\"}\n");
        StringWriter err = new StringWriter();
        CommandLine cl = QuietStarCommand.commandLine();
        cl.setOut(new PrintWriter(new StringWriter()));
        cl.setErr(new PrintWriter(err, true));
        assertThat(cl.execute("demo", "--model", "stories260K", "--quick", "--data", data.toString(), "--output",
                dir.resolve("o").toString())).isEqualTo(1);
        assertThat(err.toString()).contains("holds 2 documents").contains("holds out the last 6");
        assertThat(cl.execute("demo", "--data", data.toString())).isEqualTo(1);
        assertThat(err.toString()).contains("--data is for --model stories260K");
    }

    @Test
    void storiesEndAtTheDocumentStartAndTheLastSentence() {
        assertThat(StoriesDemo.tidy("Tom ran home. He was happy<s> Once")).isEqualTo("Tom ran home.");
        assertThat(StoriesDemo.tidy("Tom said \"I am happy.\" and")).isEqualTo("Tom said \"I am happy.\"");
        assertThat(StoriesDemo.tidy("no end here")).isEqualTo("no end here");
    }

    @Test
    void pairedDifferenceIsTheMeanOfPerStoryDifferencesWithItsStandardError() {
        double[][] a = {{1, 3}, {2, 2}, {4, 4}};
        double[][] b = {{1, 1}, {1, 1}, {1, 1}};
        double[] d = StoriesDemo.pairedDifference(a, b); // per story: 1, 1, 3
        assertThat(d[0]).isCloseTo(5.0 / 3, within(1e-12));
        assertThat(d[1]).isCloseTo(Math.sqrt((4.0 / 9 + 4.0 / 9 + 16.0 / 9) / 2 / 3), within(1e-12));
    }
}
