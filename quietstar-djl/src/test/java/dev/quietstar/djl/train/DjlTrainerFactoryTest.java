package dev.quietstar.djl.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import com.google.inject.AbstractModule;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.TypeLiteral;
import dev.quietstar.api.ModelSource;
import dev.quietstar.api.RewardEstimate;
import dev.quietstar.api.RewardEstimator;
import dev.quietstar.api.TinyModelSpec;
import dev.quietstar.api.Trainer;
import dev.quietstar.api.TrainingReport;
import dev.quietstar.api.TrainingSetup;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.api.spi.Capability;
import dev.quietstar.api.spi.QuietStarBackend;
import dev.quietstar.core.backend.Backends;
import dev.quietstar.core.data.TextDatasets;
import dev.quietstar.core.inject.QuietStarModule;
import dev.quietstar.djl.DjlBackendProvider;
import dev.quietstar.djl.thought.ReinforceRewardEstimator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The backend's trainer creation and its Guice wiring. */
class DjlTrainerFactoryTest {

    static final QuietStarConfig CONFIG = QuietStarConfig.smallModel().withShape(2, 2, 2, 16)
            .withTraining(QuietStarConfig.smallModel().training().withSteps(2).withBatch(2, 2));
    static final TinyModelSpec SPEC = new TinyModelSpec("gpt2", 261, 32, 1, 4, 64, 3);

    @TempDir
    Path dir;

    /** Counts calls and delegates to the official estimator. */
    static final class CountingEstimator implements RewardEstimator<NDArray> {
        static final AtomicInteger CALLS = new AtomicInteger();
        private final ReinforceRewardEstimator delegate = new ReinforceRewardEstimator();

        @Override
        public RewardEstimate<NDArray> estimate(NDArray talk, NDArray base, int thoughtsPerPosition) {
            CALLS.incrementAndGet();
            return delegate.estimate(talk, base, thoughtsPerPosition);
        }
    }

    static dev.quietstar.api.Dataset data() {
        return TextDatasets.fromStrings("test", List.of("12+34=46. The cat sat on the mat.",
                "7*8=56 and 9*9=81; thinking helps.", "Quiet thoughts before speaking."));
    }

    @Test
    void backendTrainsATinyModelAndAdvertisesTrain() {
        QuietStarBackend backend = new DjlBackendProvider().create();
        assertThat(backend.capabilities()).contains(Capability.TRAIN);
        assertThat(new DjlBackendProvider().capabilities()).contains(Capability.TRAIN);
        Path out = dir.resolve("run");
        try (Trainer trainer = backend.newTrainer(new TrainingSetup(new ModelSource.Tiny(SPEC), CONFIG, out))) {
            TrainingReport report = trainer.train(data());
            assertThat(report.steps()).hasSize(2);
            assertThat(report.finalCheckpoint()).isEqualTo(out.resolve("checkpoints/step-000002"));
            assertThat(Files.isRegularFile(out.resolve("metrics.jsonl"))).isTrue();
        }
        // A checkpoint with training state and the same seed resumes; a longer schedule continues from step 2.
        QuietStarConfig longer = CONFIG.withTraining(CONFIG.training().withSteps(3));
        Path ckpt = out.resolve("checkpoints/step-000002");
        try (Trainer trainer = backend.newTrainer(new TrainingSetup(new ModelSource.Checkpoint(ckpt), longer, out))) {
            assertThat(trainer.completedSteps()).isEqualTo(2);
        }
        // With another seed the weights are used as a fresh start.
        QuietStarConfig reseeded = longer.withTraining(longer.training().withSeed(99));
        try (Trainer trainer = backend.newTrainer(
                new TrainingSetup(new ModelSource.Checkpoint(ckpt), reseeded, dir.resolve("other")))) {
            assertThat(trainer.completedSteps()).isZero();
        }
    }

    @Test
    void tinyVocabularySmallerThanTheByteTokenizerIsRejected() {
        QuietStarBackend backend = new DjlBackendProvider().create();
        TinyModelSpec small = new TinyModelSpec("llama", 100, 32, 1, 4, 64, 3);
        assertThatThrownBy(() -> backend.newTrainer(new TrainingSetup(new ModelSource.Tiny(small), CONFIG, dir)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("vocabSize must be at least 261, was 100");
    }

    @Test
    void userOverrideOfTheRewardEstimatorReachesTheTrainer() {
        QuietStarBackend backend = new DjlBackendProvider().create();
        Backends backends = Backends.of(List.of(new DjlBackendProvider()), k -> null, k -> null);
        Injector injector = QuietStarModule.injector(CONFIG, backends, backend, List.of(new AbstractModule() {
            @Override
            protected void configure() {
                bind(new TypeLiteral<RewardEstimator<NDArray>>() {}).to(CountingEstimator.class);
            }
        }));
        DjlTrainerFactory factory = injector.getInstance(DjlTrainerFactory.class);
        assertThat(factory.rewardEstimator()).isInstanceOf(CountingEstimator.class);
        int before = CountingEstimator.CALLS.get();
        try (Trainer trainer = factory.create(new TrainingSetup(new ModelSource.Tiny(SPEC), CONFIG, dir))) {
            trainer.train(data());
        }
        assertThat(CountingEstimator.CALLS.get()).isGreaterThan(before);

        // Without the override the backend's module binds the official estimator.
        Injector plain = QuietStarModule.injector(CONFIG, backends, backend, List.of());
        assertThat(plain.getInstance(Key.get(new TypeLiteral<RewardEstimator<NDArray>>() {})))
                .isInstanceOf(ReinforceRewardEstimator.class);
    }
}
