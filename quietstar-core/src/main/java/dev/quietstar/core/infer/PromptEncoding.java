package dev.quietstar.core.infer;

import dev.quietstar.api.GenerationOptions;
import dev.quietstar.core.text.TextTokenizer;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/** Tokenises and checks the prompts and stop strings of a generation before any engine work. */
final class PromptEncoding {

    private PromptEncoding() {}

    /**
     * Tokenises and checks prompts and stop strings before any engine work.
     *
     * @param tok the model's tokenizer
     * @param prompts the prompts
     * @param options the options
     * @param maxPositions the model's context
     * @param positionsUsed positions one thought occupies
     * @return each prompt's ids, the document-start token first when the tokenizer has one
     * @throws IllegalArgumentException naming the prompt or stop string that cannot work
     */
    static int[][] encode(TextTokenizer tok, List<String> prompts, GenerationOptions options, int maxPositions,
            int positionsUsed) {
        if (prompts == null || prompts.isEmpty()) {
            throw new IllegalArgumentException("at least one prompt is needed");
        }
        Objects.requireNonNull(options, "options");
        int needAfterPrompt = options.maxNewTokens() + positionsUsed - 1;
        int[][] ids = new int[prompts.size()][];
        for (int i = 0; i < prompts.size(); i++) {
            String p = prompts.get(i);
            String which = prompts.size() == 1 ? "prompt" : "prompt " + i;
            if (p == null || p.isEmpty()) {
                throw new IllegalArgumentException(which + " is empty: give the text to continue");
            }
            int[] body = tok.encode(p);
            if (body.length == 0) {
                throw new IllegalArgumentException(which + " encodes to no token: give the text to continue");
            }
            ids[i] = tok.withDocumentStart(body);
            int n = ids[i].length;
            if (n >= maxPositions) {
                throw new IllegalArgumentException(which + " is longer than the model's context: " + n
                        + " tokens (with the document-start token), the model has " + maxPositions
                        + " positions; shorten the prompt");
            }
            if (n + needAfterPrompt > maxPositions) {
                throw new IllegalArgumentException(which + " of " + n + " tokens plus maxNewTokens "
                        + options.maxNewTokens() + " plus one thought (" + positionsUsed
                        + " positions: start, " + (positionsUsed - 2) + " tokens, end) needs "
                        + (n + needAfterPrompt) + " positions, the model has " + maxPositions
                        + "; lower maxNewTokens to at most " + (maxPositions - n - positionsUsed + 1)
                        + " or shorten the prompt");
            }
        }
        for (String stop : options.stopStrings()) {
            int[] enc = tok.encode(stop);
            String back = enc.length == 0 ? "" : tok.decode(enc);
            if (!back.equals(stop)) {
                throw new IllegalArgumentException("stop string \"" + printable(stop)
                        + "\" cannot be produced by the tokenizer: it encodes to " + Arrays.toString(enc)
                        + ", which decodes to \"" + printable(back) + "\", so generation could never stop on it;"
                        + " use text the tokenizer can represent");
            }
        }
        return ids;
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c < 0x20 || Character.isSurrogate(c)) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
