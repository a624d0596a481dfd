package com.example.consumer;

import dev.quietstar.api.MixingHead;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A user's mixing head for inference on any engine: every thought is blended with the same weight, and every call is
 * counted so a test can prove the head ran.
 */
public final class ConstantWeightHead implements MixingHead<float[][]> {

    private final float weight;
    private final AtomicLong calls = new AtomicLong();

    /**
     * Creates the head.
     *
     * @param weight the weight of every thought
     */
    public ConstantWeightHead(float weight) {
        this.weight = weight;
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
        float[][] w = new float[baseHidden.length][1];
        for (float[] row : w) {
            row[0] = weight;
        }
        return w;
    }

    @Override
    public float[][] mix(float[][] baseHidden, float[][] thoughtHidden, float[][] weights) {
        float[][] out = new float[baseHidden.length][];
        for (int r = 0; r < out.length; r++) {
            float w = weights[r][0];
            out[r] = new float[baseHidden[r].length];
            for (int k = 0; k < out[r].length; k++) {
                out[r][k] = (1 - w) * baseHidden[r][k] + w * thoughtHidden[r][k];
            }
        }
        return out;
    }
}
