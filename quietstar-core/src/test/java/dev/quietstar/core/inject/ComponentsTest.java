package dev.quietstar.core.inject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.AbstractModule;
import com.google.inject.Key;
import com.google.inject.Module;
import com.google.inject.TypeLiteral;
import com.google.inject.util.Modules;
import dev.quietstar.api.MixingHead;
import dev.quietstar.api.RewardEstimator;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.api.spi.Capability;
import dev.quietstar.api.spi.QuietStarBackend;
import dev.quietstar.core.infer.InferenceComponents;
import dev.quietstar.core.infer.ThoughtTokenSampler;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ComponentsTest {

    /** A constant-weight head on hidden-state vectors. */
    static final class HalfHead implements MixingHead<float[][]> {
        @Override
        public float[][] weight(float[][] base, float[][] thought) {
            float[][] w = new float[base.length][1];
            for (float[] row : w) {
                row[0] = 0.5f;
            }
            return w;
        }

        @Override
        public float[][] mix(float[][] base, float[][] thought, float[][] weight) {
            return base;
        }
    }

    /** A backend that records the overrides it was given. */
    static final class RecordingBackend implements QuietStarBackend, GuiceBackend {
        final List<Module> given;

        RecordingBackend(List<Module> given) {
            this.given = given;
        }

        @Override
        public String name() {
            return "recording";
        }

        @Override
        public Set<Capability> capabilities() {
            return Set.of(Capability.INFER);
        }

        @Override
        public Module module(QuietStarConfig config) {
            return Modules.EMPTY_MODULE;
        }

        @Override
        public Set<Key<?>> componentKeys() {
            return Set.of(Components.INFERENCE_MIXING_HEAD, Components.INFERENCE_THOUGHT_SAMPLER);
        }

        @Override
        public QuietStarBackend withOverrides(List<Module> overrides) {
            return new RecordingBackend(overrides);
        }
    }

    private static Module head(MixingHead<float[][]> head) {
        return new AbstractModule() {
            @Override
            protected void configure() {
                bind(Components.INFERENCE_MIXING_HEAD).toInstance(head);
            }
        };
    }

    @Test
    void acceptedBindingsReachTheBackendAndTheirInstancesAreFound() {
        HalfHead h = new HalfHead();
        ThoughtTokenSampler zeros = (logits, rows, vocab, step) -> new long[rows];
        Module sampler = new AbstractModule() {
            @Override
            protected void configure() {
                bind(Components.INFERENCE_THOUGHT_SAMPLER).toInstance(zeros);
            }
        };
        QuietStarBackend created = Components.withOverrides(new RecordingBackend(List.of()), List.of(head(h), sampler));
        assertThat(created).isInstanceOf(RecordingBackend.class);
        List<Module> given = ((RecordingBackend) created).given;
        assertThat(given).hasSize(2);
        InferenceComponents components = Components.inference(given);
        assertThat(components.mixingHead()).isSameAs(h);
        assertThat(components.thoughtSampler()).isSameAs(zeros);
        assertThat(components.any()).isTrue();
        assertThat(Components.inference(List.of(head(h))).thoughtSampler()).isNull();
    }

    @Test
    void noOverridesLeaveTheBackendAsItIs() {
        RecordingBackend backend = new RecordingBackend(List.of());
        assertThat(Components.withOverrides(backend, List.of())).isSameAs(backend);
        assertThat(Components.inference(List.of())).isEqualTo(InferenceComponents.NONE);
        assertThat(InferenceComponents.NONE.any()).isFalse();
    }

    @Test
    void aBindingTheBackendCannotUseIsRefusedByName() {
        Module estimator = new AbstractModule() {
            @Override
            protected void configure() {
                bind(new TypeLiteral<RewardEstimator<float[]>>() { }).toInstance((t, b, p) -> null);
            }
        };
        assertThatThrownBy(() -> Components.withOverrides(new RecordingBackend(List.of()),
                List.of(head(new HalfHead()), estimator)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("recording")
                .hasMessageContaining("RewardEstimator<float[]>")
                .hasMessageContaining("MixingHead<float[][]>");
    }

    @Test
    void aBackendWithoutGuiceRefusesEveryBinding() {
        QuietStarBackend plain = new QuietStarBackend() {
            @Override
            public String name() {
                return "plain";
            }

            @Override
            public Set<Capability> capabilities() {
                return Set.of(Capability.INFER);
            }
        };
        assertThatThrownBy(() -> Components.withOverrides(plain, List.of(head(new HalfHead()))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'plain' takes no user components")
                .hasMessageContaining("MixingHead<float[][]>");
        assertThat(Components.withOverrides(plain, List.of())).isSameAs(plain);
    }
}
