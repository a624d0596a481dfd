package dev.quietstar.djl.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import dev.quietstar.api.Dataset;
import dev.quietstar.api.TrainingReport;
import dev.quietstar.api.config.GateConfig;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.api.config.TrainingConfig;
import dev.quietstar.core.data.TextDatasets;
import dev.quietstar.core.eval.EvalExample;
import dev.quietstar.core.gate.ThinkingGate;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.core.eval.AnswerEvaluator;
import dev.quietstar.core.eval.EvalSetting;
import dev.quietstar.core.eval.SettingResult;
import dev.quietstar.djl.thought.QuietStarModel;
import dev.quietstar.djl.thought.ReinforceRewardEstimator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The thinking gate trained alongside the objective: it learns, it is saved and reloaded, and it is inert. */
class ThinkingGateTrainingTest {

    private static final QuietStarConfig CONFIG = DjlTrainerTest.CONFIG
            .withTraining(TrainingConfig.official().withSteps(12).withBatch(4, 2).withSeed(7).withCheckpointEvery(6));

    @TempDir
    Path dir;

    @BeforeAll
    static void engine() {
        DjlEngines.pytorch();
    }

    private static Dataset corpus() {
        List<String> docs = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            docs.add("Q: " + (i % 7) + "+" + (i % 5) + "\nA: " + (i % 7 + i % 5) + "\nThe cat sat on mat " + i + ".");
        }
        return TextDatasets.fromStrings("sums", docs);
    }

    private TrainingReport train(QuietStarConfig config, Path out, List<Double> gateLosses) {
        try (QuietStarModel model = DjlTrainerTest.tinyModel(config);
                DjlTrainer trainer = new DjlTrainer(model, config, out, new ReinforceRewardEstimator())) {
            TrainingReport report = trainer.train(corpus());
            gateLosses.addAll(trainer.gateLosses());
            return report;
        }
    }

    @Test
    void theGateLearnsIsSavedReloadsBitForBitAndLeavesTheObjectiveUntouched() throws IOException {
        List<Double> losses = new ArrayList<>();
        TrainingReport on = train(CONFIG, dir.resolve("on"), losses);
        // Two micro-batches per step, one gate update each.
        assertThat(losses).hasSize(24);
        assertThat(losses).allSatisfy(l -> assertThat(l).isFinite());
        // The mixing head starts at zero, so the first targets are exactly 0 and the zero gate is exact on them;
        // the fit itself (loss falling to the noise level) is checked on known data in core's GateTrainerTest.
        assertThat(losses.get(0)).isZero();
        assertThat(losses.subList(1, 24)).anySatisfy(l -> assertThat(l).isPositive());

        Path ckpt = on.finalCheckpoint();
        ThinkingGate saved = ThinkingGate.read(ckpt).orElseThrow();
        assertThat(saved.trainedPositions()).isPositive();
        float[] weights = saved.weights();
        assertThat(weights).as("the gate moved away from zero").isNotEqualTo(new float[weights.length]);
        assertThat(saved.meanSquaredError()).isFinite();
        assertThat(saved.hiddenSize()).isEqualTo(32);
        try (QuietStarModel loaded = QuietStarModel.load(ckpt, Device.cpu())) {
            assertThat(loaded.thinkingGate()).contains(saved);
            Path again = dir.resolve("again");
            loaded.save(again, null);
            assertThat(Files.readAllBytes(again.resolve(ThinkingGate.FILE)))
                    .isEqualTo(Files.readAllBytes(ckpt.resolve(ThinkingGate.FILE)));
        }

        List<Double> none = new ArrayList<>();
        TrainingReport off = train(CONFIG.withGate(GateConfig.defaults().withEnabled(false)), dir.resolve("off"), none);
        assertThat(none).isEmpty();
        assertThat(Files.exists(off.finalCheckpoint().resolve(ThinkingGate.FILE))).isFalse();
        for (int i = 0; i < on.steps().size(); i++) {
            assertThat(off.steps().get(i).totalLoss()).as("step %d", i + 1).isEqualTo(on.steps().get(i).totalLoss());
            assertThat(off.steps().get(i).gradNorm()).isEqualTo(on.steps().get(i).gradNorm());
        }
        assertThat(Files.readAllBytes(off.finalCheckpoint().resolve("model.safetensors")))
                .as("the gate does not change the trained weights").isEqualTo(
                        Files.readAllBytes(on.finalCheckpoint().resolve("model.safetensors")));
    }

    @Test
    void aResumedRunContinuesTheGateExactly() {
        List<Double> full = new ArrayList<>();
        TrainingReport straight = train(CONFIG, dir.resolve("straight"), full);
        Path half = dir.resolve("straight/checkpoints/step-000006");
        List<Double> resumedLosses = new ArrayList<>();
        try (QuietStarModel model = QuietStarModel.load(half, Device.cpu());
                DjlTrainer trainer = new DjlTrainer(model, CONFIG, dir.resolve("resumed"),
                        new ReinforceRewardEstimator())) {
            trainer.restore(half);
            trainer.train(corpus());
            resumedLosses.addAll(trainer.gateLosses());
        }
        assertThat(resumedLosses).isEqualTo(full.subList(12, 24));
        assertThat(ThinkingGate.read(dir.resolve("resumed/checkpoints/step-000012")))
                .isEqualTo(ThinkingGate.read(straight.finalCheckpoint()));
    }

    @Test
    void theEvaluatorHonoursTheAdaptivePolicyAndNamesTheFixWithoutAGate() {
        List<EvalExample> examples = List.of(new EvalExample("Q: 2+3\nA: ", "5", List.of(), EvalExample.Kind.GSM8K),
                new EvalExample("Q: 4+1\nA: ", "5", List.of(), EvalExample.Kind.GSM8K));
        try (QuietStarModel model = DjlTrainerTest.tinyModel(CONFIG)) {
            AnswerEvaluator evaluator = AnswerEvaluator.builder(dev.quietstar.djl.infer.DjlReasoner.wrap(model)).optExactMatch(false).build();
            assertThatThrownBy(() -> evaluator.evaluate(examples, List.of(EvalSetting.adaptive(0))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(ThinkingGate.FILE);
            float[] w = new float[32 + 2];
            w[32] = 1f; // predicted gain = entropy - 1.5: thinks where the base model is unsure
            model.setThinkingGate(new ThinkingGate(32, w, -1.5f, 0, Double.NaN, Double.NaN));
            List<double[]> gains = evaluator.answerGains(examples);
            long above = gains.stream().flatMapToDouble(java.util.Arrays::stream).filter(g -> g > 4.0).count();
            long tokens = gains.stream().mapToLong(g -> g.length).sum();
            List<SettingResult> r = evaluator.evaluate(examples, List.of(EvalSetting.adaptive(4.0),
                    EvalSetting.adaptive(Double.NEGATIVE_INFINITY), EvalSetting.everyToken(),
                    EvalSetting.adaptive(Double.POSITIVE_INFINITY)));
            assertThat(r.get(0).perExample().stream().mapToLong(e -> e.thoughts()).sum()).isEqualTo(above);
            assertThat(r.get(1).perExample().stream().mapToLong(e -> e.thoughts()).sum()).isEqualTo(tokens);
            assertThat(r.get(3).perExample().stream().mapToLong(e -> e.thoughts()).sum()).isZero();
        }
    }
}
