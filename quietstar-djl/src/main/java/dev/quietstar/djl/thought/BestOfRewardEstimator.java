package dev.quietstar.djl.thought;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.quietstar.api.RewardEstimate;
import dev.quietstar.api.RewardEstimator;

/**
 * A best-of-P filter ({@link dev.quietstar.api.config.Advantage#BEST_OF}), STaR-style expert iteration inside the
 * Quiet-STaR loss: at each position, the thought with the highest reward gets A = 1 when that reward is positive
 * (it made the true continuation more likely than no thought did) and every other thought gets 0, so the policy
 * term is the log-likelihood of the thoughts that helped most. On a tie the first of the tied thoughts is kept.
 */
public final class BestOfRewardEstimator implements RewardEstimator<NDArray> {

    /** Creates the estimator. */
    public BestOfRewardEstimator() {}

    /** {@inheritDoc} */
    @Override
    public RewardEstimate<NDArray> estimate(NDArray talkLogProbs, NDArray baseLogProbs, int thoughtsPerPosition) {
        GroupedRewards.requireGroups("the best-of filter", thoughtsPerPosition);
        NDArray rewards = GroupedRewards.rewards(talkLogProbs, baseLogProbs, thoughtsPerPosition);
        NDArray grouped = GroupedRewards.grouped(rewards, thoughtsPerPosition);
        // one-hot of the first arg-max along the P axis, kept only where the best reward is positive
        NDArray best = grouped.argMax(1).expandDims(1);
        NDArray index = grouped.getManager().arange(thoughtsPerPosition).toType(best.getDataType(), false)
                .reshape(1, thoughtsPerPosition, 1);
        NDArray chosen = index.eq(best).toType(DataType.FLOAT32, false);
        NDArray helped = grouped.max(new int[] {1}, true).gt(0f).toType(DataType.FLOAT32, false);
        NDArray advantages = chosen.mul(helped).reshape(rewards.getShape());
        return new RewardEstimate<>(rewards, advantages);
    }
}
