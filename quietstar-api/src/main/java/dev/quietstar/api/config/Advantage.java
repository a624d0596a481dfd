package dev.quietstar.api.config;

/**
 * How the rewards of the {@code thoughtsPerPosition} thoughts sampled at one position become the advantages that
 * scale the policy gradient. The reward of a thought is r = sum over look-ahead steps of
 * (log p_talk - log p_base), as in the paper.
 */
public enum Advantage {
    /**
     * The official rule: A = max(0, r - mean of r over the thoughts at the position, the thought itself included);
     * with one thought per position nothing is subtracted.
     */
    OFFICIAL,
    /**
     * A leave-one-out baseline: A = r - mean of r over the other thoughts at the position, not clipped, so thoughts
     * worse than their siblings are pushed down as well (the REINFORCE-leave-one-out estimator, unbiased for any
     * number of thoughts). Needs thoughtsPerPosition of at least 2.
     */
    LEAVE_ONE_OUT,
    /**
     * A best-of filter (STaR-style expert iteration inside the Quiet-STaR loss): A = 1 for the thought with the
     * highest reward at the position when that reward is positive (it made the true continuation more likely than
     * no thought did), 0 for every other thought, so the policy term imitates the thoughts that helped most.
     * Needs thoughtsPerPosition of at least 2.
     */
    BEST_OF
}
