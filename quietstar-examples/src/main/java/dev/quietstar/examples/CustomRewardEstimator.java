package dev.quietstar.examples;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import com.google.inject.AbstractModule;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.Module;
import com.google.inject.TypeLiteral;
import com.google.inject.util.Modules;
import dev.quietstar.api.RewardEstimate;
import dev.quietstar.api.RewardEstimator;
import dev.quietstar.api.TrainingReport;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.api.config.TrainingConfig;
import dev.quietstar.api.spi.QuietStarBackend;
import dev.quietstar.core.backend.Backends;
import dev.quietstar.core.inject.QuietStarModule;
import dev.quietstar.core.text.ByteTokenizer;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.model.CausalDecoder;
import dev.quietstar.djl.model.DecoderConfig;
import dev.quietstar.djl.thought.QuietStarModel;
import dev.quietstar.djl.thought.ReinforceRewardEstimator;
import dev.quietstar.djl.train.DjlTrainer;
import dev.quietstar.examples.data.ArithmeticCorpus;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Plugs a custom {@link RewardEstimator} into Quiet-STaR training through Guice.
 *
 * <p>The estimator turns the log-probabilities of the true future tokens with and without each thought into a
 * reward per thought and an advantage that scales the policy gradient. The one here keeps the official rule
 * (reward r = sum over look-ahead steps of log p_talk - log p_base; advantage = max(0, r - mean of r over the
 * thoughts of the same position)) and also clips the advantage at {@value ClippedReinforceEstimator#MAX_ADVANTAGE}
 * nats, so one lucky thought cannot dominate a step's gradient.
 *
 * <p>Wiring: the estimator is bound with {@code bind(new TypeLiteral<RewardEstimator<NDArray>>() {})} in a user
 * module that overrides the default binding; the program then asks the injector for the estimator and gives it to
 * the trainer. The same override works for any component a backend binds.
 *
 * <pre>
 * java -cp quietstar-all.jar dev.quietstar.examples.CustomRewardEstimator out/ 10
 * </pre>
 */
public final class CustomRewardEstimator {

    /** The generic key the trainer's estimator is bound under. */
    public static final Key<RewardEstimator<NDArray>> ESTIMATOR_KEY =
            Key.get(new TypeLiteral<RewardEstimator<NDArray>>() { });

    private CustomRewardEstimator() {}

    /** REINFORCE with the official baseline whose advantages are clipped from above. */
    public static final class ClippedReinforceEstimator implements RewardEstimator<NDArray> {

        /** The largest advantage, in nats. */
        public static final float MAX_ADVANTAGE = 2.0f;

        private final ReinforceRewardEstimator official = new ReinforceRewardEstimator();

        /** Creates the estimator; Guice calls this. */
        @com.google.inject.Inject
        public ClippedReinforceEstimator() {}

        /** {@inheritDoc} */
        @Override
        public RewardEstimate<NDArray> estimate(NDArray talkLogProbs, NDArray baseLogProbs,
                int thoughtsPerPosition) {
            RewardEstimate<NDArray> r = official.estimate(talkLogProbs, baseLogProbs, thoughtsPerPosition);
            // Advantages are detached (no gradient flows through them), so clip() is safe here.
            return new RewardEstimate<>(r.rewards(), r.advantages().clip(0f, MAX_ADVANTAGE));
        }
    }

    /** Binds the official estimator, the default the user module overrides. */
    static final class DefaultEstimatorModule extends AbstractModule {
        @Override
        protected void configure() {
            bind(ESTIMATOR_KEY).to(ReinforceRewardEstimator.class);
        }
    }

    /**
     * Trains a tiny model on the built-in arithmetic corpus with the clipped estimator.
     *
     * @param args the output folder, and optionally the number of steps (default 10)
     */
    public static void main(String[] args) {
        if (args.length < 1) {
            System.err.println("usage: CustomRewardEstimator OUTPUT_DIR [STEPS]");
            System.exit(2);
        }
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        TrainingReport report = train(Path.of(args[0]), steps);
        report.steps().forEach(m -> System.out.printf(Locale.ROOT, "step %3d  loss %.4f  reward %+.4f%n", m.step(),
                m.totalLoss(), m.meanReward()));
        System.out.println("checkpoint: " + report.finalCheckpoint());
    }

    /**
     * Builds the injector with the custom estimator overriding the default one.
     *
     * @param config the configuration
     * @return the injector
     */
    public static Injector injector(QuietStarConfig config) {
        Backends backends = Backends.discover();
        QuietStarBackend backend = backends.select().create();
        Module user = binder -> binder.bind(ESTIMATOR_KEY).to(ClippedReinforceEstimator.class);
        return QuietStarModule.injector(config, backends, backend,
                List.of(Modules.override(new DefaultEstimatorModule()).with(user)));
    }

    /**
     * Trains a tiny model with the estimator the injector provides.
     *
     * @param outputDir where metrics and the checkpoint go
     * @param steps optimiser steps
     * @return the training report
     */
    public static TrainingReport train(Path outputDir, int steps) {
        QuietStarConfig config = QuietStarConfig.smallModel().withShape(2, 2, 2, 32)
                .withTraining(TrainingConfig.official().withSteps(steps).withBatch(2, 2));
        Injector injector = injector(config);
        RewardEstimator<NDArray> estimator = injector.getInstance(ESTIMATOR_KEY);
        DjlEngines.pytorch();
        CausalDecoder decoder = CausalDecoder.random(DecoderConfig.gpt2(ByteTokenizer.VOCAB_SIZE, 32, 2, 4, 64),
                Device.cpu(), 1);
        try (QuietStarModel model = QuietStarModel.create(decoder, ByteTokenizer.instance(), config, 1);
                DjlTrainer trainer = new DjlTrainer(model, config, outputDir, estimator)) {
            return trainer.train(ArithmeticCorpus.builder().optTrainDocuments(200).optHeldOutProblems(3).build()
                    .trainDataset());
        }
    }
}
