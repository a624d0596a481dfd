package dev.quietstar.onnx;

import ai.onnxruntime.OrtEnvironment;
import dev.quietstar.api.spi.Capability;
import dev.quietstar.api.spi.QuietStarBackend;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * The {@code onnxruntime} backend.
 */
public final class OnnxBackend implements QuietStarBackend {

    /** What the code of this backend implements so far. */
    static final Set<Capability> CAPABILITIES = EnumSet.noneOf(Capability.class);

    private final OrtEnvironment environment;

    OnnxBackend(OrtEnvironment environment) {
        this.environment = Objects.requireNonNull(environment, "environment");
    }

    /**
     * The ONNX Runtime environment the backend's sessions share.
     *
     * @return the environment
     */
    public OrtEnvironment environment() {
        return environment;
    }

    @Override
    public String name() {
        return OnnxBackendProvider.NAME;
    }

    @Override
    public Set<Capability> capabilities() {
        return CAPABILITIES;
    }
}
