package dev.quietstar.core.data;

/**
 * Thrown when a dataset cannot be read or cannot be used for training; the message names the dataset, what was
 * wrong and, where it helps, how to fix it.
 */
public class DatasetException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the full message
     */
    public DatasetException(String message) {
        super(message);
    }

    /**
     * Creates the exception with the error that caused it.
     *
     * @param message the full message
     * @param cause the underlying I/O or parse error
     */
    public DatasetException(String message, Throwable cause) {
        super(message, cause);
    }
}
