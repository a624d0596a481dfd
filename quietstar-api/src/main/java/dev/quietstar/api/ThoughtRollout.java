package dev.quietstar.api;

import java.util.List;

/**
 * What parallel thought generation produced for a batch: the base pass, the thoughts, and the hidden states after
 * the end-of-thought token and each teacher-forced look-ahead token.
 *
 * @param <A> the backend's array type
 * @param baseHidden final-norm hidden states of the ordinary causal pass, (rows, L, H)
 * @param thoughtIds sampled thought tokens, (rows, L, thoughtLength)
 * @param thoughtLogits sampling logits of each thought token (not detached), (rows, L, thoughtLength, V)
 * @param talkHidden for look-ahead step s, the hidden states that predict token i+1+s after the thought at i,
 *     each (rows, L, H)
 */
public record ThoughtRollout<A>(A baseHidden, A thoughtIds, A thoughtLogits, List<A> talkHidden) {

    /** Copies the list of look-ahead hidden states. */
    public ThoughtRollout {
        talkHidden = List.copyOf(talkHidden);
    }
}
