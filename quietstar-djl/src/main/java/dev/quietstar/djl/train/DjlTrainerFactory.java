package dev.quietstar.djl.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import dev.quietstar.api.Dataset;
import dev.quietstar.api.ModelSource;
import dev.quietstar.api.RewardEstimator;
import dev.quietstar.api.TinyModelSpec;
import dev.quietstar.api.Trainer;
import dev.quietstar.api.TrainingListener;
import dev.quietstar.api.TrainingReport;
import dev.quietstar.api.TrainingSetup;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.core.checkpoint.CheckpointInfo;
import dev.quietstar.core.text.ByteTokenizer;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.model.CausalDecoder;
import dev.quietstar.djl.model.DecoderConfig;
import dev.quietstar.djl.model.HfTextTokenizer;
import dev.quietstar.djl.model.HuggingFaceModels;
import dev.quietstar.djl.model.Llama2cImport;
import dev.quietstar.djl.thought.QuietStarModel;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Creates {@link DjlTrainer}s with given Quiet-STaR components ({@link DjlComponents}: thought generator, mixing
 * head, reward estimator).
 *
 * <p>Guice builds it through the {@code @Inject} constructor with the {@link RewardEstimator} bound (the
 * {@code djl-pytorch} backend binds {@link dev.quietstar.djl.thought.ReinforceRewardEstimator}; a user overrides that
 * binding with {@code Modules.override(backendModule).with(...)} or the overrides of
 * {@code QuietStarModule.injector}). Code that holds its own components passes them to
 * {@link #DjlTrainerFactory(DjlComponents)}; every trainer of the factory then runs them on every micro-batch.
 *
 * <p>Model sources: a checkpoint folder (resumed, optimiser state included, when it holds a
 * {@value DjlTrainer#STATE_DIR} folder written with the same seed; otherwise trained from its weights as a fresh
 * start), a local HuggingFace folder (equipped with meta-tokens and a zero-output mixing head), or a tiny random
 * decoder with the built-in byte-level tokenizer.
 */
public final class DjlTrainerFactory {

    static {
        // Offline mode and DJL's cache folder are set before this class can touch DJL (see DjlEngines#configure).
        dev.quietstar.djl.DjlEngines.configure();
    }

    private final DjlComponents components;
    private final Function<QuietStarModel, DjlComponents> perModel;

    /**
     * Creates the factory with a reward estimator and the default thought generator and mixing head.
     *
     * @param rewards the reward estimator every trainer of this factory uses
     */
    @Inject
    public DjlTrainerFactory(RewardEstimator<NDArray> rewards) {
        this(DjlComponents.DEFAULTS.withRewardEstimator(Objects.requireNonNull(rewards, "rewards")));
    }

    /**
     * Creates the factory with given components; a null field takes the default (see {@link DjlComponents}).
     *
     * @param components the components every trainer of this factory uses
     */
    public DjlTrainerFactory(DjlComponents components) {
        this.components = Objects.requireNonNull(components, "components");
        this.perModel = model -> components;
    }

    /**
     * Creates the factory with components built for each model it opens: for components that need the model, such
     * as a thought generator over its decoder (the Guice wiring of {@link dev.quietstar.djl.DjlBackend} uses this).
     *
     * @param perModel builds the components of a trainer from its model; a null field takes the default
     */
    public DjlTrainerFactory(Function<QuietStarModel, DjlComponents> perModel) {
        this.perModel = Objects.requireNonNull(perModel, "perModel");
        this.components = null;
    }

    /**
     * The reward estimator given to the trainers, or null when each trainer takes the one its configuration names.
     *
     * @return the estimator
     */
    public RewardEstimator<NDArray> rewardEstimator() {
        return components == null ? null : components.rewardEstimator();
    }

    /**
     * The components given to the trainers, when they do not depend on the model.
     *
     * @return the components, or null for a factory that builds them per model
     */
    public DjlComponents components() {
        return components;
    }

    /**
     * Builds the model a setup names and a trainer for it. The returned trainer owns the model and frees it on
     * {@link Trainer#close()}.
     *
     * @param setup the model source, configuration and output folder
     * @return the trainer, already resumed when the source is a resumable checkpoint
     * @throws IllegalArgumentException when the source cannot be used, naming what is wrong
     */
    public Trainer create(TrainingSetup setup) {
        QuietStarConfig config = setup.config();
        QuietStarModel model = openModel(setup.model(), config, DjlEngines.device(setup.device()));
        try {
            DjlComponents built = Objects.requireNonNull(perModel.apply(model), "components");
            DjlTrainer trainer = new DjlTrainer(model, config, setup.outputDir(), setup.objective(), built);
            try {
                if (setup.model() instanceof ModelSource.Checkpoint c) {
                    trainer.resumeIfPossible(c.folder());
                }
            } catch (RuntimeException e) {
                trainer.close();
                throw e;
            }
            return new ModelOwningTrainer(trainer, model);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * Creates a trainer for a model the caller owns (and closes).
     *
     * @param model the model
     * @param config the configuration
     * @param outputDir folder for checkpoints and metrics
     * @return the trainer
     */
    public DjlTrainer create(QuietStarModel model, QuietStarConfig config, Path outputDir) {
        return new DjlTrainer(model, config, outputDir, dev.quietstar.api.TrainingObjective.QUIET_STAR,
                Objects.requireNonNull(perModel.apply(model), "components"));
    }

    /**
     * Builds the model a source names.
     *
     * @param source where the model comes from
     * @param config the configuration (seeds the mixing head of new models)
     * @param device where the weights go
     * @return the model; the caller closes it
     * @throws IllegalArgumentException when the source cannot be used, naming what is wrong
     */
    public static QuietStarModel openModel(ModelSource source, QuietStarConfig config, Device device) {
        long seed = config.training().seed();
        if (source instanceof ModelSource.Checkpoint c) {
            QuietStarModel model = QuietStarModel.load(c.folder(), device);
            if (model.config().metaTokenScale() != config.metaTokenScale()) {
                model.close();
                throw new IllegalArgumentException("metaTokenScale is " + config.metaTokenScale()
                        + " but checkpoint " + c.folder() + " was made with " + model.config().metaTokenScale()
                        + "; keep the checkpoint's value");
            }
            return model;
        }
        if (source instanceof ModelSource.HuggingFace hf) {
            HfTextTokenizer tokenizer = HfTextTokenizer.load(hf.folder(), Map.of());
            try {
                CheckpointInfo.checkTokenizerFits(tokenizer.vocabSize(),
                        hf.folder().resolve("tokenizer.json").toString(),
                        HuggingFaceModels.readConfig(hf.folder()).vocabSize(), hf.folder().resolve("config.json"));
                QuietStarModel model = QuietStarModel.fromHuggingFace(hf.folder(), tokenizer, device, config, seed);
                model.setOrigin(hf.folder());
                return model;
            } catch (RuntimeException e) {
                tokenizer.close();
                throw e;
            }
        }
        if (source instanceof ModelSource.Llama2c l2c) {
            CausalDecoder decoder = Llama2cImport.loadDecoder(l2c.weights(), device);
            try {
                QuietStarModel model = QuietStarModel.create(decoder,
                        Llama2cImport.loadTokenizer(l2c.tokenizer(), decoder.config().vocabSize()), config, seed);
                model.setOrigin(l2c.weights());
                return model;
            } catch (RuntimeException e) {
                decoder.close();
                throw e;
            }
        }
        TinyModelSpec spec = ((ModelSource.Tiny) source).spec();
        CausalDecoder decoder = CausalDecoder.random(decoderConfig(spec), device, spec.seed());
        try {
            return QuietStarModel.create(decoder, ByteTokenizer.instance(), config, seed);
        } catch (RuntimeException e) {
            decoder.close();
            throw e;
        }
    }

    /**
     * The decoder shape of a tiny model spec.
     *
     * @param spec the spec; its vocabulary must hold the byte-level tokenizer's {@value ByteTokenizer#VOCAB_SIZE}
     *     ids
     * @return the decoder configuration
     * @throws IllegalArgumentException when the vocabulary is too small
     */
    public static DecoderConfig decoderConfig(TinyModelSpec spec) {
        if (spec.vocabSize() < ByteTokenizer.VOCAB_SIZE) {
            throw new IllegalArgumentException("a tiny model uses the byte-level tokenizer, whose vocabulary has "
                    + ByteTokenizer.VOCAB_SIZE + " ids (256 bytes, BOS, EOS, PAD and the two meta-tokens); vocabSize "
                    + "must be at least " + ByteTokenizer.VOCAB_SIZE + ", was " + spec.vocabSize());
        }
        return "llama".equals(spec.architecture())
                ? DecoderConfig.llama(spec.vocabSize(), spec.hiddenSize(), spec.layers(), spec.heads(), spec.heads(),
                        spec.maxPositions(), false)
                : DecoderConfig.gpt2(spec.vocabSize(), spec.hiddenSize(), spec.layers(), spec.heads(),
                        spec.maxPositions());
    }

    /** A trainer that also frees its model when closed. */
    private static final class ModelOwningTrainer implements Trainer {
        private final DjlTrainer trainer;
        private final QuietStarModel model;

        ModelOwningTrainer(DjlTrainer trainer, QuietStarModel model) {
            this.trainer = trainer;
            this.model = model;
        }

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
    }
}
