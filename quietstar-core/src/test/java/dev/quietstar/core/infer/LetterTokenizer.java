package dev.quietstar.core.infer;

import dev.quietstar.core.text.TextTokenizer;
import java.util.OptionalInt;

/**
 * A 13-token test vocabulary: the letters a..h are ids 0..7, then document start, end of text, padding and the two
 * meta-tokens. The meta-tokens decode to visible markers so a test can see them leak into text.
 */
final class LetterTokenizer implements TextTokenizer {

    static final int BOS = 8;
    static final int EOS = 9;
    static final int PAD = 10;
    static final int START = 11;
    static final int END = 12;
    static final int VOCAB = 13;
    static final String START_TEXT = "<sot>";
    static final String END_TEXT = "<eot>";

    private final boolean hasPad;
    /** Every context {@link #decodeAfter} was given, in order. */
    final java.util.List<int[]> contexts = new java.util.ArrayList<>();

    LetterTokenizer(boolean hasPad) {
        this.hasPad = hasPad;
    }

    /** The id of a letter a..h. */
    static int id(char c) {
        return c - 'a';
    }

    @Override
    public int[] encode(String text) {
        int[] ids = new int[text.length()];
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 'a' || c > 'h') {
                ids = java.util.Arrays.copyOf(ids, i); // unknown characters are dropped
                return ids;
            }
            ids[i] = id(c);
        }
        return ids;
    }

    @Override
    public String decode(int[] ids) {
        StringBuilder b = new StringBuilder();
        for (int id : ids) {
            if (id < 8) {
                b.append((char) ('a' + id));
            } else if (id == START) {
                b.append(START_TEXT);
            } else if (id == END) {
                b.append(END_TEXT);
            }
        }
        return b.toString();
    }

    @Override
    public String decodeAfter(int[] context, int[] ids) {
        contexts.add(context.clone());
        return decode(ids);
    }

    @Override
    public int vocabSize() {
        return VOCAB;
    }

    @Override
    public OptionalInt bosId() {
        return OptionalInt.of(BOS);
    }

    @Override
    public OptionalInt eosId() {
        return OptionalInt.of(EOS);
    }

    @Override
    public OptionalInt padId() {
        return hasPad ? OptionalInt.of(PAD) : OptionalInt.empty();
    }

    @Override
    public OptionalInt tokenId(String token) {
        int[] ids = encode(token);
        return ids.length == 1 && token.length() == 1 ? OptionalInt.of(ids[0]) : OptionalInt.empty();
    }
}
