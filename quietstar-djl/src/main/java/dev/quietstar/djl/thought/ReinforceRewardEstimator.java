package dev.quietstar.djl.thought;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
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
        Shape s = talkLogProbs.getShape();
        if (!s.equals(baseLogProbs.getShape()) || s.dimension() != 3) {
            throw new IllegalArgumentException("talk and base log-probs must both be (T, rows, positions), were " + s
                    + " and " + baseLogProbs.getShape());
        }
        long rows = s.get(1);
        long positions = s.get(2);
        if (rows % thoughtsPerPosition != 0) {
            throw new IllegalArgumentException("rows (" + rows + ") must be a multiple of thoughtsPerPosition ("
                    + thoughtsPerPosition + ")");
        }
        NDArray rewards = talkLogProbs.stopGradient().sub(baseLogProbs.stopGradient()).sum(new int[] {0});
        NDArray advantages;
        if (thoughtsPerPosition == 1) {
            advantages = rewards.maximum(0f);
        } else {
            NDArray grouped = rewards.reshape(rows / thoughtsPerPosition, thoughtsPerPosition, positions);
            NDArray baseline = grouped.mean(new int[] {1}, true);
            advantages = grouped.sub(baseline).maximum(0f).reshape(rows, positions);
        }
        return new RewardEstimate<>(rewards, advantages);
    }
}
