package dev.quietstar.core.eval;

/**
 * Thrown when a line of an evaluation set cannot be read; the message names the file, the line and the problem.
 */
public class EvalSetException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** The 1-based line number, or 0 when the problem is not tied to a line. */
    private final int lineNumber;

    /**
     * Creates the exception.
     *
     * @param source the file or other source being read
     * @param lineNumber the 1-based line number, or 0 when the problem concerns the whole source
     * @param problem what was wrong and how to fix it
     */
    public EvalSetException(String source, int lineNumber, String problem) {
        super(source + (lineNumber > 0 ? ":" + lineNumber : "") + ": " + problem);
        this.lineNumber = lineNumber;
    }

    /**
     * The line that could not be read.
     *
     * @return the 1-based line number, or 0 when the problem concerns the whole source
     */
    public int lineNumber() {
        return lineNumber;
    }
}
