package dev.quietstar.examples.cli;

import dev.quietstar.api.TokenTrace;

/**
 * One printed line per generated token: the token, the mixing weight, the probability of the token with and
 * without the thought, and the thought itself; in colour on a terminal.
 */
public final class TraceLines {

    private static final String RESET = "\u001b[0m";
    private static final String BOLD = "\u001b[1m";
    private static final String DIM = "\u001b[2m";
    private static final String CYAN = "\u001b[36m";

    private TraceLines() {}

    /**
     * The column header.
     *
     * @return the header line
     */
    public static String header() {
        return String.format("%5s  %-10s %8s %8s %8s  %s", "#", "TOKEN", "W", "P(THINK)", "P(BASE)", "THOUGHT");
    }

    /**
     * The line of one token.
     *
     * @param index the token's position in the generation
     * @param t its trace
     * @param colour whether to use terminal colours
     * @return the line
     */
    public static String line(int index, TokenTrace t, boolean colour) {
        String token = quote(t.text());
        String thought = t.thought() ? "<" + quote(t.thoughtText()) + ">" : "-";
        if (colour) {
            token = BOLD + token + RESET;
            thought = CYAN + thought + RESET;
        }
        String weight = t.thought() ? String.format("%8.4f", t.mixingWeight()) : String.format("%8s", "-");
        String line = String.format("%5d  %-10s %s %8.4f %8.4f  %s", index, token, weight, t.probWithThought(),
                t.probWithoutThought(), thought);
        return colour && !t.thought() ? DIM + line + RESET : line;
    }

    /**
     * Text in bold on a terminal.
     *
     * @param s the text
     * @param colour whether to use terminal colours
     * @return the text, maybe wrapped in escape codes
     */
    public static String bold(String s, boolean colour) {
        return colour ? BOLD + s + RESET : s;
    }

    /** Shows control characters visibly so every token fits on one line. */
    private static String quote(String s) {
        return "'" + s.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t") + "'";
    }
}
