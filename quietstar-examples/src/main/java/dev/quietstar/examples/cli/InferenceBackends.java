package dev.quietstar.examples.cli;

import dev.quietstar.api.spi.BackendProvider;
import dev.quietstar.api.spi.Capability;
import dev.quietstar.core.backend.BackendNotFoundException;
import dev.quietstar.core.backend.Backends;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Chooses the backend that runs a model folder for the commands that run inference: {@code --backend NAME} first,
 * then {@code QUIETSTAR_BACKEND} / {@code -Dquietstar.backend}, then {@code onnxruntime} for a folder exported to
 * ONNX (it holds {@code model.onnx}), else the best-ranked available backend that can run inference.
 */
final class InferenceBackends {

    /** The ONNX backend's name. */
    static final String ONNX = "onnxruntime";
    /** The file that marks an exported folder. */
    static final String ONNX_MODEL_FILE = "model.onnx";

    private InferenceBackends() {}

    /**
     * Picks the backend.
     *
     * @param requested the {@code --backend} value, or null
     * @param model the model folder
     * @return an available provider with INFER
     * @throws BackendNotFoundException when the named backend is unknown, cannot infer or does not load here
     */
    static BackendProvider choose(String requested, Path model) {
        Backends backends = Backends.discover();
        String name = requested;
        if (name == null && backends.requestedName().isEmpty() && Files.isRegularFile(model.resolve(ONNX_MODEL_FILE))) {
            name = ONNX;
        }
        if (name == null) {
            return backends.select(Capability.INFER);
        }
        BackendProvider p = backends.byName(name);
        if (!p.capabilities().contains(Capability.INFER)) {
            throw new BackendNotFoundException("backend '" + name + "' cannot run inference; see quietstar backends");
        }
        if (!p.isAvailable()) {
            throw new BackendNotFoundException("backend '" + name + "' is not available here: "
                    + p.unavailableReason().orElse("its natives did not load"));
        }
        return p;
    }
}
