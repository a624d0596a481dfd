package dev.quietstar.api.spi;

/**
 * Thrown when a backend is asked for something it does not list in {@link QuietStarBackend#capabilities()}.
 */
public class UnsupportedCapabilityException extends UnsupportedOperationException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param backend the backend's name
     * @param capability what was asked for
     */
    public UnsupportedCapabilityException(String backend, Capability capability) {
        super("backend '" + backend + "' does not support " + capability
                + "; choose a backend that lists it (quietstar backends) or set QUIETSTAR_BACKEND");
    }
}
