package dev.quietstar.api;

import java.util.List;

/**
 * Per-token log-probabilities of a text with and without thinking: which tokens did thinking help.
 *
 * @param tokenIds the scored tokens (the first token of the sequence is context, not scored: the document-start
 *     token when the model's tokenizer has one, else the text's first token)
 * @param tokens each scored token's text
 * @param baseLogProbs log p(token | prefix) under the base model
 * @param thinkLogProbs log p(token | prefix, thought) under think-then-talk
 * @param mixingWeights the mixing weight used for each token
 * @param thoughts the thought that preceded each token, decoded
 */
public record TextScore(List<Integer> tokenIds, List<String> tokens, List<Double> baseLogProbs,
        List<Double> thinkLogProbs, List<Double> mixingWeights, List<String> thoughts) {

    /** Copies the lists and checks they have one entry per token. */
    public TextScore {
        tokenIds = List.copyOf(tokenIds);
        tokens = List.copyOf(tokens);
        baseLogProbs = List.copyOf(baseLogProbs);
        thinkLogProbs = List.copyOf(thinkLogProbs);
        mixingWeights = List.copyOf(mixingWeights);
        thoughts = List.copyOf(thoughts);
        int n = tokenIds.size();
        if (tokens.size() != n || baseLogProbs.size() != n || thinkLogProbs.size() != n
                || mixingWeights.size() != n || thoughts.size() != n) {
            throw new IllegalArgumentException("every list of a TextScore needs one entry per token (" + n + ")");
        }
    }

    /**
     * Total log-probability under the base model.
     *
     * @return the sum
     */
    public double baseTotal() {
        return baseLogProbs.stream().mapToDouble(Double::doubleValue).sum();
    }

    /**
     * Total log-probability with thinking.
     *
     * @return the sum
     */
    public double thinkTotal() {
        return thinkLogProbs.stream().mapToDouble(Double::doubleValue).sum();
    }
}
