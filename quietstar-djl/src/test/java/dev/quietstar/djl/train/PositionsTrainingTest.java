package dev.quietstar.djl.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import dev.quietstar.api.StepMetrics;
import dev.quietstar.api.config.PositionsConfig;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.thought.QuietStarModel;
import dev.quietstar.djl.thought.ReinforceRewardEstimator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training with thoughts at a subset of positions: it runs, repeats per seed, and its checkpoint keeps the setting. */
class PositionsTrainingTest {

    static final QuietStarConfig BASE = DjlTrainerTest.CONFIG.withTraining(
            DjlTrainerTest.CONFIG.training().withSteps(4).withCheckpointEvery(0));

    @TempDir
    Path dir;

    @BeforeAll
    static void engine() {
        DjlEngines.pytorch();
    }

    private List<StepMetrics> run(QuietStarConfig config, Path out) {
        try (QuietStarModel model = DjlTrainerTest.tinyModel(config);
                DjlTrainer trainer = new DjlTrainer(model, config, out, new ReinforceRewardEstimator())) {
            return trainer.train(DjlTrainerTest.corpus()).steps();
        }
    }

    @Test
    void randomPositionsRepeatBitForBitAndTheCheckpointKeepsTheSetting() throws IOException {
        QuietStarConfig config = BASE.withPositions(PositionsConfig.random(5));
        List<StepMetrics> a = run(config, dir.resolve("a"));
        List<StepMetrics> b = run(config, dir.resolve("b"));
        assertThat(a).hasSize(4);
        for (int i = 0; i < a.size(); i++) {
            assertThat(b.get(i).totalLoss()).as("step %d", i + 1).isEqualTo(a.get(i).totalLoss());
            assertThat(b.get(i).gradNorm()).as("step %d", i + 1).isEqualTo(a.get(i).gradNorm());
            assertThat(a.get(i).totalLoss()).isFinite();
        }
        List<StepMetrics> other = run(config.withTraining(config.training().withSeed(8)), dir.resolve("c"));
        assertThat(other.get(0).totalLoss()).isNotEqualTo(a.get(0).totalLoss());

        Path checkpoint = dir.resolve("a/checkpoints/step-000004");
        assertThat(Files.readString(checkpoint.resolve("quietstar.json"))).contains("\"positions\"");
        try (QuietStarModel loaded = QuietStarModel.load(checkpoint, Device.cpu())) {
            assertThat(loaded.config()).isEqualTo(config);
            assertThat(loaded.config().positions()).isEqualTo(PositionsConfig.random(5));
        }
    }

    @Test
    void markerAndGatePositionsTrainAndFeedTheGate() {
        // "A: " ends right before each answer of the arithmetic corpus
        for (PositionsConfig positions : List.of(PositionsConfig.marker("A: "), PositionsConfig.gate(4))) {
            List<StepMetrics> steps = run(BASE.withPositions(positions), dir.resolve(positions.mode().name()));
            assertThat(steps).hasSize(4);
            assertThat(steps).allSatisfy(s -> assertThat(s.totalLoss()).isFinite());
            assertThat(Files.isRegularFile(dir.resolve(positions.mode().name()
                    + "/checkpoints/step-000004/thinking-gate.json"))).as(positions.mode().name()).isTrue();
        }
    }

    @Test
    void aUsersThoughtGeneratorIsRefusedWithSubsetPositionsInsteadOfIgnored() {
        QuietStarConfig config = BASE.withPositions(PositionsConfig.random(5));
        try (QuietStarModel model = DjlTrainerTest.tinyModel(config)) {
            DjlComponents components = DjlComponents.DEFAULTS.withThoughtGenerator((ids, attn, sampler) -> {
                throw new AssertionError("never called");
            });
            assertThatThrownBy(() -> new DjlTrainingStep(model, config,
                    dev.quietstar.api.TrainingObjective.QUIET_STAR, components))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("positions.mode RANDOM")
                    .hasMessageContaining("ThoughtGenerator");
        }
    }
}
