package dev.quietstar.djl.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.quietstar.core.train.TrainingDivergedException;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.model.Safetensors;
import dev.quietstar.djl.thought.QuietStarModel;
import dev.quietstar.djl.thought.ReinforceRewardEstimator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing non-finite reaches a checkpoint, and a checkpoint whose optimizer state holds NaN is refused at resume: such
 * a state used to be restored and written into the next checkpoint, which then could not be loaded.
 */
class NonFiniteStateTest {

    @TempDir
    Path dir;

    @BeforeAll
    static void engine() {
        DjlEngines.pytorch();
    }

    @Test
    void aNanInTheOptimizerStateIsRefusedAtResumeNamingTheTensor() throws Exception {
        Path checkpoint;
        // past the first step: its warm-up learning rate is 0, so no moment exists yet
        var config = DjlTrainerTest.CONFIG.withTraining(DjlTrainerTest.CONFIG.training().withSteps(3));
        try (QuietStarModel model = DjlTrainerTest.tinyModel(config);
                DjlTrainer trainer = new DjlTrainer(model, config, dir.resolve("run"),
                        new ReinforceRewardEstimator())) {
            checkpoint = trainer.train(DjlTrainerTest.corpus()).finalCheckpoint();
        }
        Path state = checkpoint.resolve("training-state/optimizer.safetensors");
        String poisoned;
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> moments = Safetensors.read(m, state);
            poisoned = moments.keySet().iterator().next();
            NDArray first = moments.get(poisoned);
            float[] values = first.toFloatArray();
            values[0] = Float.NaN;
            first.set(values);
            Files.delete(state);
            Safetensors.write(state, moments);
        }
        var four = config.withTraining(config.training().withSteps(6));
        try (QuietStarModel model = QuietStarModel.load(checkpoint, ai.djl.Device.cpu());
                DjlTrainer trainer = new DjlTrainer(model, four, dir.resolve("resumed"),
                        new ReinforceRewardEstimator())) {
            assertThatThrownBy(() -> trainer.restore(checkpoint)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("optimizer.safetensors").hasMessageContaining("'" + poisoned + "'")
                    .hasMessageContaining("NaN or infinite");
        }
    }

    @Test
    void aCheckpointIsNeverWrittenWithANonFiniteWeight() {
        try (QuietStarModel model = DjlTrainerTest.tinyModel(DjlTrainerTest.CONFIG);
                DjlTrainer trainer = new DjlTrainer(model, DjlTrainerTest.CONFIG, dir.resolve("run"),
                        new ReinforceRewardEstimator())) {
            String name = model.parameters().keySet().iterator().next();
            NDArray weight = model.parameters().get(name).getArray();
            float[] values = weight.toFloatArray();
            values[values.length - 1] = Float.POSITIVE_INFINITY;
            weight.set(values);
            Path target = dir.resolve("saved");
            assertThatThrownBy(() -> trainer.save(target)).isInstanceOf(TrainingDivergedException.class)
                    .hasMessageContaining("'" + name + "'").hasMessageContaining("could not be loaded again");
            assertThat(target).doesNotExist();
        }
    }
}
