package dev.quietstar.djl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.Module;
import com.google.inject.TypeLiteral;
import com.google.inject.util.Modules;
import dev.quietstar.api.ComputeDevice;
import dev.quietstar.api.MixingHead;
import dev.quietstar.api.ModelSource;
import dev.quietstar.api.Reasoner;
import dev.quietstar.api.RewardEstimator;
import dev.quietstar.api.ThoughtGenerator;
import dev.quietstar.api.ThoughtSampler;
import dev.quietstar.api.Trainer;
import dev.quietstar.api.TrainingSetup;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.api.spi.Capability;
import dev.quietstar.api.spi.QuietStarBackend;
import dev.quietstar.core.infer.InferenceComponents;
import dev.quietstar.core.inject.Components;
import dev.quietstar.core.inject.GuiceBackend;
import dev.quietstar.djl.infer.DjlReasoner;
import dev.quietstar.djl.thought.BestOfRewardEstimator;
import dev.quietstar.djl.thought.LeaveOneOutRewardEstimator;
import dev.quietstar.djl.thought.QuietStarModel;
import dev.quietstar.djl.thought.ReinforceRewardEstimator;
import dev.quietstar.djl.train.DjlComponents;
import dev.quietstar.djl.train.DjlTrainerFactory;
import dev.quietstar.djl.train.ObjectiveProbe;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code djl-pytorch} backend.
 *
 * <p>Its Guice {@link #module module} binds {@code RewardEstimator<NDArray>} to the estimator the configuration's
 * {@code advantage} names ({@link ReinforceRewardEstimator} for the official rule);
 * {@link DjlTrainerFactory} (from the injector) builds trainers with whatever estimator is bound.
 */
public final class DjlBackend implements QuietStarBackend, GuiceBackend {

    /** What the code of this backend implements so far. */
    static final Set<Capability> CAPABILITIES = EnumSet.of(Capability.TRAIN, Capability.INFER);

    /** The key of the reward estimator that training uses. */
    public static final Key<RewardEstimator<NDArray>> REWARD_ESTIMATOR =
            Key.get(new TypeLiteral<RewardEstimator<NDArray>>() { });

    /** The key of the thought generator that training uses (its default runs all positions in parallel). */
    public static final Key<ThoughtGenerator<NDArray>> THOUGHT_GENERATOR =
            Key.get(new TypeLiteral<ThoughtGenerator<NDArray>>() { });

    /** The key of the mixing head that training uses (its default is the model's own MLP head). */
    public static final Key<MixingHead<NDArray>> TRAINING_MIXING_HEAD =
            Key.get(new TypeLiteral<MixingHead<NDArray>>() { });

    /** The key of the thought sampler that training uses (its default samples from the step's seeded source). */
    public static final Key<ThoughtSampler<NDArray>> TRAINING_THOUGHT_SAMPLER =
            Key.get(new TypeLiteral<ThoughtSampler<NDArray>>() { });

    private final List<Module> overrides;
    private final InferenceComponents inference;

    DjlBackend() {
        this(List.of());
    }

    private DjlBackend(List<Module> overrides) {
        this.overrides = List.copyOf(overrides);
        this.inference = overrides.isEmpty() ? InferenceComponents.NONE : Components.inference(overrides);
    }

    @Override
    public String name() {
        return DjlBackendProvider.NAME;
    }

    @Override
    public Set<Capability> capabilities() {
        return DjlBackendProvider.withGpu(CAPABILITIES);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Loads the checkpoint on the CPU and returns a {@link DjlReasoner} that owns it.
     */
    @Override
    public Reasoner openReasoner(Path checkpoint) {
        DjlEngines.pytorch();
        return DjlReasoner.owning(QuietStarModel.load(checkpoint, Device.cpu()), inference);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Plain models get the official configuration's meta-token initialisation and a zero-output mixing head.
     */
    @Override
    public Reasoner openReasoner(ModelSource source) {
        if (source instanceof ModelSource.Checkpoint c) {
            return openReasoner(c.folder());
        }
        DjlEngines.pytorch();
        QuietStarConfig config = QuietStarConfig.official();
        return DjlReasoner.owning(DjlTrainerFactory.openModel(source, config, Device.cpu()), inference);
    }

    /**
     * {@inheritDoc}
     *
     * <p>A GPU must be one PyTorch reports; the weights are loaded there and the decoder steps run there.
     */
    @Override
    public Reasoner openReasoner(ModelSource source, ComputeDevice device) {
        Device d = DjlEngines.device(device);
        if (source instanceof ModelSource.Checkpoint c) {
            return DjlReasoner.owning(QuietStarModel.load(c.folder(), d), inference);
        }
        return DjlReasoner.owning(DjlTrainerFactory.openModel(source, QuietStarConfig.official(), d), inference);
    }

    /** {@inheritDoc} */
    @Override
    public String probe(Path checkpoint, Path input) {
        return ObjectiveProbe.run(checkpoint, ObjectiveProbe.readInput(input)).toJson();
    }

    /**
     * {@inheritDoc}
     *
     * <p>The user's bindings (see {@link #componentKeys()}) come from an injector built for the opened model, which
     * also binds the {@link QuietStarModel} and the {@link QuietStarConfig}, so a thought generator or mixing head
     * can take the model in its {@code @Inject} constructor.
     */
    @Override
    public Trainer newTrainer(TrainingSetup setup) {
        Module defaults = module(setup.config());
        if (overrides.isEmpty()) {
            RewardEstimator<NDArray> estimator = Guice.createInjector(defaults).getInstance(REWARD_ESTIMATOR);
            return new DjlTrainerFactory(DjlComponents.DEFAULTS.withRewardEstimator(estimator)).create(setup);
        }
        return new DjlTrainerFactory(model -> {
            Module perModel = new AbstractModule() {
                @Override
                protected void configure() {
                    bind(QuietStarModel.class).toInstance(model);
                    bind(QuietStarConfig.class).toInstance(setup.config());
                }
            };
            Injector injector = Guice.createInjector(Modules.override(Modules.combine(defaults, perModel))
                    .with(overrides));
            return new DjlComponents(Components.instance(injector, THOUGHT_GENERATOR).orElse(null),
                    Components.instance(injector, TRAINING_MIXING_HEAD).orElse(null),
                    injector.getInstance(REWARD_ESTIMATOR),
                    Components.instance(injector, TRAINING_THOUGHT_SAMPLER).orElse(null));
        }).create(setup);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Training takes {@link #REWARD_ESTIMATOR}, {@link #THOUGHT_GENERATOR}, {@link #TRAINING_MIXING_HEAD} and
     * {@link #TRAINING_THOUGHT_SAMPLER} (DJL arrays, so these run on this backend only); generation, scoring and
     * evaluation take the engine-neutral {@link Components#INFERENCE_MIXING_HEAD} and
     * {@link Components#INFERENCE_THOUGHT_SAMPLER}.
     */
    @Override
    public Set<Key<?>> componentKeys() {
        return Set.of(REWARD_ESTIMATOR, THOUGHT_GENERATOR, TRAINING_MIXING_HEAD, TRAINING_THOUGHT_SAMPLER,
                Components.INFERENCE_MIXING_HEAD, Components.INFERENCE_THOUGHT_SAMPLER);
    }

    /** {@inheritDoc} */
    @Override
    public QuietStarBackend withOverrides(List<Module> modules) {
        List<Module> all = new ArrayList<>(overrides);
        all.addAll(modules);
        return new DjlBackend(all);
    }

    /**
     * Creates a trainer that runs given Quiet-STaR components instead of the defaults (a null field keeps the
     * default: see {@link DjlComponents}).
     *
     * @param setup the model source, configuration and output folder
     * @param components the thought generator, mixing head and reward estimator
     * @return the trainer, already resumed when the source is a resumable checkpoint
     */
    public Trainer newTrainer(TrainingSetup setup, DjlComponents components) {
        return new DjlTrainerFactory(components).create(setup);
    }

    /** {@inheritDoc} */
    @Override
    public Module module(QuietStarConfig config) {
        return new AbstractModule() {
            @Override
            protected void configure() {
                bind(REWARD_ESTIMATOR).to(switch (config.advantage()) {
                    case OFFICIAL -> ReinforceRewardEstimator.class;
                    case LEAVE_ONE_OUT -> LeaveOneOutRewardEstimator.class;
                    case BEST_OF -> BestOfRewardEstimator.class;
                });
            }
        };
    }
}
