package dev.quietstar.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quietstar.api.StepMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsJsonlWriterTest {

    @TempDir
    Path dir;

    private static StepMetrics metrics(int step, double reward) {
        return new StepMetrics(step, 2.5, 2.4, -0.1, 2.3, 2.2, 2.31, 2.21, reward, 0.05, 1e-6, 0.8, 1500.0, 18000.0);
    }

    @Test
    void roundTripsEveryField() throws IOException {
        Path file = dir.resolve("run").resolve("metrics.jsonl");
        List<StepMetrics> written = List.of(metrics(1, 0.01), metrics(2, -0.02),
                new StepMetrics(3, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13));
        try (MetricsJsonlWriter w = new MetricsJsonlWriter(file)) {
            written.forEach(w::onStep);
        }
        assertThat(MetricsJsonlWriter.read(file)).containsExactlyElementsOf(written);
        assertThat(Files.readAllLines(file)).hasSize(3);
    }

    @Test
    void writesSnakeCaseKeysInOrderAndFlushesEachLine() throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        try (MetricsJsonlWriter w = new MetricsJsonlWriter(file)) {
            w.onStep(metrics(7, 0.5));
            // Visible before close: each line is flushed.
            List<String> lines = Files.readAllLines(file);
            assertThat(lines).hasSize(1);
            JsonNode node = new ObjectMapper().readTree(lines.get(0));
            List<String> keys = new ArrayList<>();
            node.fieldNames().forEachRemaining(keys::add);
            assertThat(keys).containsExactlyElementsOf(MetricsJsonlWriter.KEYS);
            assertThat(node.get("step").asInt()).isEqualTo(7);
            assertThat(node.get("mean_reward").asDouble()).isEqualTo(0.5);
            assertThat(node.get("thought_tokens_per_second").asDouble()).isEqualTo(18000.0);
        }
    }

    @Test
    void nonFiniteValuesAreNullAndReadBackAsNaN() throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        StepMetrics m = new StepMetrics(4, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1, 1, 1,
                1, 1, 1, 1, 1, 1, 1);
        try (MetricsJsonlWriter w = new MetricsJsonlWriter(file)) {
            w.onStep(m);
        }
        String line = Files.readString(file);
        assertThat(line).contains("\"total_loss\":null", "\"nll_loss\":null", "\"policy_loss\":null")
                .doesNotContain("NaN", "Infinity");
        StepMetrics read = MetricsJsonlWriter.read(file).get(0);
        assertThat(read.totalLoss()).isNaN();
        assertThat(read.nllLoss()).isNaN();
        assertThat(read.policyLoss()).isNaN();
        assertThat(read.baseNll()).isEqualTo(1.0);
    }

    @Test
    void appendsToAnExistingFile() throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        try (MetricsJsonlWriter w = new MetricsJsonlWriter(file)) {
            w.onStep(metrics(1, 0));
        }
        try (MetricsJsonlWriter w = new MetricsJsonlWriter(file)) {
            w.onStep(metrics(2, 0));
        }
        assertThat(MetricsJsonlWriter.read(file)).extracting(StepMetrics::step).containsExactly(1, 2);
    }

    @Test
    void malformedLinesAreNamed() throws IOException {
        Path file = dir.resolve("bad.jsonl");
        Files.writeString(file, MetricsJsonlWriter.toJson(metrics(1, 0)) + "\n\n{\"total_loss\": 1}\n");
        assertThatThrownBy(() -> MetricsJsonlWriter.read(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("line 3")
                .hasMessageContaining("\"step\"");
        Files.writeString(file, "{oops\n");
        assertThatThrownBy(() -> MetricsJsonlWriter.read(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("malformed JSON")
                .hasMessageContaining("line 1");
    }

    @Test
    void truncateAfterKeepsTheCompleteLinesUpToAStepAndDropsTheRest() throws IOException {
        Path f = dir.resolve("cut.jsonl");
        String l1 = "{\"step\":1,\"total_loss\":2.0}";
        String l2 = "{\"step\":2,\"total_loss\":1.5}";
        String l3 = "{\"step\":3,\"total_loss\":1.0}";
        Files.writeString(f, l1 + "\n" + l2 + "\n" + l3 + "\n{\"step\":4,\"tot");
        assertThat(MetricsJsonlWriter.truncateAfter(f, 2)).isEqualTo(2);
        assertThat(Files.readString(f)).isEqualTo(l1 + "\n" + l2 + "\n");
        assertThat(MetricsJsonlWriter.truncateAfter(f, 2)).isZero();
        assertThat(MetricsJsonlWriter.read(f)).extracting(StepMetrics::step).containsExactly(1, 2);
        assertThat(MetricsJsonlWriter.truncateAfter(f, 0)).isEqualTo(2);
        assertThat(Files.readString(f)).isEmpty();
        assertThat(MetricsJsonlWriter.truncateAfter(dir.resolve("missing.jsonl"), 3)).isZero();
        assertThat(dir.resolve("missing.jsonl")).doesNotExist();
    }
}
