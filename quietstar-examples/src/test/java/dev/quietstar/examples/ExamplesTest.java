package dev.quietstar.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.inject.Guice;
import dev.quietstar.api.RewardEstimate;
import dev.quietstar.api.RewardEstimator;
import dev.quietstar.api.StepMetrics;
import dev.quietstar.api.TokenTrace;
import dev.quietstar.api.TrainingReport;
import dev.quietstar.api.spi.Capability;
import dev.quietstar.core.backend.Backends;
import dev.quietstar.core.train.MetricsJsonlWriter;
import dev.quietstar.djl.DjlEngines;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExamplesTest {

    @TempDir
    Path dir;

    @Test
    void generateWithThoughtsPrintsATokenAndItsThoughtPerLine() throws Exception {
        Path checkpoint = TinyCheckpoints.save(dir.resolve("tiny"), 4);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        List<TokenTrace> traces;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            traces = GenerateWithThoughts.generate(checkpoint, "Q: 1+2=?\nA: ", 5, out);
        }
        String printed = bytes.toString(StandardCharsets.UTF_8);
        assertThat(traces).hasSize(5).allMatch(t -> t.thoughtIds().size() == 2, "a 2-token thought before each");
        assertThat(printed.split("\\R")).hasSizeGreaterThanOrEqualTo(1 + 5);
        assertThat(printed).contains("THOUGHT").contains("Q: 1+2=?");
    }

    @Test
    void customRewardEstimatorIsInjectedAndClipsAdvantages() {
        DjlEngines.pytorch();
        RewardEstimator<NDArray> estimator = Guice.createInjector(CustomRewardEstimator.module())
                .getInstance(CustomRewardEstimator.ESTIMATOR_KEY);
        assertThat(CustomRewardEstimator.backend().name()).isEqualTo("djl-pytorch");
        assertThat(estimator).isInstanceOf(CustomRewardEstimator.ClippedReinforceEstimator.class);
        try (NDManager m = NDManager.newBaseManager()) {
            // T = 1 look-ahead step, 2 rows = 1 example x P = 2 thoughts, 2 positions.
            NDArray talk = m.create(new float[] {9f, 0f, -9f, 0f}, new Shape(1, 2, 2));
            NDArray base = m.zeros(new Shape(1, 2, 2));
            RewardEstimate<NDArray> r = estimator.estimate(talk, base, 2);
            assertThat(r.rewards().toFloatArray()).containsExactly(9f, 0f, -9f, 0f);
            // Baseline at position 0 is 0, so the first thought's advantage 9 is clipped to 2.
            assertThat(r.advantages().toFloatArray()).containsExactly(
                    CustomRewardEstimator.ClippedReinforceEstimator.MAX_ADVANTAGE, 0f, 0f, 0f);
        }
    }

    @Test
    void customRewardEstimatorTrainsATinyModel() throws Exception {
        Path out = dir.resolve("custom");
        TrainingReport report = CustomRewardEstimator.train(out, 2);
        assertThat(report.steps()).hasSize(2).allMatch(s -> Double.isFinite(s.totalLoss()));
        assertThat(out.resolve("metrics.jsonl")).exists();
        List<StepMetrics> written = MetricsJsonlWriter.read(out.resolve("metrics.jsonl"));
        assertThat(written).hasSize(2);
        assertThat(report.finalCheckpoint()).isNotNull();
        assertThat(report.finalCheckpoint().resolve("model.safetensors")).exists();
    }

    @Test
    void trainOnYourTextWritesMetricsAndACheckpoint() throws Exception {
        boolean canTrain = Backends.discover().providers().stream()
                .anyMatch(p -> p.isAvailable() && p.capabilities().contains(Capability.TRAIN));
        assumeTrue(canTrain, "no backend on the classpath offers TRAIN yet");
        Path text = Files.writeString(dir.resolve("notes.txt"), "The quiet river runs past the old mill.\n"
                + "Seven plus five is twelve, and twelve plus three is fifteen.\n".repeat(20));
        Path out = dir.resolve("train");
        TrainingReport report = TrainOnYourText.train(text, out, 2, false);
        assertThat(report.steps()).hasSize(2);
        assertThat(out.resolve("metrics.jsonl")).exists();
        assertThat(report.finalCheckpoint()).isNotNull().exists();
    }
}
