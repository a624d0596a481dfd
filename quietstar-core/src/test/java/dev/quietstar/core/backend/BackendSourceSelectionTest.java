package dev.quietstar.core.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quietstar.api.ComputeDevice;
import dev.quietstar.api.ModelSource;
import dev.quietstar.api.spi.BackendProvider;
import dev.quietstar.api.spi.Capability;
import dev.quietstar.api.spi.QuietStarBackend;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Selection by the model a backend must open, isolation of failing providers, and the device choice. */
class BackendSourceSelectionTest {

    /** Opens only checkpoint folders whose name ends with a given suffix. */
    private record Opener(String name, int rank, Set<Capability> capabilities, String suffix)
            implements BackendProvider {
        @Override
        public boolean isAvailable() {
            return true;
        }

        @Override
        public boolean canOpen(ModelSource source) {
            return source instanceof ModelSource.Checkpoint c && c.folder().toString().endsWith(suffix);
        }

        @Override
        public QuietStarBackend create() {
            throw new AssertionError("selection must not create backends");
        }
    }

    private final BackendProvider engine = new Opener("engine", 100, EnumSet.of(Capability.TRAIN, Capability.INFER),
            "-ckpt");
    private final BackendProvider runtime = new Opener("runtime", 50, EnumSet.of(Capability.INFER), "-onnx");
    private final Map<String, String> env = new HashMap<>();

    private Backends backends() {
        return Backends.of(List.of(engine, runtime), env::get, Map.<String, String>of()::get);
    }

    @Test
    void theBestRankedBackendThatOpensTheModelIsChosen() {
        assertThat(backends().select(new ModelSource.Checkpoint(Path.of("a-ckpt")), Capability.INFER))
                .isSameAs(engine);
        assertThat(backends().select(new ModelSource.Checkpoint(Path.of("a-onnx")), Capability.INFER))
                .as("the higher-ranked backend cannot open an export").isSameAs(runtime);
        assertThatThrownBy(() -> backends().select(new ModelSource.Checkpoint(Path.of("a-onnx")), Capability.TRAIN))
                .isInstanceOf(BackendNotFoundException.class).hasMessageContaining("can open the model folder a-onnx");
        assertThatThrownBy(() -> backends().select(new ModelSource.HuggingFace(Path.of("hf")), Capability.INFER))
                .isInstanceOf(BackendNotFoundException.class).hasMessageContaining("HuggingFace folder hf");
    }

    @Test
    void aNamedBackendThatCannotOpenTheModelIsRefusedNotReplaced() {
        assertThatThrownBy(() -> backends().byName("engine", new ModelSource.Checkpoint(Path.of("x-onnx")),
                Capability.INFER)).isInstanceOf(BackendNotFoundException.class)
                .hasMessageContaining("'engine' cannot open the model folder x-onnx")
                .hasMessageContaining("runtime");
        assertThatThrownBy(() -> backends().byName("runtime", new ModelSource.Checkpoint(Path.of("x-onnx")),
                Capability.TRAIN)).isInstanceOf(BackendNotFoundException.class).hasMessageContaining("lacks [TRAIN]");
        assertThat(backends().byName("runtime", new ModelSource.Checkpoint(Path.of("x-onnx")), Capability.INFER))
                .isSameAs(runtime);
        env.put(Backends.ENV_VAR, "engine");
        assertThatThrownBy(() -> backends().select(new ModelSource.Checkpoint(Path.of("x-onnx")), Capability.INFER))
                .isInstanceOf(BackendNotFoundException.class).hasMessageContaining("chosen by " + Backends.ENV_VAR);
        assertThat(backends().select(new ModelSource.Checkpoint(Path.of("x-ckpt")), Capability.INFER))
                .isSameAs(engine);
    }

    /** A provider whose constructor fails, as ServiceLoader would report it. */
    private record Failing(Class<? extends BackendProvider> type, RuntimeException failure)
            implements ServiceLoader.Provider<BackendProvider> {
        @Override
        public BackendProvider get() {
            throw failure;
        }
    }

    /** A provider that loads. */
    private record Loads(BackendProvider provider) implements ServiceLoader.Provider<BackendProvider> {
        @Override
        @SuppressWarnings("unchecked")
        public Class<? extends BackendProvider> type() {
            return (Class<? extends BackendProvider>) provider.getClass();
        }

        @Override
        public BackendProvider get() {
            return provider;
        }
    }

    @Test
    void aProviderThatFailsToLoadIsReportedByNameAndSkipped() {
        Map<String, String> failures = new LinkedHashMap<>();
        List<BackendProvider> loaded = Backends.loadIsolated(List.of(
                new Failing(Opener.class, new IllegalStateException("native library missing")), new Loads(runtime)),
                failures);
        assertThat(loaded).containsExactly(runtime);
        assertThat(failures).containsEntry(Opener.class.getName(), "IllegalStateException: native library missing");
        assertThat(Backends.failedProviders()).isEmpty();
    }

    @Test
    void theDefaultBackendRunsOnTheCpuAndRefusesAGpu() {
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
        assertThatThrownBy(() -> plain.openReasoner(new ModelSource.Checkpoint(Path.of("c")), ComputeDevice.gpu(0)))
                .hasMessageContaining("plain").hasMessageContaining("GPU");
        assertThatThrownBy(() -> plain.openReasoner(new ModelSource.Checkpoint(Path.of("c")), ComputeDevice.CPU))
                .as("the CPU path is the plain openReasoner").hasMessageContaining("INFER");
        assertThat(ComputeDevice.parse("gpu:2")).isEqualTo(ComputeDevice.gpu(2));
        assertThat(ComputeDevice.parse(" CPU ")).isEqualTo(ComputeDevice.CPU);
        assertThat(ComputeDevice.parse("cuda")).hasToString("gpu:0");
        assertThatThrownBy(() -> ComputeDevice.parse("gpu:x")).hasMessageContaining("use cpu, gpu or gpu:N");
        assertThatThrownBy(() -> new ComputeDevice(false, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
