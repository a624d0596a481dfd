package dev.quietstar.djl.thought;

import ai.djl.ndarray.NDArray;
import dev.quietstar.api.RewardEstimate;
import dev.quietstar.api.RewardEstimator;

/**
 * REINFORCE rewards with the official baseline: r = sum over look-ahead steps of (log p_talk - log p_base),
 * detached; advantage = max(0, r - mean of r over the thoughts of the same example and position). With one thought
 * per position nothing is subtracted (A = max(0, r)), as in the official code.
 */
public final class ReinforceRewardEstimator implements RewardEstimator<NDArray> {

    /** Creates the estimator. */
    public ReinforceRewardEstimator() {}

    /** {@inheritDoc} */
    @Override
    public RewardEstimate<NDArray> estimate(NDArray talkLogProbs, NDArray baseLogProbs, int thoughtsPerPosition) {
        NDArray rewards = GroupedRewards.rewards(talkLogProbs, baseLogProbs, thoughtsPerPosition);
        NDArray advantages;
        if (thoughtsPerPosition == 1) {
            advantages = rewards.maximum(0f);
        } else {
            NDArray grouped = GroupedRewards.grouped(rewards, thoughtsPerPosition);
            NDArray baseline = grouped.mean(new int[] {1}, true);
            advantages = grouped.sub(baseline).maximum(0f).reshape(rewards.getShape());
        }
        return new RewardEstimate<>(rewards, advantages);
    }
}
