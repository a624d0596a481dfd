package dev.quietstar.core.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quietstar.api.spi.BackendProvider;
import dev.quietstar.api.spi.Capability;
import dev.quietstar.api.spi.QuietStarBackend;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BackendsTest {

    /** A provider description for selection tests; selection never creates the backend. */
    private record Described(String name, int rank, Set<Capability> capabilities, boolean isAvailable)
            implements BackendProvider {
        @Override
        public Optional<String> unavailableReason() {
            return isAvailable ? Optional.empty() : Optional.of("natives missing");
        }

        @Override
        public QuietStarBackend create() {
            throw new AssertionError("selection must not create backends");
        }
    }

    private final BackendProvider trainer = new Described("trainer", 10, EnumSet.of(Capability.TRAIN,
            Capability.INFER), true);
    private final BackendProvider fastInfer = new Described("fast-infer", 50, EnumSet.of(Capability.INFER), true);
    private final BackendProvider broken = new Described("broken", 99, EnumSet.allOf(Capability.class), false);

    private final Map<String, String> env = new HashMap<>();
    private final Map<String, String> props = new HashMap<>();

    private Backends backends() {
        return Backends.of(List.of(trainer, fastInfer, broken), env::get, props::get);
    }

    @Test
    void envVarBeatsPropertyBeatsRank() {
        assertThat(backends().select(Capability.INFER)).isSameAs(fastInfer);
        props.put(Backends.PROPERTY, "trainer");
        assertThat(backends().select(Capability.INFER)).isSameAs(trainer);
        env.put(Backends.ENV_VAR, "fast-infer");
        assertThat(backends().select(Capability.INFER)).isSameAs(fastInfer);
    }

    @Test
    void rankChoosesAmongAvailableBackendsOnly() {
        // "broken" ranks highest but its natives do not load.
        assertThat(backends().select()).isSameAs(fastInfer);
    }

    @Test
    void askingToTrainNeverSelectsAnInferenceOnlyBackend() {
        assertThat(backends().select(Capability.TRAIN)).isSameAs(trainer);
        assertThat(backends().select(Capability.TRAIN, Capability.INFER)).isSameAs(trainer);
    }

    @Test
    void namedBackendLackingACapabilityIsRefused() {
        env.put(Backends.ENV_VAR, "fast-infer");
        assertThatThrownBy(() -> backends().select(Capability.TRAIN))
                .isInstanceOf(BackendNotFoundException.class)
                .hasMessageContaining("'fast-infer'").hasMessageContaining("lacks [TRAIN]")
                .hasMessageContaining("trainer");
    }

    @Test
    void namedUnavailableBackendIsRefusedWithItsReason() {
        props.put(Backends.PROPERTY, "broken");
        assertThatThrownBy(() -> backends().select()).isInstanceOf(BackendNotFoundException.class)
                .hasMessageContaining("not available").hasMessageContaining("natives missing");
    }

    @Test
    void unknownNameListsTheBackendsThatExist() {
        env.put(Backends.ENV_VAR, "tensorflow");
        assertThatThrownBy(() -> backends().select())
                .isInstanceOf(BackendNotFoundException.class)
                .hasMessage("unknown backend 'tensorflow'; available backends: trainer, fast-infer, broken");
    }

    @Test
    void noQualifyingBackendSaysWhatWasFound() {
        Backends only = Backends.of(List.of(fastInfer), env::get, props::get);
        assertThatThrownBy(() -> only.select(Capability.TRAIN)).isInstanceOf(BackendNotFoundException.class)
                .hasMessageContaining("no available backend has [TRAIN]").hasMessageContaining("fast-infer [INFER]");
    }

    @Test
    void firstProviderWinsAName() {
        BackendProvider second = new Described("trainer", 1000, EnumSet.of(Capability.TRAIN), true);
        Backends b = Backends.of(List.of(trainer, second), env::get, props::get);
        assertThat(b.byName("trainer")).isSameAs(trainer);
        assertThat(b.providers()).containsExactly(trainer);
    }

    @Test
    void invalidNamesAreRejected() {
        BackendProvider bad = new Described("dj l", 1, EnumSet.noneOf(Capability.class), true);
        assertThatThrownBy(() -> Backends.of(List.of(bad), env::get, props::get))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("invalid name 'dj l'");
    }

    @Test
    void blankEnvironmentValueFallsBackToProperty() {
        env.put(Backends.ENV_VAR, "  ");
        props.put(Backends.PROPERTY, "trainer");
        assertThat(backends().requestedName()).contains("trainer");
    }
}
