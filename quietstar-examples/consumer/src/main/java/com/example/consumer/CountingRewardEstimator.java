package com.example.consumer;

import ai.djl.ndarray.NDArray;
import dev.quietstar.api.RewardEstimate;
import dev.quietstar.api.RewardEstimator;
import dev.quietstar.djl.thought.ReinforceRewardEstimator;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A user's reward estimator for training on djl-pytorch (its arrays are DJL's, so it is engine-specific): the
 * official rule, with every call counted.
 */
public final class CountingRewardEstimator implements RewardEstimator<NDArray> {

    private final ReinforceRewardEstimator official = new ReinforceRewardEstimator();
    private final AtomicLong calls = new AtomicLong();

    /**
     * How many micro-batches the estimator scored.
     *
     * @return the count
     */
    public long calls() {
        return calls.get();
    }

    @Override
    public RewardEstimate<NDArray> estimate(NDArray talkLogProbs, NDArray baseLogProbs, int thoughtsPerPosition) {
        calls.incrementAndGet();
        return official.estimate(talkLogProbs, baseLogProbs, thoughtsPerPosition);
    }
}
