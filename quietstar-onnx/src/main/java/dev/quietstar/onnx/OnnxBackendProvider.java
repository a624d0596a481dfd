package dev.quietstar.onnx;

import ai.onnxruntime.OrtEnvironment;
import dev.quietstar.api.spi.BackendProvider;
import dev.quietstar.api.spi.Capability;
import dev.quietstar.api.spi.QuietStarBackend;
import java.util.Optional;
import java.util.Set;

/**
 * Provider of the {@code onnxruntime} backend: inference on ONNX Runtime's Java API, without libtorch.
 */
public final class OnnxBackendProvider implements BackendProvider {

    /** The backend's name. */
    public static final String NAME = "onnxruntime";

    private static volatile Optional<String> failure;

    /** Creates the provider; natives load only when asked. */
    public OnnxBackendProvider() {}

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int rank() {
        return 50;
    }

    @Override
    public Set<Capability> capabilities() {
        return OnnxBackend.CAPABILITIES;
    }

    @Override
    public boolean isAvailable() {
        return check().isEmpty();
    }

    @Override
    public Optional<String> unavailableReason() {
        return check();
    }

    @Override
    public QuietStarBackend create() {
        Optional<String> f = check();
        if (f.isPresent()) {
            throw new IllegalStateException("ONNX Runtime is not available: " + f.get());
        }
        return new OnnxBackend(OrtEnvironment.getEnvironment());
    }

    private static synchronized Optional<String> check() {
        if (failure == null) {
            try {
                OrtEnvironment.getEnvironment();
                failure = Optional.empty();
            } catch (Throwable t) { // natives missing or broken: report, do not crash discovery
                failure = Optional.of(t.getClass().getSimpleName() + ": " + t.getMessage());
            }
        }
        return failure;
    }
}
