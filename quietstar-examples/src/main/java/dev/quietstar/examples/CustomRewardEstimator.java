package dev.quietstar.examples;

import ai.djl.ndarray.NDArray;
import com.google.inject.Key;
import com.google.inject.Module;
import com.google.inject.TypeLiteral;
import dev.quietstar.api.ModelSource;
import dev.quietstar.api.RewardEstimate;
import dev.quietstar.api.RewardEstimator;
import dev.quietstar.api.TinyModelSpec;
import dev.quietstar.api.Trainer;
import dev.quietstar.api.TrainingReport;
import dev.quietstar.api.TrainingSetup;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.api.config.TrainingConfig;
import dev.quietstar.api.spi.Capability;
import dev.quietstar.api.spi.QuietStarBackend;
import dev.quietstar.core.backend.Backends;
import dev.quietstar.core.inject.Components;
import dev.quietstar.core.text.ByteTokenizer;
import dev.quietstar.djl.thought.ReinforceRewardEstimator;
import dev.quietstar.examples.data.ArithmeticCorpus;
import java.nio.file.Path;
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
 * module handed to backend creation ({@link Components#create}); every trainer of that backend then uses it. The
 * same mechanism plugs any component a backend lists, and refuses one it cannot use.
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
     * The module that plugs the clipped estimator in.
     *
     * @return the module
     */
    public static Module module() {
        return binder -> binder.bind(ESTIMATOR_KEY).to(ClippedReinforceEstimator.class);
    }

    /**
     * A training backend that uses the clipped estimator wherever it trains: the user's module is handed to backend
     * creation through {@link Components}, which refuses it if the chosen backend cannot use it.
     *
     * @return the backend
     */
    public static QuietStarBackend backend() {
        return Components.create(Backends.discover().select(Capability.TRAIN), module());
    }

    /**
     * Trains a tiny model with the clipped estimator, through the SPI.
     *
     * @param outputDir where metrics and the checkpoint go
     * @param steps optimiser steps
     * @return the training report
     */
    public static TrainingReport train(Path outputDir, int steps) {
        QuietStarConfig config = QuietStarConfig.smallModel().withShape(2, 2, 2, 32)
                .withTraining(TrainingConfig.official().withSteps(steps).withBatch(2, 2));
        TinyModelSpec spec = new TinyModelSpec("gpt2", ByteTokenizer.VOCAB_SIZE, 32, 2, 4, 64, 1);
        try (Trainer trainer = backend().newTrainer(new TrainingSetup(new ModelSource.Tiny(spec), config,
                outputDir))) {
            return trainer.train(ArithmeticCorpus.builder().optTrainDocuments(200).optHeldOutProblems(3).build()
                    .trainDataset());
        }
    }
}
