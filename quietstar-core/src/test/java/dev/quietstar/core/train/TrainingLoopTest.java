package dev.quietstar.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.quietstar.api.Dataset;
import dev.quietstar.api.StepMetrics;
import dev.quietstar.api.TrainingListener;
import dev.quietstar.api.TrainingObjective;
import dev.quietstar.api.TrainingReport;
import dev.quietstar.api.config.GateConfig;
import dev.quietstar.api.config.OptimizerConfig;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.api.config.TrainingConfig;
import dev.quietstar.core.data.TextDatasets;
import dev.quietstar.core.gate.ThinkingGate;
import dev.quietstar.core.testing.FakeTrainingStep;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine-neutral loop, driven over a fake step that records what it is fed. */
class TrainingLoopTest {

    static final QuietStarConfig CONFIG = QuietStarConfig.smallModel().withShape(2, 2, 2, 12)
            .withOptimizer(QuietStarConfig.smallModel().optimizer().withLearningRate(1e-3).withWarmupSteps(2))
            .withGate(GateConfig.defaults().withEnabled(false))
            .withTraining(TrainingConfig.official().withSteps(6).withBatch(4, 2).withSeed(7).withCheckpointEvery(0));

    @TempDir
    Path dir;

    static Dataset data() {
        List<String> docs = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            docs.add("document " + i + " says " + (i * 37 % 11) + " plus " + i + " is " + (i * 37 % 11 + i) + ".");
        }
        return TextDatasets.fromStrings("fake", docs);
    }

    @Test
    void microBatchesSeedsAndTheWarmUpScheduleReachTheStep() {
        FakeTrainingStep step = new FakeTrainingStep(64);
        List<StepMetrics> steps;
        try (TrainingLoop loop = new TrainingLoop(step, CONFIG, dir)) {
            steps = loop.train(data()).steps();
        }
        assertThat(step.closed).isTrue();
        // 6 steps of 4 examples in micro-batches of 2.
        assertThat(step.batches).hasSize(12);
        for (int k = 0; k < 12; k++) {
            MicroBatch b = step.batches.get(k);
            assertThat(b.examples()).isEqualTo(2);
            assertThat(b.tokenIds()[0]).hasSize(12);
            assertThat(b.step()).isEqualTo(k / 2);
            assertThat(b.index()).isEqualTo(k % 2);
            assertThat(b.count()).isEqualTo(2);
            assertThat(b.seed()).isEqualTo(TrainingLoop.microBatchSeed(7, k / 2, k % 2));
        }
        assertThat(step.batches.stream().map(MicroBatch::seed).distinct()).hasSize(12);
        // The seed mix is part of the reproducibility contract: pinned.
        assertThat(TrainingLoop.microBatchSeed(7, 0, 0)).isEqualTo(3207296026000306913L);
        assertThat(TrainingLoop.microBatchSeed(7, 3, 1)).isEqualTo(8238317740512846223L);
        assertThat(TrainingLoop.microBatchSeed(42, 100, 7)).isEqualTo(8028478523307220093L);
        // Linear warm-up over 2 steps, then linear decay to 0 at step 6.
        assertThat(step.learningRates).containsExactly(0.0, 0.5e-3, 1e-3, 0.75e-3, 0.5e-3, 0.25e-3);
        assertThat(steps.stream().map(StepMetrics::learningRate).toList()).isEqualTo(step.learningRates);
        assertThat(steps.stream().map(StepMetrics::step).toList()).containsExactly(1, 2, 3, 4, 5, 6);
        // Metrics are the mean over the micro-batches.
        MicroBatch first = step.batches.get(0);
        assertThat(steps.get(0).totalLoss()).isPositive();
        assertThat(steps.get(0).meanReward()).isCloseTo(0.1, within(1e-12));
        assertThat(first.realTokens()).isPositive();
        assertThat(step.zeroed).isZero();
    }

    @Test
    void theGradientIsClippedToTheConfiguredNorm() {
        OptimizerConfig o = CONFIG.optimizer();
        QuietStarConfig clip = CONFIG.withOptimizer(new OptimizerConfig(o.learningRate(), o.weightDecay(), o.beta1(),
                o.beta2(), o.epsilon(), o.warmupSteps(), 1.0, o.mixingHeadLrMultiplier(), o.metaTokenLrMultiplier()))
                .withTraining(CONFIG.training().withSteps(2));
        FakeTrainingStep big = new FakeTrainingStep(64).withNorm(4.0);
        try (TrainingLoop loop = new TrainingLoop(big, clip, dir.resolve("big"))) {
            assertThat(loop.train(data()).steps()).allSatisfy(m -> assertThat(m.gradNorm()).isEqualTo(4.0));
        }
        assertThat(big.gradientScales).containsExactly(1.0 / (4.0 + 1e-6), 1.0 / (4.0 + 1e-6));
        FakeTrainingStep small = new FakeTrainingStep(64).withNorm(0.5);
        try (TrainingLoop loop = new TrainingLoop(small, clip, dir.resolve("small"))) {
            loop.train(data());
        }
        assertThat(small.gradientScales).containsExactly(1.0, 1.0);
    }

    @Test
    void checkpointsFollowTheCadenceAndHoldTheTrainingState() throws IOException {
        QuietStarConfig c = CONFIG.withTraining(CONFIG.training().withSteps(5).withCheckpointEvery(2));
        List<String> events = new ArrayList<>();
        TrainingReport report;
        try (TrainingLoop loop = new TrainingLoop(new FakeTrainingStep(64), c, dir)) {
            loop.addListener(new TrainingListener() {
                @Override
                public void onStep(StepMetrics m) {
                    events.add("step " + m.step());
                }

                @Override
                public void onCheckpoint(int step, Path folder) {
                    events.add("checkpoint " + step + " " + dir.relativize(folder));
                }
            });
            report = loop.train(data());
        }
        assertThat(events).containsExactly("step 1", "step 2", "checkpoint 2 checkpoints/step-000002", "step 3",
                "step 4", "checkpoint 4 checkpoints/step-000004", "step 5", "checkpoint 5 checkpoints/step-000005");
        assertThat(report.finalCheckpoint()).isEqualTo(dir.resolve("checkpoints/step-000005"));
        try (Stream<Path> list = Files.list(dir.resolve("checkpoints"))) {
            assertThat(list.map(p -> p.getFileName().toString()).sorted().toList())
                    .as("no temporary folders are left").containsExactly("step-000002", "step-000004", "step-000005");
        }
        TrainingState state = TrainingLoop.readState(dir.resolve("checkpoints/step-000004"));
        assertThat(state).isEqualTo(new TrainingState(1, 4, 7, 16));
        assertThat(dir.resolve("checkpoints/step-000004/model.safetensors")).isRegularFile();
        assertThat(MetricsJsonlWriter.read(dir.resolve("metrics.jsonl"))).hasSize(5);
    }

    @Test
    void aResumedRunSeeksTheDataTruncatesTheMetricsAndEndsWithTheSameWeights() throws IOException {
        QuietStarConfig c = CONFIG.withTraining(CONFIG.training().withCheckpointEvery(3));
        FakeTrainingStep straight = new FakeTrainingStep(64);
        List<StepMetrics> full;
        try (TrainingLoop loop = new TrainingLoop(straight, c, dir)) {
            full = loop.train(data()).steps();
        }
        // A crash after step 5 left 5 lines; the resumed run cuts them back to 3 and continues.
        List<String> lines = Files.readAllLines(dir.resolve("metrics.jsonl"));
        Files.write(dir.resolve("metrics.jsonl"), lines.subList(0, 5));
        FakeTrainingStep resumed = new FakeTrainingStep(64);
        List<StepMetrics> rest;
        try (TrainingLoop loop = new TrainingLoop(resumed, c, dir)) {
            assertThat(loop.resumeIfPossible(dir.resolve("checkpoints/step-000003"))).isTrue();
            assertThat(loop.completedSteps()).isEqualTo(3);
            rest = loop.train(data()).steps();
        }
        assertThat(resumed.restoredSteps).isEqualTo(3);
        assertThat(rest).hasSize(3);
        for (int i = 0; i < 6; i++) {
            MicroBatch a = straight.batches.get(6 + i);
            MicroBatch b = resumed.batches.get(i);
            assertThat(b.tokenIds()).as("micro-batch %d", 6 + i).isDeepEqualTo(a.tokenIds());
            assertThat(b.seed()).isEqualTo(a.seed());
            assertThat(b.step()).isEqualTo(a.step());
        }
        for (int i = 0; i < 3; i++) {
            assertThat(rest.get(i).totalLoss()).isEqualTo(full.get(3 + i).totalLoss());
            assertThat(rest.get(i).learningRate()).isEqualTo(full.get(3 + i).learningRate());
        }
        assertThat(resumed.weights()).isEqualTo(straight.weights());
        List<StepMetrics> logged = MetricsJsonlWriter.read(dir.resolve("metrics.jsonl"));
        assertThat(logged.stream().map(StepMetrics::step).toList()).containsExactly(1, 2, 3, 4, 5, 6);
    }

    @Test
    void aNanLossOrGradientStopsWithoutApplyingOrSaving() {
        QuietStarConfig c = CONFIG.withTraining(CONFIG.training().withCheckpointEvery(1));
        FakeTrainingStep nanLoss = new FakeTrainingStep(64).nanLossAt(2);
        try (TrainingLoop loop = new TrainingLoop(nanLoss, c, dir.resolve("loss"))) {
            assertThatThrownBy(() -> loop.train(data())).isInstanceOf(TrainingDivergedException.class)
                    .hasMessageContaining("training diverged at step 3: the loss is NaN")
                    .hasMessageContaining("nothing was saved")
                    .hasMessageContaining("step-000002");
            assertThat(loop.completedSteps()).isEqualTo(2);
        }
        assertThat(nanLoss.learningRates).hasSize(2);
        assertThat(nanLoss.zeroed).isEqualTo(1);
        assertThat(dir.resolve("loss/checkpoints/step-000002")).isDirectory();
        assertThat(dir.resolve("loss/checkpoints/step-000003")).doesNotExist();

        FakeTrainingStep nanGrad = new FakeTrainingStep(64).nanGradientAt(0);
        try (TrainingLoop loop = new TrainingLoop(nanGrad, c, dir.resolve("grad"))) {
            assertThatThrownBy(() -> loop.train(data())).isInstanceOf(TrainingDivergedException.class)
                    .hasMessageContaining("training diverged at step 1: the gradient norm is NaN")
                    .hasMessageContaining("first non-finite gradient: w1")
                    .hasMessageNotContaining("last good checkpoint");
        }
        assertThat(nanGrad.learningRates).isEmpty();
        assertThat(dir.resolve("grad/checkpoints")).doesNotExist();
    }

    @Test
    void theThinkingGateIsTrainedFromTheStepsInputsAndItsStateResumes() throws IOException {
        QuietStarConfig c = CONFIG.withGate(GateConfig.defaults()).withTraining(CONFIG.training().withCheckpointEvery(3));
        FakeTrainingStep step = new FakeTrainingStep(64);
        List<Double> losses;
        try (TrainingLoop loop = new TrainingLoop(step, c, dir)) {
            loop.train(data());
            losses = loop.gateLosses();
        }
        assertThat(losses).hasSize(12);
        // The start gate, then one install per micro-batch.
        assertThat(step.installedGates).hasSize(13);
        assertThat(step.installedGates.get(0)).isEqualTo(ThinkingGate.zero(FakeTrainingStep.HIDDEN));
        assertThat(dir.resolve("checkpoints/step-000003").resolve(TrainingLoop.STATE_DIR)
                .resolve(TrainingLoop.GATE_STATE)).isRegularFile();
        FakeTrainingStep resumed = new FakeTrainingStep(64);
        try (TrainingLoop loop = new TrainingLoop(resumed, c, dir.resolve("again"))) {
            loop.restore(dir.resolve("checkpoints/step-000003"));
            loop.train(data());
            assertThat(loop.gateLosses()).isEqualTo(losses.subList(6, 12));
        }
        // The next-token objective never trains a gate.
        FakeTrainingStep plain = new FakeTrainingStep(TrainingObjective.NEXT_TOKEN, 64);
        try (TrainingLoop loop = new TrainingLoop(plain, c, dir.resolve("plain"))) {
            loop.train(data());
            assertThat(loop.gateLosses()).isEmpty();
        }
        assertThat(plain.installedGates).isEmpty();
    }

    @Test
    void badSetupsAreRejectedWithClearMessages() throws IOException {
        assertThatThrownBy(() -> new TrainingLoop(new FakeTrainingStep(14), CONFIG, dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("sequenceLength (12) + thoughtLength (2) + lookahead (2) + 1 = 17 positions, but the "
                        + "model has 14 (max_position_embeddings); lower sequenceLength");
        // Next-token training needs only the window.
        new TrainingLoop(new FakeTrainingStep(TrainingObjective.NEXT_TOKEN, 14), CONFIG, dir).close();

        try (TrainingLoop loop = new TrainingLoop(new FakeTrainingStep(64), CONFIG, dir)) {
            loop.save(dir.resolve("weights-only"));
            assertThat(loop.resumeIfPossible(dir.resolve("weights-only"))).isFalse();
            assertThatThrownBy(() -> loop.restore(dir.resolve("weights-only")))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("has no training-state folder");
        }
        QuietStarConfig c = CONFIG.withTraining(CONFIG.training().withSteps(1));
        try (TrainingLoop loop = new TrainingLoop(new FakeTrainingStep(64), c, dir.resolve("one"))) {
            loop.train(data());
        }
        QuietStarConfig reseeded = c.withTraining(c.training().withSeed(8));
        try (TrainingLoop loop = new TrainingLoop(new FakeTrainingStep(64), reseeded, dir.resolve("two"))) {
            Path ckpt = dir.resolve("one/checkpoints/step-000001");
            assertThat(loop.resumeIfPossible(ckpt)).isFalse();
            assertThat(loop.completedSteps()).isZero();
            assertThatThrownBy(() -> loop.restore(ckpt)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("checkpoint was trained with seed 7 but the configuration has seed 8");
        }
    }
}
