package dev.quietstar.api;

/**
 * Turns the log-probabilities of the true continuation with and without each thought into REINFORCE advantages
 * (the paper's section 4.4).
 *
 * <p>r = sum over look-ahead steps of (log p_talk(x_{i+1+s}) - log p_base(x_{i+1+s})), detached; the baseline is
 * the mean reward over the {@code thoughtsPerPosition} thoughts at the same position (none when there is only
 * one), and negative advantages are set to 0, as in the official implementation.
 *
 * @param <A> the backend's array type
 */
public interface RewardEstimator<A> {

    /**
     * Computes rewards and advantages.
     *
     * @param talkLogProbs log-probability of each true look-ahead token after the thought, (T, rows, positions)
     * @param baseLogProbs log-probability of the same tokens without the thought, (T, rows, positions)
     * @param thoughtsPerPosition how many adjacent rows are copies of one example
     * @return rewards and advantages, both without gradient
     */
    RewardEstimate<A> estimate(A talkLogProbs, A baseLogProbs, int thoughtsPerPosition);
}
