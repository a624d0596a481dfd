package dev.quietstar.core.inject;

import com.google.inject.Module;
import dev.quietstar.api.config.QuietStarConfig;

/**
 * Implemented by a {@link dev.quietstar.api.spi.QuietStarBackend} that contributes a Guice module binding its
 * components ({@code ThoughtGenerator}, {@code MixingHead}, {@code RewardEstimator}, {@code Trainer},
 * {@code Reasoner} factories).
 *
 * <p>Users replace a component by overriding the binding with {@code Modules.override(backendModule).with(...)}.
 */
public interface GuiceBackend {

    /**
     * The backend's module for a configuration.
     *
     * @param config the algorithm configuration the components are built for
     * @return the module
     */
    Module module(QuietStarConfig config);
}
