package dev.quietstar.djl;

import ai.djl.Device;
import dev.quietstar.api.ModelSource;
import dev.quietstar.api.Reasoner;
import ai.djl.ndarray.NDArray;
import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Module;
import com.google.inject.TypeLiteral;
import dev.quietstar.api.RewardEstimator;
import dev.quietstar.api.Trainer;
import dev.quietstar.api.TrainingSetup;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.api.spi.Capability;
import dev.quietstar.api.spi.QuietStarBackend;
import dev.quietstar.core.inject.GuiceBackend;
import dev.quietstar.djl.thought.BestOfRewardEstimator;
import dev.quietstar.djl.thought.LeaveOneOutRewardEstimator;
import dev.quietstar.djl.thought.ReinforceRewardEstimator;
import dev.quietstar.djl.train.DjlComponents;
import dev.quietstar.djl.train.DjlTrainerFactory;
import dev.quietstar.djl.infer.DjlReasoner;
import java.nio.file.Path;
import java.util.EnumSet;
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

    DjlBackend() {}

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
        return DjlReasoner.open(checkpoint, Device.cpu());
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
        return DjlReasoner.owning(DjlTrainerFactory.openModel(source, config, Device.cpu()));
    }

    /** {@inheritDoc} */
    @Override
    public Trainer newTrainer(TrainingSetup setup) {
        return Guice.createInjector(module(setup.config())).getInstance(DjlTrainerFactory.class).create(setup);
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
                bind(new TypeLiteral<RewardEstimator<NDArray>>() {}).to(switch (config.advantage()) {
                    case OFFICIAL -> ReinforceRewardEstimator.class;
                    case LEAVE_ONE_OUT -> LeaveOneOutRewardEstimator.class;
                    case BEST_OF -> BestOfRewardEstimator.class;
                });
            }
        };
    }
}
