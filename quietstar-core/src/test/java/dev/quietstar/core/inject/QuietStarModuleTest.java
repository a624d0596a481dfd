package dev.quietstar.core.inject;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.inject.AbstractModule;
import com.google.inject.Injector;
import com.google.inject.Module;
import com.google.inject.name.Names;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.api.spi.BackendProvider;
import dev.quietstar.api.spi.Capability;
import dev.quietstar.api.spi.QuietStarBackend;
import dev.quietstar.core.backend.Backends;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The injector binds the configuration, the registry and the backend, the backend's module, then user overrides. */
class QuietStarModuleTest {

    private record Plain(String name) implements QuietStarBackend {
        @Override
        public Set<Capability> capabilities() {
            return EnumSet.of(Capability.INFER);
        }
    }

    /** A backend with its own bindings. */
    private record WithModule(String name, String greeting) implements QuietStarBackend, GuiceBackend {
        @Override
        public Set<Capability> capabilities() {
            return EnumSet.of(Capability.INFER);
        }

        @Override
        public Module module(QuietStarConfig config) {
            return new AbstractModule() {
                @Override
                protected void configure() {
                    bind(String.class).annotatedWith(Names.named("greeting")).toInstance(greeting);
                    bind(String.class).annotatedWith(Names.named("backendOnly")).toInstance("kept");
                }
            };
        }

        @Override
        public Set<com.google.inject.Key<?>> componentKeys() {
            return Set.of(com.google.inject.Key.get(String.class, Names.named("greeting")));
        }

        @Override
        public QuietStarBackend withOverrides(List<Module> overrides) {
            return this;
        }
    }

    private static Backends none() {
        return Backends.of(List.<BackendProvider>of(), Map.<String, String>of()::get,
                Map.<String, String>of()::get);
    }

    @Test
    void theCoreBindingsAreTheGivenInstances() {
        QuietStarConfig config = QuietStarConfig.smallModel();
        Backends backends = none();
        Plain backend = new Plain("plain");
        Injector injector = QuietStarModule.injector(config, backends, backend, List.of());
        assertThat(injector).isNotNull();
        assertThat(injector.getInstance(QuietStarConfig.class)).isSameAs(config);
        assertThat(injector.getInstance(Backends.class)).isSameAs(backends);
        assertThat(injector.getInstance(QuietStarBackend.class)).isSameAs(backend);
    }

    @Test
    void aGuiceBackendsModuleIsInstalledAndUserModulesOverrideIt() {
        WithModule backend = new WithModule("guice", "hello");
        Injector plain = QuietStarModule.injector(QuietStarConfig.smallModel(), none(), backend, List.of());
        assertThat(plain.getInstance(com.google.inject.Key.get(String.class, Names.named("greeting"))))
                .isEqualTo("hello");
        Module user = new AbstractModule() {
            @Override
            protected void configure() {
                bind(String.class).annotatedWith(Names.named("greeting")).toInstance("overridden");
            }
        };
        Injector overridden = QuietStarModule.injector(QuietStarConfig.smallModel(), none(), backend, List.of(user));
        assertThat(overridden.getInstance(com.google.inject.Key.get(String.class, Names.named("greeting"))))
                .isEqualTo("overridden");
        assertThat(overridden.getInstance(com.google.inject.Key.get(String.class, Names.named("backendOnly"))))
                .isEqualTo("kept");
        assertThat(overridden.getInstance(QuietStarBackend.class)).isSameAs(backend);
    }
}
