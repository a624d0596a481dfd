package dev.quietstar.core.eval;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns generated text into an answer and compares it with the gold answer.
 *
 * <p>GSM8K: only the first line of the generation counts; bracketed scratchpads ({@code [...]}) are removed; the
 * answer is the last number left, with a leading minus sign when the minus is not part of a subtraction such as
 * {@code 5-3}, and with thousands separators removed. A number with a fractional part made only of zeros
 * ({@code 18.00}) counts as the integer; any other fractional part is kept, so it cannot match an integer answer.
 *
 * <p>Multiple choice: the first label written in parentheses, such as {@code (B)}, else the first standalone
 * letter among the allowed labels (A to E by default), not part of a longer word.
 */
public final class AnswerMatching {

    /** A number, with thousands separators and an optional fraction; a sign only when no word precedes it. */
    private static final Pattern NUMBER = Pattern.compile("(?:(?<![\\w.])-)?\\d[\\d,]*(?:\\.\\d+)?");
    private static final Pattern SCRATCHPAD = Pattern.compile("\\[[^\\[\\]]*\\]");
    private static final int DEFAULT_LABELS = 5;

    private AnswerMatching() {}

    /**
     * Extracts the answer of an example's kind from generated text.
     *
     * @param kind the example's kind
     * @param generated the text the model wrote after the prompt
     * @return the answer, empty when none was found
     */
    public static Optional<String> extract(EvalExample.Kind kind, String generated) {
        return kind == EvalExample.Kind.GSM8K ? extractNumber(generated) : extractChoice(generated);
    }

    /**
     * Extracts the answer to a maths question: the last number of the first line, scratchpads removed.
     *
     * @param generated the text the model wrote after the prompt
     * @return the number without thousands separators, such as {@code "-1234"}, empty when there is none
     */
    public static Optional<String> extractNumber(String generated) {
        if (generated == null) {
            return Optional.empty();
        }
        int newline = generated.indexOf('\n');
        String line = newline >= 0 ? generated.substring(0, newline) : generated;
        // Remove innermost brackets repeatedly so nested scratchpads go too.
        String previous;
        do {
            previous = line;
            line = SCRATCHPAD.matcher(line).replaceAll(" ");
        } while (!line.equals(previous));
        String last = null;
        Matcher m = NUMBER.matcher(line);
        while (m.find()) {
            last = m.group();
        }
        if (last == null) {
            return Optional.empty();
        }
        String number = last.replace(",", "");
        int dot = number.indexOf('.');
        if (dot >= 0 && number.substring(dot + 1).chars().allMatch(c -> c == '0')) {
            number = number.substring(0, dot);
        }
        if (number.equals("-0")) {
            number = "0";
        }
        return Optional.of(number);
    }

    /**
     * Extracts a choice label among A to E.
     *
     * @param generated the text the model wrote after the prompt
     * @return the label letter, empty when there is none
     */
    public static Optional<String> extractChoice(String generated) {
        return extractChoice(generated, DEFAULT_LABELS);
    }

    /**
     * Extracts a choice label among the first {@code labels} letters of the alphabet.
     *
     * @param generated the text the model wrote after the prompt
     * @param labels how many labels the question has, 1 to 26
     * @return the label letter, empty when there is none
     */
    public static Optional<String> extractChoice(String generated, int labels) {
        if (labels < 1 || labels > 26) {
            throw new IllegalArgumentException("labels must be between 1 and 26, was " + labels);
        }
        if (generated == null) {
            return Optional.empty();
        }
        String range = "A-" + (char) ('A' + labels - 1);
        Matcher parenthesised = Pattern.compile("\\(([" + range + "])\\)").matcher(generated);
        if (parenthesised.find()) {
            return Optional.of(parenthesised.group(1));
        }
        Matcher standalone = Pattern.compile("(?<![A-Za-z])([" + range + "])(?![A-Za-z])").matcher(generated);
        return standalone.find() ? Optional.of(standalone.group(1)) : Optional.empty();
    }

    /**
     * Whether a predicted answer equals the gold one.
     *
     * <p>Both are trimmed and thousands separators removed; two numbers match when they are numerically equal
     * ({@code "42"} and {@code "42.0"}), anything else matches ignoring letter case. A missing prediction never
     * matches.
     *
     * @param predicted the extracted answer, may be null
     * @param gold the gold answer
     * @return true on a match
     */
    public static boolean exactMatch(String predicted, String gold) {
        if (predicted == null || gold == null) {
            return false;
        }
        String p = predicted.trim().replace(",", "");
        String g = gold.trim().replace(",", "");
        if (p.isEmpty()) {
            return false;
        }
        BigDecimal pn = parse(p);
        BigDecimal gn = parse(g);
        if (pn != null && gn != null) {
            return pn.compareTo(gn) == 0;
        }
        return p.toLowerCase(Locale.ROOT).equals(g.toLowerCase(Locale.ROOT));
    }

    /**
     * Whether a predicted answer, possibly absent, equals the gold one.
     *
     * @param predicted the extracted answer
     * @param gold the gold answer
     * @return true on a match
     */
    public static boolean exactMatch(Optional<String> predicted, String gold) {
        return predicted.isPresent() && exactMatch(predicted.get(), gold);
    }

    private static BigDecimal parse(String s) {
        try {
            return new BigDecimal(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
