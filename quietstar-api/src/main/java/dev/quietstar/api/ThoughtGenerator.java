package dev.quietstar.api;

/**
 * Generates a thought after every position of every sequence of a batch, in parallel (docs/algorithm.md section 2).
 *
 * <p>Pass 0 is the ordinary causal pass; pass k feeds, at every position i, the k-th token of that position's
 * thought at position id i + k. Each thought token attends to the real prefix x_0..x_i and to its own earlier
 * thought tokens only. One decoder call per thought token serves all positions at once, never L rollouts.
 *
 * @param <A> the backend's array type
 */
public interface ThoughtGenerator<A> {

    /**
     * Runs the base pass, the thoughts and the teacher-forced look-ahead for a batch.
     *
     * @param inputIds token ids, (rows, L); rows already hold the {@code thoughtsPerPosition} copies of each
     *     example side by side
     * @param attentionMask 1 for real tokens, 0 for padding, (rows, L)
     * @param sampler chooses thought tokens
     * @return the rollout
     */
    ThoughtRollout<A> generate(A inputIds, A attentionMask, ThoughtSampler<A> sampler);
}
