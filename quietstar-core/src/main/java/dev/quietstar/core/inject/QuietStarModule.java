package dev.quietstar.core.inject;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Module;
import com.google.inject.util.Modules;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.api.spi.BackendProvider;
import dev.quietstar.api.spi.Capability;
import dev.quietstar.api.spi.QuietStarBackend;
import dev.quietstar.core.backend.Backends;
import java.util.List;
import java.util.Objects;

/**
 * Core's Guice module: binds the configuration, the backend registry and the selected backend.
 *
 * <p>{@link #injector} builds the one injector of an application from this module, the chosen backend's module
 * (when the backend is a {@link GuiceBackend}) and optional user overrides. The overrides are applied through
 * {@link Components#withOverrides}: a binding the backend cannot use is refused, and the {@code QuietStarBackend}
 * the injector provides uses every accepted one.
 */
public final class QuietStarModule extends AbstractModule {

    private final QuietStarConfig config;
    private final Backends backends;
    private final QuietStarBackend backend;

    /**
     * Creates the module.
     *
     * @param config the configuration to bind
     * @param backends the registry to bind
     * @param backend the selected backend to bind
     */
    public QuietStarModule(QuietStarConfig config, Backends backends, QuietStarBackend backend) {
        this.config = Objects.requireNonNull(config, "config");
        this.backends = Objects.requireNonNull(backends, "backends");
        this.backend = Objects.requireNonNull(backend, "backend");
    }

    @Override
    protected void configure() {
        bind(QuietStarConfig.class).toInstance(config);
        bind(Backends.class).toInstance(backends);
        bind(QuietStarBackend.class).toInstance(backend);
    }

    /**
     * Selects a backend with the capabilities asked for and builds the injector.
     *
     * @param config the configuration
     * @param overrides user modules whose bindings replace the backend's (may be empty)
     * @param required capabilities the backend must have
     * @return the injector
     */
    public static Injector injector(QuietStarConfig config, List<Module> overrides, Capability... required) {
        Backends backends = Backends.discover();
        BackendProvider provider = backends.select(required);
        return injector(config, backends, provider.create(), overrides);
    }

    /**
     * Builds the injector for a given backend.
     *
     * @param config the configuration
     * @param backends the registry
     * @param backend the backend
     * @param overrides user modules whose bindings replace the backend's (may be empty)
     * @return the injector
     */
    public static Injector injector(QuietStarConfig config, Backends backends, QuietStarBackend backend,
            List<Module> overrides) {
        // The overrides go through the one component mechanism: checked against what the backend uses, and the
        // bound backend is the one that uses them, so a binding here is never an injector-only illusion.
        QuietStarBackend configured = Components.withOverrides(backend, overrides);
        Module core = new QuietStarModule(config, backends, configured);
        Module backendModule = backend instanceof GuiceBackend g ? g.module(config) : Modules.EMPTY_MODULE;
        Module combined = Modules.override(Modules.combine(core, backendModule)).with(overrides);
        return Guice.createInjector(combined);
    }
}
