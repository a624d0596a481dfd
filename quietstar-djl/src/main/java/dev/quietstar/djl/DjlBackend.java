package dev.quietstar.djl;

import dev.quietstar.api.spi.Capability;
import dev.quietstar.api.spi.QuietStarBackend;
import java.util.EnumSet;
import java.util.Set;

/**
 * The {@code djl-pytorch} backend.
 */
public final class DjlBackend implements QuietStarBackend {

    /** What the code of this backend implements so far. */
    static final Set<Capability> CAPABILITIES = EnumSet.noneOf(Capability.class);

    DjlBackend() {}

    @Override
    public String name() {
        return DjlBackendProvider.NAME;
    }

    @Override
    public Set<Capability> capabilities() {
        return DjlBackendProvider.withGpu(CAPABILITIES);
    }
}
