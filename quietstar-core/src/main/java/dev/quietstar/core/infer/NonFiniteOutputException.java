package dev.quietstar.core.infer;

/**
 * A model produced a NaN or infinite number (logits, hidden state or mixing weight) during generation, scoring or
 * evaluation. A model whose weights or configuration are corrupt, or hold values far outside what training gives,
 * computes such numbers; the library stops there instead of sampling from them and returning text, scores or
 * metrics derived from NaN.
 *
 * <p>The message names what was non-finite, where in the sequence, the model it came from and what to check.
 */
public final class NonFiniteOutputException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the message, naming the output, the position and the model
     */
    public NonFiniteOutputException(String message) {
        super(message);
    }
}
