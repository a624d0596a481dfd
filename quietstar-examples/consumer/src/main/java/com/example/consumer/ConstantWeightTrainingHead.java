package com.example.consumer;

import ai.djl.ndarray.NDArray;
import dev.quietstar.api.MixingHead;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A user's mixing head for training on djl-pytorch: every thought is blended with the same weight (no parameters,
 * so the objective then trains the thoughts alone), with every call counted.
 */
public final class ConstantWeightTrainingHead implements MixingHead<NDArray> {

    private final float weight;
    private final AtomicLong calls = new AtomicLong();

    /**
     * Creates the head.
     *
     * @param weight the weight of every thought
     */
    public ConstantWeightTrainingHead(float weight) {
        this.weight = weight;
    }

    /**
     * How many times {@link #weight(NDArray, NDArray)} ran.
     *
     * @return the count
     */
    public long calls() {
        return calls.get();
    }

    @Override
    public NDArray weight(NDArray baseHidden, NDArray thoughtHidden) {
        calls.incrementAndGet();
        // (..., H) -> (..., 1) filled with the weight; built from the input so it has its shape and device.
        return baseHidden.stopGradient().sum(new int[] {-1}, true).mul(0f).add(weight);
    }

    @Override
    public NDArray mix(NDArray baseHidden, NDArray thoughtHidden, NDArray weights) {
        return baseHidden.mul(weights.neg().add(1f)).add(thoughtHidden.mul(weights));
    }
}
