package dev.quietstar.djl;

import dev.quietstar.api.spi.BackendProvider;
import dev.quietstar.api.spi.Capability;
import dev.quietstar.api.spi.QuietStarBackend;
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
