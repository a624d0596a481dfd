package dev.quietstar.core.testing;

import dev.quietstar.api.Trainer;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.api.config.TrainingConfig;
import dev.quietstar.core.train.TrainingLoop;
import java.nio.file.Path;

/** The trainer contract kit run over core's loop and a fake step, so the kit itself is checked without an engine. */
class FakeTrainerContractTest extends BaseTrainerTestCase {

    @Override
    protected QuietStarConfig config() {
        return QuietStarConfig.smallModel().withShape(2, 2, 2, 12)
                .withTraining(TrainingConfig.official().withBatch(4, 2).withSeed(5));
    }

    @Override
    protected int maxPositions() {
        return 20;
    }

    @Override
    protected Trainer newTrainer(QuietStarConfig config, Path outputDir) {
        return new TrainingLoop(new FakeTrainingStep(maxPositions()), config, outputDir);
    }

    @Override
    protected Trainer resumeTrainer(Path checkpoint, QuietStarConfig config, Path outputDir) {
        TrainingLoop loop = new TrainingLoop(new FakeTrainingStep(maxPositions()), config, outputDir);
        try {
            loop.restore(checkpoint);
            return loop;
        } catch (RuntimeException e) {
            loop.close();
            throw e;
        }
    }

    @org.junit.jupiter.api.Test
    void checkpointFoldersAreNamedByTheirZeroPaddedStep() {
        org.assertj.core.api.Assertions.assertThat(TrainingLoop.checkpointFolder(Path.of("run"), 3))
                .isEqualTo(Path.of("run", "checkpoints", "step-000003"));
    }
}
