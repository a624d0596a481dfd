package dev.quietstar.core.infer;

import dev.quietstar.api.TextScore;
import dev.quietstar.core.text.TextTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Collects a {@link TextScore} token by token, the same way on every backend: the scored token at position i is
 * {@code ids[i + 1]}, and it and the thought before it are decoded after their context {@code ids[0..i]}, so that a
 * tokenizer that merges across token boundaries shows each piece as it reads in the text.
 */
public final class TextScoreRows {

    private final TextTokenizer tokenizer;
    private final int[] ids;
    private final List<Integer> tokenIds = new ArrayList<>();
    private final List<String> tokens = new ArrayList<>();
    private final List<Double> base = new ArrayList<>();
    private final List<Double> think = new ArrayList<>();
    private final List<Double> weights = new ArrayList<>();
    private final List<String> thoughts = new ArrayList<>();

    /**
     * Starts collecting the score of a text.
     *
     * @param tokenizer the model's tokenizer
     * @param ids the scored ids, document start first ({@link TextScorer#scoredIds})
     */
    public TextScoreRows(TextTokenizer tokenizer, int[] ids) {
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.ids = Objects.requireNonNull(ids, "ids");
    }

    /**
     * Adds the score of the token after position {@code position}.
     *
     * @param position the context's last position i; the scored token is {@code ids[i + 1]}
     * @param baseLogProb its log-probability without thinking
     * @param thinkLogProb its log-probability with the thought
     * @param mixingWeight the mixing weight
     * @param thoughtIds holds the thought's tokens from {@code from}
     * @param from where the thought starts in {@code thoughtIds}
     * @param length the thought's token count
     */
    public void add(int position, double baseLogProb, double thinkLogProb, double mixingWeight, long[] thoughtIds,
            int from, int length) {
        int token = ids[position + 1];
        int[] context = Arrays.copyOf(ids, position + 1);
        int[] thought = new int[length];
        for (int k = 0; k < length; k++) {
            thought[k] = Math.toIntExact(thoughtIds[from + k]);
        }
        tokenIds.add(token);
        tokens.add(tokenizer.decodeAfter(context, new int[] {token}));
        base.add(baseLogProb);
        think.add(thinkLogProb);
        weights.add(mixingWeight);
        thoughts.add(tokenizer.decodeAfter(context, thought));
    }

    /**
     * The score collected so far.
     *
     * @return the text's score
     */
    public TextScore build() {
        return new TextScore(tokenIds, tokens, base, think, weights, thoughts);
    }
}
