package dev.quietstar.djl;

import dev.quietstar.api.spi.BackendProvider;
import dev.quietstar.api.spi.Capability;
import dev.quietstar.api.spi.QuietStarBackend;
import dev.quietstar.api.ModelSource;
import java.nio.file.Files;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * Provider of the {@code djl-pytorch} backend: Quiet-STaR on DJL with the PyTorch engine, running offline with the
 * CPU natives from Maven.
 */
public final class DjlBackendProvider implements BackendProvider {

    /** The backend's name. */
    public static final String NAME = "djl-pytorch";

    /** Creates the provider; natives load only when asked. */
    public DjlBackendProvider() {}

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int rank() {
        return 100;
    }

    @Override
    public Set<Capability> capabilities() {
        return DjlBackend.CAPABILITIES;
    }

    @Override
    public boolean isAvailable() {
        return DjlEngines.check().isEmpty();
    }

    @Override
    public Optional<String> unavailableReason() {
        return DjlEngines.check();
    }

    /**
     * {@inheritDoc}
     *
     * <p>Opens checkpoints, HuggingFace folders, llama2.c checkpoints and new tiny models; not a folder exported to
     * ONNX (it holds {@code model.onnx} and no {@code model.safetensors}).
     */
    @Override
    public boolean canOpen(ModelSource source) {
        if (source instanceof ModelSource.Checkpoint c) {
            return Files.isRegularFile(c.folder().resolve("model.safetensors"))
                    || !Files.isRegularFile(c.folder().resolve("model.onnx"));
        }
        return true;
    }

    @Override
    public QuietStarBackend create() {
        DjlEngines.pytorch();
        return new DjlBackend();
    }

    /**
     * Capabilities plus {@link Capability#GPU} when the engine sees one.
     *
     * @return what this machine offers
     */
    static Set<Capability> withGpu(Set<Capability> base) {
        Set<Capability> set = base.isEmpty() ? EnumSet.noneOf(Capability.class) : EnumSet.copyOf(base);
        if (DjlEngines.check().isEmpty() && DjlEngines.pytorch().getGpuCount() > 0) {
            set.add(Capability.GPU);
        }
        return set;
    }
}
