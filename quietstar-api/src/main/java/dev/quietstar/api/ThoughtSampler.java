package dev.quietstar.api;

/**
 * Chooses the thought token at one step of every thought being generated in parallel.
 *
 * <p>The default samples from {@code softmax(logits / temperature)} with the two meta-token logits set to -1e10
 * (docs/algorithm.md section 3); greedy and forced samplers exist for ablations and for tests, which can force given ids.
 *
 * @param <A> the backend's array type
 */
@FunctionalInterface
public interface ThoughtSampler<A> {

    /**
     * Picks one token per row.
     *
     * @param logits sampling logits, shape (rows, positions, vocab), meta-tokens already masked
     * @param step index of the thought token being chosen, 0-based among the sampled thought tokens
     * @return token ids, shape (rows, positions), integer type; no gradient flows through the choice
     */
    A sample(A logits, int step);
}
