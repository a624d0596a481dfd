package dev.quietstar.examples.cli;

import dev.quietstar.api.ModelSource;
import dev.quietstar.api.spi.BackendProvider;
import dev.quietstar.api.spi.Capability;
import dev.quietstar.core.backend.BackendNotFoundException;
import dev.quietstar.core.backend.Backends;

/**
 * Chooses the backend that runs a model for the commands that run inference, through core's selection:
 * {@code --backend NAME} first, then {@code QUIETSTAR_BACKEND} / {@code -Dquietstar.backend}, then the best-ranked
 * available backend that can run inference and opens that kind of model (an exported ONNX folder goes to
 * {@code onnxruntime}, since the other backends say they cannot open it).
 */
final class InferenceBackends {

    /** The ONNX backend's name. */
    static final String ONNX = "onnxruntime";

    private InferenceBackends() {}

    /**
     * Picks the backend.
     *
     * @param requested the {@code --backend} value, or null
     * @param source the model to open
     * @return an available provider with INFER that opens the model
     * @throws BackendNotFoundException when the named backend is unknown, cannot infer, does not load here or
     *     cannot open the model
     */
    static BackendProvider choose(String requested, ModelSource source) {
        Backends backends = Backends.discover();
        return requested == null ? backends.select(source, Capability.INFER)
                : backends.byName(requested, source, Capability.INFER);
    }
}
