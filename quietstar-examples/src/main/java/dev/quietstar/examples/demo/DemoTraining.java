package dev.quietstar.examples.demo;

import ai.djl.Device;
import dev.quietstar.api.Dataset;
import dev.quietstar.api.ModelSource;
import dev.quietstar.api.TinyModelSpec;
import dev.quietstar.api.Trainer;
import dev.quietstar.api.TrainingObjective;
import dev.quietstar.api.TrainingReport;
import dev.quietstar.api.TrainingSetup;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.api.config.TrainingConfig;
import dev.quietstar.api.spi.QuietStarBackend;
import dev.quietstar.core.text.ByteTokenizer;
import dev.quietstar.core.train.ProgressListener;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.thought.QuietStarModel;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The training phases of the demo: the base model (shipped or pretrained here), Quiet-STaR from it, and the plain
 * next-token controls from it. Every run goes through the backend SPI ({@link QuietStarBackend#newTrainer}).
 */
public final class DemoTraining {

    /** Class-path folder of the shipped base checkpoint. */
    static final String SHIPPED_BASE = "/dev/quietstar/examples/demo/base/";
    /** Files of the shipped base checkpoint. */
    static final List<String> BASE_FILES = List.of("config.json", "model.safetensors", "quietstar.json",
            "tokenizer.json");
    /** The base model's shape: a byte-level GPT-2, H = 128, 3 layers, 4 heads. */
    static final TinyModelSpec BASE_SPEC = new TinyModelSpec("gpt2", ByteTokenizer.VOCAB_SIZE, 128, 3, 4, 128, 42);

    /** Pretraining window: the longest worked document ({@code Q: 999+999=?\nA: [...]1998\n}, 31 bytes) and the start token. */
    static final int PRETRAIN_WINDOW = 32;

    private final QuietStarBackend backend;
    private final DemoPlan plan;
    private final List<String> overrides;

    DemoTraining(QuietStarBackend backend, DemoPlan plan, List<String> overrides) {
        this.backend = backend;
        this.plan = plan;
        this.overrides = List.copyOf(overrides);
    }

    /** The pretraining configuration (also the one recorded beside the shipped checkpoint). */
    static QuietStarConfig pretrainConfig(int steps, int baseStep, long seed) {
        QuietStarConfig o = QuietStarConfig.official();
        return o.withShape(o.thoughtLength(), 4, 1, PRETRAIN_WINDOW)
                .withOptimizer(o.optimizer().withLearningRate(2e-3).withWarmupSteps(100))
                .withTraining(TrainingConfig.official().withSteps(steps).withBatch(32, 32).withSeed(seed)
                        .withCheckpointEvery(baseStep));
    }

    /**
     * Pretrains the base model with the plain next-token loss.
     *
     * @param data the training corpus
     * @param out output folder of the run
     * @return the final checkpoint and metrics
     */
    TrainingReport pretrain(Dataset data, Path out) {
        return run(new TrainingSetup(new ModelSource.Tiny(BASE_SPEC),
                pretrainConfig(plan.pretrainSteps(), plan.baseStep(), 42), out,
                TrainingObjective.NEXT_TOKEN), "pretrain", data);
    }

    /**
     * Copies the shipped base checkpoint to a folder.
     *
     * @param target destination folder
     */
    public static void extractShippedBase(Path target) {
        try {
            Files.createDirectories(target);
            for (String f : BASE_FILES) {
                try (InputStream in = DemoTraining.class.getResourceAsStream(SHIPPED_BASE + f)) {
                    if (in == null) {
                        throw new IllegalStateException("the shipped base checkpoint is missing " + f
                                + " on the class path; rebuild the jar or run the demo with --from-scratch");
                    }
                    Files.copy(in, target.resolve(f), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the base checkpoint to " + target, e);
        }
    }

    /**
     * Prepares the starting point of the Quiet-STaR and control runs: the base weights with both meta-tokens
     * re-initialised from the brackets that delimit written scratchpads in the data, saved without training state.
     *
     * @param base the base checkpoint
     * @param target the prepared checkpoint
     */
    static void prepareStart(Path base, Path target) {
        try (QuietStarModel model = QuietStarModel.load(base, DjlEngines.pytorch().defaultDevice())) {
            model.reinitialiseMetaTokens("[", "]");
            model.save(target, null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target, e);
        }
    }

    /**
     * Saves a checkpoint's weights with another configuration (the step-0 point of a run's thought-quality curve:
     * the start weights with the run's thoughtLength and look-ahead).
     *
     * @param from the checkpoint
     * @param config the configuration to record
     * @param target the new checkpoint folder
     */
    static void saveWithConfig(Path from, QuietStarConfig config, Path target) {
        try (QuietStarModel model = QuietStarModel.load(from, device())) {
            model.save(target, config, null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target, e);
        }
    }

    /**
     * The Quiet-STaR recipe of the demo: the small-model preset with the meta-tokens frozen, then the user's
     * {@code --set} overrides.
     */
    QuietStarConfig quietStarConfig(int thoughtLength) {
        QuietStarConfig s = QuietStarConfig.smallModel();
        QuietStarConfig recipe = s.withShape(thoughtLength, plan.lookahead(), plan.thoughtsPerPosition(), plan.sequenceLength())
                .withMetaTokenInit("[")
                .withOptimizer(s.optimizer().withLearningRate(1e-4).withMultipliers(30.0, 0.0).withWarmupSteps(10))
                .withTraining(TrainingConfig.official().withSteps(plan.quietStarSteps())
                        .withBatch(plan.examplesPerStep(), plan.examplesPerStep()).withSeed(plan.seed())
                        .withCheckpointEvery(plan.qualityEvery()));
        QuietStarConfig c = dev.quietstar.core.config.ConfigLoader.override(recipe, overrides);
        return c.withShape(thoughtLength, c.lookahead(), c.thoughtsPerPosition(), c.sequenceLength());
    }

    /** The control: the same data, batches and backbone learning rate, next-token loss only. */
    QuietStarConfig controlConfig(int steps) {
        QuietStarConfig q = quietStarConfig(plan.thoughtLength());
        return q.withTraining(q.training().withSteps(steps).withCheckpointEvery(0));
    }

    TrainingReport quietStar(Path start, Dataset data, Path out, int thoughtLength) {
        return quietStar(start, data, out, thoughtLength, plan.quietStarSteps(), "quiet-star n=" + thoughtLength);
    }

    TrainingReport quietStar(Path start, Dataset data, Path out, int thoughtLength, int steps, String label) {
        QuietStarConfig c = quietStarConfig(thoughtLength);
        return quietStar(start, data, out, c.withTraining(c.training().withSteps(steps)), label);
    }

    TrainingReport quietStar(Path start, Dataset data, Path out, QuietStarConfig config, String label) {
        return run(new TrainingSetup(new ModelSource.Checkpoint(start), config, out, TrainingObjective.QUIET_STAR),
                label, data);
    }

    TrainingReport control(Path start, Dataset data, Path out, int steps, String label) {
        return run(new TrainingSetup(new ModelSource.Checkpoint(start), controlConfig(steps), out,
                TrainingObjective.NEXT_TOKEN), label, data);
    }

    private TrainingReport run(TrainingSetup setup, String label, Dataset data) {
        try (Trainer trainer = backend.newTrainer(setup);
                ProgressListener progress = new ProgressListener(label, setup.config().training().steps(),
                        Math.max(1, setup.config().training().steps() / 10))) {
            trainer.addListener(progress);
            return trainer.train(data);
        }
    }

    /**
     * The demo's models are tiny: one intra-op thread of the DJL engine is as fast as two and does not collapse when
     * other processes compete for the cores (OpenMP threads spin while they wait). Called before the engine loads;
     * a thread count the user set is kept.
     */
    public static void useOneEngineThread() {
        if (System.getProperty("ai.djl.pytorch.num_threads") == null) {
            System.setProperty("ai.djl.pytorch.num_threads", "1");
        }
    }

    static Device device() {
        return DjlEngines.pytorch().defaultDevice();
    }
}
