package dev.quietstar.core.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvalSummaryTest {

    @TempDir
    Path dir;

    private static EvalSummary summary() {
        return new EvalSummary("gsm8k | test", List.of(
                new EvalRow("thinking off", 200, 0.055, 1.8234, 0.2125, 152.26),
                new EvalRow("thinking on", 200, 0.073, 1.61, 0.25, Double.NaN)));
    }

    @Test
    void jsonHasOneObjectPerRowAndReadsBack() throws IOException {
        Path f = dir.resolve("out/eval.json");
        summary().writeJson(f);
        JsonNode json = new ObjectMapper().readTree(f.toFile());
        assertThat(json.get("dataset").asText()).isEqualTo("gsm8k | test");
        assertThat(json.get("rows")).hasSize(2);
        JsonNode off = json.get("rows").get(0);
        assertThat(off.get("setting").asText()).isEqualTo("thinking off");
        assertThat(off.get("examples").asInt()).isEqualTo(200);
        assertThat(off.get("exactMatch").asDouble()).isEqualTo(0.055);
        assertThat(off.get("answerNll").asDouble()).isEqualTo(1.8234);
        assertThat(off.get("answerProbability").asDouble()).isEqualTo(0.2125);
        assertThat(off.has("accuracy")).isFalse();
        assertThat(EvalSummary.readJson(f)).isEqualTo(summary());
        try (var files = Files.list(f.getParent())) {
            assertThat(files).containsExactly(f); // no temporary file left behind
        }
    }

    @Test
    void markdownTableShowsEveryRowAndDashesForMissingValues() {
        String md = summary().toMarkdown();
        assertThat(md).startsWith("### gsm8k \\| test\n\n");
        assertThat(md).contains("| setting | examples | exact match | answer NLL (nats/token) | answer probability"
                + " | tokens/s |");
        assertThat(md).contains("| thinking off | 200 | 5.5% | 1.8234 | 0.2125 | 152.3 |");
        assertThat(md).contains("| thinking on | 200 | 7.3% | 1.6100 | 0.2500 | — |");
        assertThat(md.lines().filter(l -> l.startsWith("|")).count()).isEqualTo(4);
        assertThat(md).doesNotContainIgnoringCase("accuracy");
    }

    @Test
    void rowsRejectOutOfRangeValuesNamingTheField() {
        assertThatThrownBy(() -> new EvalRow("x", 1, 1.5, 0, 0, 0)).hasMessageContaining("exactMatch")
                .hasMessageContaining("1.5");
        assertThatThrownBy(() -> new EvalRow("x", 1, 0, -1, 0, 0)).hasMessageContaining("answerNll");
        assertThatThrownBy(() -> new EvalRow("x", 1, 0, 0, 2, 0)).hasMessageContaining("answerProbability");
        assertThatThrownBy(() -> new EvalRow(" ", 1, 0, 0, 0, 0)).hasMessageContaining("setting");
        assertThatThrownBy(() -> new EvalRow("x", -1, 0, 0, 0, 0)).hasMessageContaining("examples");
    }
}
