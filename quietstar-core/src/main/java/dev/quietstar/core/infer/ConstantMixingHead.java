package dev.quietstar.core.infer;

import dev.quietstar.api.MixingHead;

/**
 * A mixing head that blends every thought with one fixed weight: {@code w = weight} whatever the hidden states,
 * mixed state {@code (1 - w) h_base + w h_thought}. An ablation of the learned head (does the head's choice of
 * where a thought matters carry the gain, or would a constant blend do?) and the simplest engine-neutral component
 * to plug in through {@link dev.quietstar.core.inject.Components#INFERENCE_MIXING_HEAD}; it runs on every backend.
 */
public final class ConstantMixingHead implements MixingHead<float[][]> {

    private final float weight;

    /**
     * Creates the head.
     *
     * @param weight the weight of every thought, finite
     * @throws IllegalArgumentException when the weight is not finite
     */
    public ConstantMixingHead(float weight) {
        if (!Float.isFinite(weight)) {
            throw new IllegalArgumentException("a constant mixing weight must be finite, was " + weight);
        }
        this.weight = weight;
    }

    /**
     * The weight of every thought.
     *
     * @return w
     */
    public float weight() {
        return weight;
    }

    /** {@inheritDoc} */
    @Override
    public float[][] weight(float[][] baseHidden, float[][] thoughtHidden) {
        float[][] w = new float[baseHidden.length][1];
        for (float[] row : w) {
            row[0] = weight;
        }
        return w;
    }

    /** {@inheritDoc} */
    @Override
    public float[][] mix(float[][] baseHidden, float[][] thoughtHidden, float[][] weights) {
        float[][] out = new float[baseHidden.length][];
        for (int r = 0; r < baseHidden.length; r++) {
            float w = weights[r][0];
            out[r] = new float[baseHidden[r].length];
            for (int k = 0; k < out[r].length; k++) {
                out[r][k] = (1 - w) * baseHidden[r][k] + w * thoughtHidden[r][k];
            }
        }
        return out;
    }
}
