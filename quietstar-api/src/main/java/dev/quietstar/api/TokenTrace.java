package dev.quietstar.api;

import java.util.List;

/**
 * What happened before one output token: the thought, its mixing weight and what it changed.
 *
 * @param tokenId the emitted token
 * @param text the emitted token's text
 * @param thoughtIds the thought's sampled tokens (empty when the policy did not think here)
 * @param thoughtText the thought decoded to text
 * @param mixingWeight the mixing head's weight w (0 without a thought)
 * @param probWithThought probability of the emitted token under the mixed distribution
 * @param probWithoutThought probability of the emitted token under the base model alone
 */
public record TokenTrace(int tokenId, String text, List<Integer> thoughtIds, String thoughtText,
        double mixingWeight, double probWithThought, double probWithoutThought) {

    /** Copies the list. */
    public TokenTrace {
        thoughtIds = List.copyOf(thoughtIds);
    }

    /**
     * Whether a thought preceded this token.
     *
     * @return true when the model thought
     */
    public boolean thought() {
        return !thoughtIds.isEmpty();
    }
}
