package dev.quietstar.djl.train;

import ai.djl.Device;
import dev.quietstar.api.Dataset;
import dev.quietstar.api.ModelSource;
import dev.quietstar.api.TinyModelSpec;
import dev.quietstar.api.Trainer;
import dev.quietstar.api.TrainingListener;
import dev.quietstar.api.TrainingObjective;
import dev.quietstar.api.TrainingReport;
import dev.quietstar.api.TrainingSetup;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.core.testing.BaseTrainerTestCase;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.thought.QuietStarModel;
import dev.quietstar.djl.thought.ReinforceRewardEstimator;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;

/** The DJL backend's trainer passes core's trainer contract. */
class DjlTrainerContractTest extends BaseTrainerTestCase {

    private static final TinyModelSpec SPEC = new TinyModelSpec("gpt2", 261, 32, 1, 4, 32, 3);

    @BeforeAll
    static void engine() {
        DjlEngines.pytorch();
    }

    @Override
    protected QuietStarConfig config() {
        return QuietStarConfig.smallModel().withShape(2, 2, 2, 16)
                .withTraining(QuietStarConfig.smallModel().training().withBatch(2, 1).withSeed(9));
    }

    @Override
    protected int maxPositions() {
        return SPEC.maxPositions();
    }

    @Override
    protected Trainer newTrainer(QuietStarConfig config, Path outputDir) {
        return new DjlTrainerFactory(new ReinforceRewardEstimator())
                .create(new TrainingSetup(new ModelSource.Tiny(SPEC), config, outputDir));
    }

    @Override
    protected Trainer resumeTrainer(Path checkpoint, QuietStarConfig config, Path outputDir) {
        QuietStarModel model = QuietStarModel.load(checkpoint, Device.cpu());
        try {
            DjlTrainer trainer = new DjlTrainer(model, config, outputDir, TrainingObjective.QUIET_STAR,
                    DjlComponents.DEFAULTS);
            try {
                trainer.restore(checkpoint);
            } catch (RuntimeException e) {
                trainer.close();
                throw e;
            }
            return new Trainer() {
                @Override
                public void addListener(TrainingListener listener) {
                    trainer.addListener(listener);
                }

                @Override
                public TrainingReport train(Dataset data) {
                    return trainer.train(data);
                }

                @Override
                public int completedSteps() {
                    return trainer.completedSteps();
                }

                @Override
                public void save(Path folder) {
                    trainer.save(folder);
                }

                @Override
                public void close() {
                    try {
                        trainer.close();
                    } finally {
                        model.close();
                    }
                }
            };
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    @org.junit.jupiter.api.Test
    void theDjlStepSavesItsOptimiserMomentsBesideTheLoopsState() {
        try (Trainer trainer = newTrainer(config().withTraining(config().training().withSteps(1)), dir.resolve("one"))) {
            Path checkpoint = trainer.train(data()).finalCheckpoint();
            org.assertj.core.api.Assertions.assertThat(checkpoint.resolve("training-state/optimizer.safetensors"))
                    .isRegularFile();
            org.assertj.core.api.Assertions.assertThat(checkpoint.resolve("training-state/state.json"))
                    .isRegularFile();
        }
    }
}
