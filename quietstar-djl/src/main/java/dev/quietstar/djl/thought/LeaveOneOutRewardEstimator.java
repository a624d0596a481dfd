package dev.quietstar.djl.thought;

import ai.djl.ndarray.NDArray;
import dev.quietstar.api.RewardEstimate;
import dev.quietstar.api.RewardEstimator;

/**
 * REINFORCE with a leave-one-out baseline ({@link dev.quietstar.api.config.Advantage#LEAVE_ONE_OUT}): for each of
 * the P thoughts at a position, A = r - (sum of the other P - 1 rewards) / (P - 1), not clipped. The baseline of a
 * thought does not depend on the thought itself, so the estimate is unbiased; thoughts worse than their siblings get
 * a negative advantage and are pushed down.
 */
public final class LeaveOneOutRewardEstimator implements RewardEstimator<NDArray> {

    /** Creates the estimator. */
    public LeaveOneOutRewardEstimator() {}

    /** {@inheritDoc} */
    @Override
    public RewardEstimate<NDArray> estimate(NDArray talkLogProbs, NDArray baseLogProbs, int thoughtsPerPosition) {
        GroupedRewards.requireGroups("the leave-one-out baseline", thoughtsPerPosition);
        NDArray rewards = GroupedRewards.rewards(talkLogProbs, baseLogProbs, thoughtsPerPosition);
        NDArray grouped = GroupedRewards.grouped(rewards, thoughtsPerPosition);
        NDArray others = grouped.sum(new int[] {1}, true).sub(grouped).div(thoughtsPerPosition - 1f);
        NDArray advantages = grouped.sub(others).reshape(rewards.getShape());
        return new RewardEstimate<>(rewards, advantages);
    }
}
