package dev.quietstar.djl;

import ai.djl.Device;
import dev.quietstar.api.Reasoner;
import dev.quietstar.api.spi.Capability;
import dev.quietstar.api.spi.QuietStarBackend;
import dev.quietstar.djl.infer.DjlReasoner;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;

/**
 * The {@code djl-pytorch} backend.
 */
public final class DjlBackend implements QuietStarBackend {

    /** What the code of this backend implements so far. */
    static final Set<Capability> CAPABILITIES = EnumSet.of(Capability.INFER);

    DjlBackend() {}

    @Override
    public String name() {
        return DjlBackendProvider.NAME;
    }

    @Override
    public Set<Capability> capabilities() {
        return DjlBackendProvider.withGpu(CAPABILITIES);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Loads the checkpoint on the CPU and returns a {@link DjlReasoner} that owns it.
     */
    @Override
    public Reasoner openReasoner(Path checkpoint) {
        DjlEngines.pytorch();
        return DjlReasoner.open(checkpoint, Device.cpu());
    }
}
