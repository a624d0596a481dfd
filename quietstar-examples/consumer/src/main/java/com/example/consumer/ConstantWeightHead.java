package com.example.consumer;

import dev.quietstar.api.MixingHead;
import dev.quietstar.core.infer.ConstantMixingHead;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A user's mixing head for inference on any engine: the library's {@link ConstantMixingHead} (every thought blended
 * with the same weight), with every call counted so a test can prove the head ran.
 */
public final class ConstantWeightHead implements MixingHead<float[][]> {

    private final ConstantMixingHead mixing;
    private final AtomicLong calls = new AtomicLong();

    /**
     * Creates the head.
     *
     * @param weight the weight of every thought
     */
    public ConstantWeightHead(float weight) {
        this.mixing = new ConstantMixingHead(weight);
    }

    /**
     * How many times {@link #weight(float[][], float[][])} ran.
     *
     * @return the count
     */
    public long calls() {
        return calls.get();
    }

    @Override
    public float[][] weight(float[][] baseHidden, float[][] thoughtHidden) {
        calls.incrementAndGet();
        return mixing.weight(baseHidden, thoughtHidden);
    }

    @Override
    public float[][] mix(float[][] baseHidden, float[][] thoughtHidden, float[][] weights) {
        return mixing.mix(baseHidden, thoughtHidden, weights);
    }
}
