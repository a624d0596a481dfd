package dev.quietstar.core.inject;

import com.google.inject.Key;
import com.google.inject.Module;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.api.spi.QuietStarBackend;
import java.util.List;
import java.util.Set;

/**
 * Implemented by a {@link QuietStarBackend} that takes user components through Guice: it contributes a module
 * binding its defaults, names the component keys it uses, and creates a copy of itself that uses a user's
 * overrides wherever it runs those components, in training and in inference.
 *
 * <p>Users do not call this directly; they hand modules to {@link Components#create}, which checks every binding
 * against {@link #componentKeys()} and refuses one the backend cannot use.
 */
public interface GuiceBackend {

    /**
     * The backend's module of defaults for a configuration.
     *
     * @param config the algorithm configuration the components are built for
     * @return the module
     */
    Module module(QuietStarConfig config);

    /**
     * Every component key a user may bind for this backend: each is used on every path the backend runs it.
     *
     * @return the keys
     */
    Set<Key<?>> componentKeys();

    /**
     * A backend like this one whose trainers and reasoners use the bindings of the given modules in place of the
     * defaults. Called by {@link Components#withOverrides} after it has checked the keys.
     *
     * @param overrides the user's modules, each binding only keys of {@link #componentKeys()}
     * @return the configured backend
     */
    QuietStarBackend withOverrides(List<Module> overrides);
}
