package dev.quietstar.examples.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import dev.quietstar.api.GenerationOptions;
import dev.quietstar.api.config.ThoughtSampling;
import dev.quietstar.djl.infer.DjlReasoner;
import dev.quietstar.djl.thought.QuietStarModel;
import dev.quietstar.examples.TinyCheckpoints;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The parts of the benchmarks that must be right whatever the timings: baselines, statistics, rendering. */
class BenchmarksTest {

    @TempDir
    Path dir;

    @Test
    void recomputeBaselineGeneratesTheSameTokensAsTheCachedReasoner() throws Exception {
        Path ckpt = TinyCheckpoints.save(dir.resolve("tiny"), 5);
        try (QuietStarModel model = QuietStarModel.load(ckpt, Device.cpu())) {
            // A non-zero mixing head, so that the thoughts change the chosen tokens.
            SplittableRandom rng = new SplittableRandom(3);
            model.mixingHead().parameters().forEach((name, p) -> {
                NDArray a = p.getArray();
                float[] v = new float[Math.toIntExact(a.size())];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (rng.nextDouble() - 0.5);
                }
                a.set(v);
            });
            GenerationOptions options = GenerationOptions.defaults(6).withThoughtSampling(ThoughtSampling.GREEDY);
            List<Integer> cached = DjlReasoner.wrap(model).generate("Q: 1+2=?", options).tokenIds();
            assertThat(RecomputeGeneration.generate(model, "Q: 1+2=?", 6)).isEqualTo(cached);
        }
    }

    @Test
    void statsAreMinMedianMaxOfTheRuns() {
        Stats s = Stats.of(new double[] {3, 1, 2, 10});
        assertThat(s.min()).isEqualTo(1);
        assertThat(s.median()).isEqualTo(2.5);
        assertThat(s.max()).isEqualTo(10);
        assertThat(s.inverse(10).max()).isEqualTo(10);
        assertThat(s.runs()).containsExactly(3, 1, 2, 10);
        assertThatThrownBy(() -> Stats.of(new double[0])).hasMessageContaining("no runs");
        assertThatThrownBy(() -> new Benchmarks.Options(true, 1, 5, java.util.Set.of(8)))
                .hasMessageContaining("1 to 7");
        assertThat(new Benchmarks.Options(true, 1, 5, java.util.Set.of(7)).figures()).containsExactly(7);
    }

    @Test
    void reportShowsEveryRowRatioAndTargetWithAChart() {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("id", "x");
        f.put("title", "Figure X");
        f.put("description", "what it measures");
        List<Map<String, Object>> rows = new ArrayList<>();
        rows.add(new LinkedHashMap<>(Map.of("case", "fast", "metric", "time", "unit", "s",
                "stats", Stats.of(new double[] {1, 2, 3}))));
        rows.add(new LinkedHashMap<>(Map.of("case", "slow", "metric", "time", "unit", "s",
                "stats", Stats.of(new double[] {4, 5, 6}))));
        f.put("rows", rows);
        f.put("ratios", List.of(Map.of("name", "slow / fast", "value", 2.5, "target", ">= 2x", "reached", true)));
        Map<String, String> files = Report.markdown(Map.of("machine", "test"), List.of(f), "bench");
        assertThat(files.get("benchmarks.md")).contains("## 1. Figure X").contains("| fast | time (s) | 1.000 | 2.000")
                .contains("| slow / fast | 2.500 | >= 2x | yes |").contains("images/bench-x.svg");
        assertThat(files.get("bench-x.svg")).startsWith("<svg").contains("fast").contains("slow");
        assertThat(Report.figureTable(f)).contains("target >= 2x: reached");
    }

    @Test
    void aRewrittenReportKeepsTheHandWrittenPartOfTheFileItReplaces() {
        String previous = "# Benchmarks\n\nold tables\n\n" + Report.HAND_WRITTEN_MARKER + "\n\n## Findings\n\ntext\n";
        String merged = Report.withHandWritten("# Benchmarks\n\nnew tables\n", previous);
        assertThat(merged).contains("new tables").doesNotContain("old tables")
                .endsWith(Report.HAND_WRITTEN_MARKER + "\n\n## Findings\n\ntext\n");
        assertThat(Report.withHandWritten("# Benchmarks\n\nnew\n", "# Benchmarks\n\nno marker\n"))
                .isEqualTo("# Benchmarks\n\nnew\n");
        assertThat(Report.withHandWritten("generated", null)).isEqualTo("generated");
    }
}
