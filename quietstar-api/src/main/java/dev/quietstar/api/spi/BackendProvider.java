package dev.quietstar.api.spi;

import dev.quietstar.api.ModelSource;
import java.util.Optional;
import java.util.Set;

/**
 * Service-provider entry point of a backend, found with {@link java.util.ServiceLoader}.
 *
 * <p>To add a backend, implement this interface, list the class in
 * {@code META-INF/services/dev.quietstar.api.spi.BackendProvider}, and make the backend's tests extend the contract
 * tests in {@code quietstar-core}'s test-jar. Providers must be cheap to construct: native libraries are loaded
 * only by {@link #isAvailable()} or {@link #create()}.
 */
public interface BackendProvider {

    /**
     * The backend's name: plain ASCII letters, digits and dashes, for example {@code djl-pytorch}. The first
     * provider on the class path wins a name.
     *
     * @return the name used by {@code QUIETSTAR_BACKEND} and {@code -Dquietstar.backend}
     */
    String name();

    /**
     * Preference among available backends that have the requested capabilities; higher wins.
     *
     * @return the rank
     */
    int rank();

    /**
     * What the backend can do on any machine (GPU only when one is present).
     *
     * @return the capabilities
     */
    Set<Capability> capabilities();

    /**
     * Whether the backend's native libraries load on this machine. Must not throw.
     *
     * @return true when {@link #create()} will succeed
     */
    boolean isAvailable();

    /**
     * Why the backend is unavailable, when it is.
     *
     * @return the reason, empty when available
     */
    default Optional<String> unavailableReason() {
        return Optional.empty();
    }

    /**
     * Whether this backend opens a model source for inference or training, judged from the source's kind and the
     * files it holds, without loading natives or weights. Core's selection uses it so that, say, an exported ONNX
     * folder goes to a backend that runs exports and a HuggingFace folder to one that reads safetensors.
     *
     * <p>The default opens checkpoint folders only.
     *
     * @param source the model
     * @return true when {@link QuietStarBackend#openReasoner(ModelSource)} can open it
     */
    default boolean canOpen(ModelSource source) {
        return source instanceof ModelSource.Checkpoint;
    }

    /**
     * Creates the backend, loading its natives if needed.
     *
     * @return the backend
     */
    QuietStarBackend create();
}
