package dev.quietstar.core.backend;

/**
 * Thrown when no backend matches a name or the capabilities asked for; the message lists what exists.
 */
public class BackendNotFoundException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what was asked for and which backends exist
     */
    public BackendNotFoundException(String message) {
        super(message);
    }
}
