package com.example.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.quietstar.api.GenerationOptions;
import dev.quietstar.api.GenerationResult;
import dev.quietstar.api.ModelSource;
import dev.quietstar.api.Reasoner;
import dev.quietstar.api.StepMetrics;
import dev.quietstar.api.TokenTrace;
import dev.quietstar.api.Trainer;
import dev.quietstar.api.TrainingReport;
import dev.quietstar.api.TrainingSetup;
import dev.quietstar.api.spi.QuietStarBackend;
import dev.quietstar.core.backend.Backends;
import dev.quietstar.core.eval.AnswerEvaluator;
import dev.quietstar.core.eval.EvalExample;
import dev.quietstar.core.eval.EvalSetting;
import dev.quietstar.core.eval.SettingResult;
import dev.quietstar.core.infer.SteppedReasoner;
import dev.quietstar.core.inject.Components;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The consumer's components, handed to its delegating backend through {@link Components}, are used in training and
 * in generation, scoring and evaluation, on djl-pytorch and (for the engine-neutral ones) on onnxruntime; metrics
 * and traces show each one.
 */
class ComponentsUsedEverywhereTest {

    @TempDir
    static Path dir;

    static final ConstantWeightTrainingHead TRAINING_HEAD = new ConstantWeightTrainingHead(ConsumerFixtures.WEIGHT);
    static final CountingRewardEstimator ESTIMATOR = new CountingRewardEstimator();
    static final ConstantWeightHead HEAD = new ConstantWeightHead(ConsumerFixtures.WEIGHT);
    static final ForcedThoughts THOUGHTS = new ForcedThoughts(ForcedThoughtGenerator.TOKEN);
    static TrainingReport report;
    static long createdBefore;
    static long generatorCallsBefore;

    @BeforeAll
    static void train() {
        createdBefore = DelegatingBackendProvider.created();
        generatorCallsBefore = ForcedThoughtGenerator.calls();
        QuietStarBackend backend = Components.create(Backends.discover().byName(DelegatingBackendProvider.NAME),
                ConsumerFixtures.training(TRAINING_HEAD, ESTIMATOR), ConsumerFixtures.inference(HEAD, THOUGHTS));
        try (Trainer trainer = backend.newTrainer(new TrainingSetup(new ModelSource.Tiny(ConsumerFixtures.SPEC),
                ConsumerFixtures.config(2), dir.resolve("run")))) {
            report = trainer.train(ConsumerFixtures.data());
        }
    }

    @Test
    void trainingRanTheUsersGeneratorHeadAndEstimatorThroughTheDelegatingBackend() {
        assertThat(DelegatingBackendProvider.created()).isGreaterThan(createdBefore);
        assertThat(ForcedThoughtGenerator.calls() - generatorCallsBefore).as("micro-batches").isEqualTo(4);
        assertThat(ESTIMATOR.calls()).isEqualTo(4);
        assertThat(TRAINING_HEAD.calls()).isPositive();
        assertThat(report.steps()).hasSize(2);
        for (StepMetrics m : report.steps()) {
            assertThat(m.meanMixingWeight()).as("step %d: the metrics show the constant head", m.step())
                    .isCloseTo(ConsumerFixtures.WEIGHT, within(1e-6));
            assertThat(Double.isFinite(m.totalLoss())).isTrue();
        }
    }

    @Test
    void generationScoringAndEvaluationOnDjlRunTheUsersHeadAndThoughts() {
        QuietStarBackend backend = Components.create(Backends.discover().byName(DelegatingBackendProvider.NAME),
                ConsumerFixtures.inference(HEAD, THOUGHTS));
        long headBefore = HEAD.calls();
        long thoughtsBefore = THOUGHTS.calls();
        try (Reasoner reasoner = backend.openReasoner(report.finalCheckpoint())) {
            assertTracesShowTheComponents(reasoner.generate("Q: 2+3=? A: ", GenerationOptions.defaults(5)));
            assertThat(reasoner.score("Q: 1+1").mixingWeights())
                    .allSatisfy(w -> assertThat(w).isCloseTo(ConsumerFixtures.WEIGHT, within(1e-6)));
            assertThat(reasoner).isInstanceOf(SteppedReasoner.class);
            List<SettingResult> rows = AnswerEvaluator.builder((SteppedReasoner) reasoner).optExactMatch(false)
                    .build().evaluate(List.of(new EvalExample("Q: 4+1=? A: ", "5", List.of(),
                            EvalExample.Kind.GSM8K)), List.of(EvalSetting.everyToken()));
            assertThat(rows.get(0).meanMixingWeight()).isCloseTo(ConsumerFixtures.WEIGHT, within(1e-6));
        }
        assertThat(HEAD.calls()).isGreaterThan(headBefore);
        assertThat(THOUGHTS.calls()).isGreaterThan(thoughtsBefore);
    }

    @Test
    void onnxRuntimeRunsTheEngineNeutralComponentsAndRefusesTheDjlOnes() {
        QuietStarBackend onnx = Components.create(Backends.discover().byName("onnxruntime"),
                ConsumerFixtures.inference(HEAD, THOUGHTS));
        long headBefore = HEAD.calls();
        try (Reasoner reasoner = onnx.openReasoner(report.finalCheckpoint())) {
            assertTracesShowTheComponents(reasoner.generate("Q: 2+3=? A: ", GenerationOptions.defaults(5)));
        }
        assertThat(HEAD.calls()).isGreaterThan(headBefore);
        assertThatThrownBy(() -> Components.create(Backends.discover().byName("onnxruntime"),
                ConsumerFixtures.training(TRAINING_HEAD, ESTIMATOR)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("onnxruntime")
                .hasMessageContaining("RewardEstimator<ai.djl.ndarray.NDArray>");
    }

    private static void assertTracesShowTheComponents(GenerationResult result) {
        assertThat(result.traces()).isNotEmpty();
        for (TokenTrace t : result.traces()) {
            assertThat(t.mixingWeight()).isCloseTo(ConsumerFixtures.WEIGHT, within(1e-6));
            assertThat(t.thoughtIds()).isNotEmpty().containsOnly(ForcedThoughtGenerator.TOKEN);
        }
    }
}
