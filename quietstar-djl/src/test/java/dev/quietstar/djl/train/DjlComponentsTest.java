package dev.quietstar.djl.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import dev.quietstar.api.MixingHead;
import dev.quietstar.api.ModelSource;
import dev.quietstar.api.RewardEstimate;
import dev.quietstar.api.RewardEstimator;
import dev.quietstar.api.StepMetrics;
import dev.quietstar.api.ThoughtGenerator;
import dev.quietstar.api.ThoughtRollout;
import dev.quietstar.api.ThoughtSampler;
import dev.quietstar.api.Trainer;
import dev.quietstar.api.TrainingObjective;
import dev.quietstar.api.TrainingSetup;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.djl.DjlBackend;
import dev.quietstar.djl.DjlBackendProvider;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.thought.MlpMixingHead;
import dev.quietstar.djl.thought.ParallelThoughtGenerator;
import dev.quietstar.djl.thought.QuietStarModel;
import dev.quietstar.djl.thought.ReinforceRewardEstimator;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A user's thought generator, mixing head and reward estimator are the ones the training step runs. */
class DjlComponentsTest {

    private static final QuietStarConfig CONFIG = DjlTrainerFactoryTest.CONFIG;

    @TempDir
    Path dir;

    @BeforeAll
    static void engine() {
        DjlEngines.pytorch();
    }

    /** Counts the calls of a generator. */
    record CountingGenerator(ThoughtGenerator<NDArray> delegate, AtomicInteger calls)
            implements ThoughtGenerator<NDArray> {
        @Override
        public ThoughtRollout<NDArray> generate(NDArray ids, NDArray attention, ThoughtSampler<NDArray> sampler) {
            calls.incrementAndGet();
            return delegate.generate(ids, attention, sampler);
        }
    }

    /** Counts the calls of a head. */
    record CountingHead(MixingHead<NDArray> delegate, AtomicInteger calls) implements MixingHead<NDArray> {
        @Override
        public NDArray weight(NDArray base, NDArray thought) {
            calls.incrementAndGet();
            return delegate.weight(base, thought);
        }

        @Override
        public NDArray mix(NDArray base, NDArray thought, NDArray weight) {
            return delegate.mix(base, thought, weight);
        }
    }

    /** Counts the calls of an estimator. */
    record CountingEstimator(RewardEstimator<NDArray> delegate, AtomicInteger calls)
            implements RewardEstimator<NDArray> {
        @Override
        public RewardEstimate<NDArray> estimate(NDArray talk, NDArray base, int thoughtsPerPosition) {
            calls.incrementAndGet();
            return delegate.estimate(talk, base, thoughtsPerPosition);
        }
    }

    /** Mixes half and half, without weights of its own. */
    static final class HalfHead implements MixingHead<NDArray> {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public NDArray weight(NDArray base, NDArray thought) {
            calls.incrementAndGet();
            return base.get("..., 0:1").zerosLike().add(0.5f);
        }

        @Override
        public NDArray mix(NDArray base, NDArray thought, NDArray weight) {
            return base.mul(weight.neg().add(1f)).add(thought.mul(weight));
        }
    }

    private List<StepMetrics> train(QuietStarModel model, DjlComponents components, Path out) {
        try (DjlTrainer trainer = new DjlTrainer(model, CONFIG, out, TrainingObjective.QUIET_STAR, components)) {
            return trainer.train(DjlTrainerFactoryTest.data()).steps();
        }
    }

    @Test
    void wrappedDefaultsAreCalledOnEveryMicroBatchAndGiveTheDefaultNumbers() {
        List<StepMetrics> plain;
        try (QuietStarModel model = DjlTrainerFactory.openModel(new ModelSource.Tiny(DjlTrainerFactoryTest.SPEC),
                CONFIG, ai.djl.Device.cpu())) {
            plain = train(model, DjlComponents.DEFAULTS, dir.resolve("plain"));
        }
        AtomicInteger generated = new AtomicInteger();
        AtomicInteger weighed = new AtomicInteger();
        AtomicInteger estimated = new AtomicInteger();
        List<StepMetrics> wrapped;
        try (QuietStarModel model = DjlTrainerFactory.openModel(new ModelSource.Tiny(DjlTrainerFactoryTest.SPEC),
                CONFIG, ai.djl.Device.cpu())) {
            MlpMixingHead own = model.mixingHead();
            DjlComponents components = new DjlComponents(
                    new CountingGenerator(new ParallelThoughtGenerator(model, CONFIG.thoughtLength(),
                            CONFIG.lookahead()), generated),
                    new CountingHead(own, weighed), new CountingEstimator(new ReinforceRewardEstimator(), estimated));
            try (DjlTrainer trainer = new DjlTrainer(model, CONFIG, dir.resolve("wrapped"),
                    TrainingObjective.QUIET_STAR, components)) {
                assertThat(trainer.step().thoughtGenerator()).isSameAs(components.thoughtGenerator());
                assertThat(trainer.step().mixingHead()).isSameAs(components.mixingHead());
                assertThat(trainer.step().rewardEstimator()).isSameAs(components.rewardEstimator());
                assertThatThrownBy(() -> trainer.withAttentionLayout(ParallelThoughtGenerator.AttentionLayout.DENSE))
                        .isInstanceOf(IllegalStateException.class).hasMessageContaining("CountingGenerator");
                wrapped = trainer.train(DjlTrainerFactoryTest.data()).steps();
            }
        }
        int microBatches = CONFIG.training().steps() * CONFIG.training().examplesPerStep()
                / CONFIG.training().microBatchExamples();
        assertThat(generated.get()).isEqualTo(microBatches);
        assertThat(weighed.get()).isEqualTo(microBatches * CONFIG.lookahead());
        assertThat(estimated.get()).isEqualTo(microBatches);
        for (int i = 0; i < plain.size(); i++) {
            assertThat(wrapped.get(i).totalLoss()).isEqualTo(plain.get(i).totalLoss());
            assertThat(wrapped.get(i).gradNorm()).isEqualTo(plain.get(i).gradNorm());
        }
    }

    @Test
    void theBackendPassesAUsersComponentsToItsTrainers() {
        DjlBackend backend = (DjlBackend) new DjlBackendProvider().create();
        HalfHead head = new HalfHead();
        AtomicInteger estimated = new AtomicInteger();
        DjlComponents components = DjlComponents.DEFAULTS.withMixingHead(head)
                .withRewardEstimator(new CountingEstimator(new ReinforceRewardEstimator(), estimated));
        List<StepMetrics> steps;
        try (Trainer trainer = backend.newTrainer(new TrainingSetup(new ModelSource.Tiny(DjlTrainerFactoryTest.SPEC),
                CONFIG, dir.resolve("half")), components)) {
            steps = trainer.train(DjlTrainerFactoryTest.data()).steps();
        }
        assertThat(head.calls.get()).isPositive();
        assertThat(estimated.get()).isPositive();
        assertThat(steps).allSatisfy(m -> assertThat(m.meanMixingWeight()).isEqualTo(0.5, org.assertj.core.api
                .Assertions.within(1e-6)));
    }
}
