package dev.quietstar.djl.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quietstar.api.GenerationOptions;
import dev.quietstar.api.GenerationResult;
import dev.quietstar.api.StepMetrics;
import dev.quietstar.api.TokenTrace;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.infer.DjlReasoner;
import dev.quietstar.djl.thought.QuietStarModel;
import dev.quietstar.djl.thought.ReinforceRewardEstimator;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * thoughtLength 0 (the official n_ahead 3: start and end tokens only, a pause-token-like ablation) trains with a
 * policy term of exactly 0 and generates with empty thoughts.
 */
class ThoughtLengthZeroTest {

    @TempDir
    Path dir;

    @BeforeAll
    static void engine() {
        DjlEngines.pytorch();
    }

    @Test
    void trainsWithAPolicyTermOfZeroAndGeneratesWithEmptyThoughts() {
        QuietStarConfig base = QuietStarConfig.official().withShape(0, 2, 2, 16).withPolicyWeight(1.0);
        QuietStarConfig config = base.withTraining(base.training().withSteps(3).withBatch(2, 2)
                .withCheckpointEvery(0));
        try (QuietStarModel model = DjlTrainerTest.tinyModel(config);
                DjlTrainer trainer = new DjlTrainer(model, config, dir.resolve("out"),
                        new ReinforceRewardEstimator())) {
            List<StepMetrics> steps = trainer.train(DjlTrainerTest.corpus()).steps();
            assertThat(steps).hasSize(3);
            for (StepMetrics m : steps) {
                assertThat(m.policyLoss()).isZero();
                assertThat(m.totalLoss()).isEqualTo(m.nllLoss()).isFinite().isPositive();
                assertThat(m.gradNorm()).isFinite().isPositive();
            }
            GenerationResult g = DjlReasoner.wrap(model).generate("12+3=", GenerationOptions.defaults(4));
            assertThat(g.tokenIds()).isNotEmpty();
            assertThat(g.traces()).allSatisfy((TokenTrace t) -> assertThat(t.thoughtIds()).isEmpty());
            assertThat(g.traces()).allSatisfy((TokenTrace t) -> assertThat(t.mixingWeight()).isFinite());
        }
    }
}
