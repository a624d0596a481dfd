package com.example.consumer;

import dev.quietstar.api.ModelSource;
import dev.quietstar.api.Trainer;
import dev.quietstar.api.TrainingSetup;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.core.backend.Backends;
import dev.quietstar.core.inject.Components;
import dev.quietstar.core.testing.BaseTrainerTestCase;
import dev.quietstar.core.train.TrainingRuns;
import java.nio.file.Path;

/** The delegating backend, with the consumer's training head and estimator, passes the trainer kit. */
class DelegatingTrainerContractTest extends BaseTrainerTestCase {

    @Override
    protected QuietStarConfig config() {
        return ConsumerFixtures.config(4);
    }

    @Override
    protected int maxPositions() {
        return ConsumerFixtures.SPEC.maxPositions();
    }

    private static dev.quietstar.api.spi.QuietStarBackend backend() {
        return Components.create(Backends.discover().byName(DelegatingBackendProvider.NAME),
                ConsumerFixtures.training(new ConstantWeightTrainingHead(ConsumerFixtures.WEIGHT),
                        new CountingRewardEstimator()));
    }

    @Override
    protected Trainer newTrainer(QuietStarConfig config, Path outputDir) {
        return backend().newTrainer(new TrainingSetup(new ModelSource.Tiny(ConsumerFixtures.SPEC), config, outputDir));
    }

    @Override
    protected Trainer resumeTrainer(Path checkpoint, QuietStarConfig config, Path outputDir) {
        // Through the SPI a checkpoint source resumes when it can and starts from its weights otherwise; a strict
        // resume checks first, as the train command's --resume does.
        TrainingRuns.checkResumable(checkpoint, config);
        return backend().newTrainer(new TrainingSetup(new ModelSource.Checkpoint(checkpoint), config, outputDir));
    }

    @org.junit.jupiter.api.Test
    void everyStepShowsTheConsumersConstantHead() {
        try (Trainer trainer = newTrainer(ConsumerFixtures.config(2), dir.resolve("weights"))) {
            org.assertj.core.api.Assertions.assertThat(trainer.train(ConsumerFixtures.data()).steps())
                    .hasSize(2).allSatisfy(m -> org.assertj.core.api.Assertions.assertThat(m.meanMixingWeight())
                            .isCloseTo(ConsumerFixtures.WEIGHT, org.assertj.core.api.Assertions.within(1e-6)));
        }
    }
}
