package dev.quietstar.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.quietstar.api.ModelSource;
import dev.quietstar.api.spi.BackendProvider;
import dev.quietstar.api.spi.Capability;
import dev.quietstar.api.spi.QuietStarBackend;
import dev.quietstar.api.spi.UnsupportedCapabilityException;
import dev.quietstar.core.backend.Backends;
import java.nio.file.Path;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/**
 * Contract tests every backend provider must pass. A backend's test class extends this and returns its provider.
 *
 * <p>Checks the name rules, the {@code META-INF/services} registration, that availability never throws, and that
 * the created backend refuses exactly the capabilities it does not list.
 */
public abstract class BaseBackendProviderTestCase {

    /**
     * The provider under test.
     *
     * @return a new provider instance
     */
    protected abstract BackendProvider provider();

    /**
     * The name the provider must have.
     *
     * @return the expected name
     */
    protected abstract String expectedName();

    @Test
    void nameIsPlainAscii() {
        assertThat(provider().name()).isEqualTo(expectedName()).matches("[A-Za-z0-9][A-Za-z0-9._-]*");
    }

    @Test
    void isRegisteredInMetaInfServices() {
        boolean found = ServiceLoader.load(BackendProvider.class).stream()
                .anyMatch(p -> p.type().equals(provider().getClass()));
        assertThat(found).as("%s listed in META-INF/services/%s", provider().getClass().getName(),
                BackendProvider.class.getName()).isTrue();
        assertThat(Backends.discover().byName(expectedName()).getClass()).isEqualTo(provider().getClass());
    }

    @Test
    void availabilityNeverThrowsAndExplainsItself() {
        BackendProvider p = provider();
        boolean available = p.isAvailable();
        if (available) {
            assertThat(p.unavailableReason()).isEmpty();
        } else {
            assertThat(p.unavailableReason()).isPresent();
        }
    }

    @Test
    void createdBackendMatchesProvider() {
        BackendProvider p = provider();
        assumeTrue(p.isAvailable(), () -> "natives not available: " + p.unavailableReason().orElse("?"));
        QuietStarBackend backend = p.create();
        assertThat(backend.name()).isEqualTo(p.name());
        assertThat(p.capabilities()).containsAll(backend.capabilities());
    }

    @Test
    void refusesCapabilitiesItDoesNotList() {
        BackendProvider p = provider();
        assumeTrue(p.isAvailable(), () -> "natives not available: " + p.unavailableReason().orElse("?"));
        QuietStarBackend backend = p.create();
        if (!backend.capabilities().contains(Capability.INFER)) {
            assertThatThrownBy(() -> backend.openReasoner(Path.of("missing")))
                    .isInstanceOf(UnsupportedCapabilityException.class).hasMessageContaining(p.name());
        }
        if (!backend.capabilities().contains(Capability.TRAIN)) {
            assertThatThrownBy(() -> backend.newTrainer(null))
                    .isInstanceOf(UnsupportedCapabilityException.class).hasMessageContaining("TRAIN");
            assertThatThrownBy(() -> backend.probe(Path.of("missing"), Path.of("missing.json")))
                    .isInstanceOf(UnsupportedCapabilityException.class).hasMessageContaining("TRAIN");
        }
        if (!backend.capabilities().contains(Capability.EXPORT)) {
            assertThatThrownBy(() -> backend.export(Path.of("missing"), Path.of("missing-out")))
                    .isInstanceOf(UnsupportedCapabilityException.class).hasMessageContaining("EXPORT");
        }
    }

    @Test
    void opensCheckpointsAndSaysSoWithoutLoadingAnything() {
        BackendProvider p = provider();
        assertThat(p.canOpen(new ModelSource.Checkpoint(Path.of("some-checkpoint"))))
                .as("every backend opens a checkpoint folder of its own format").isTrue();
    }
}
