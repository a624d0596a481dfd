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

/** Refusals name where the backend choice came from, and what would qualify. */
class BackendChoiceMessagesTest {

    private record Infer(String name) implements BackendProvider {
        @Override
        public int rank() {
            return 1;
        }

        @Override
        public Set<Capability> capabilities() {
            return EnumSet.of(Capability.INFER);
        }

        @Override
        public boolean isAvailable() {
            return true;
        }

        @Override
        public Optional<String> unavailableReason() {
            return Optional.empty();
        }

        @Override
        public QuietStarBackend create() {
            throw new AssertionError("selection must not create backends");
        }
    }

    @Test
    void theRefusalNamesTheEnvironmentVariableOrTheSystemProperty() {
        Map<String, String> env = new HashMap<>();
        Map<String, String> props = new HashMap<>();
        Backends b = Backends.of(List.of(new Infer("only")), env::get, props::get);
        props.put(Backends.PROPERTY, "only");
        assertThatThrownBy(() -> b.select(Capability.TRAIN)).isInstanceOf(BackendNotFoundException.class)
                .hasMessageContaining("(chosen by -D" + Backends.PROPERTY + ")")
                .hasMessageContaining("backends with [TRAIN]: none");
        env.put(Backends.ENV_VAR, "only");
        assertThatThrownBy(() -> b.select(Capability.TRAIN)).isInstanceOf(BackendNotFoundException.class)
                .hasMessageContaining("(chosen by " + Backends.ENV_VAR + ")");
    }

    @Test
    void discoveryIsOneSharedRegistry() {
        assertThat(Backends.discover()).isNotNull().isSameAs(Backends.discover());
    }
}
