package dev.quietstar.api.config;

/**
 * Thrown when a configuration value is outside its allowed range or a configuration file cannot be understood.
 *
 * <p>The message always names the field, the offending value and what would be accepted, for example
 * {@code thoughtLength must be in 1..64, was 0}.
 */
public class InvalidConfigException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception with a message that names the field, the value and the allowed range.
     *
     * @param message the full message
     */
    public InvalidConfigException(String message) {
        super(message);
    }

    /**
     * Creates the exception with a cause, for errors raised while reading a file.
     *
     * @param message the full message
     * @param cause the underlying parse or I/O error
     */
    public InvalidConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
