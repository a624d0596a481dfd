package dev.quietstar.djl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * Rotary position embeddings (Su et al., 2021) in the HuggingFace "rotate half" convention used by Llama,
 * Mistral, Qwen2, Qwen3, Phi-3 and Gemma 3 checkpoints (Phi-3 may rotate only the first part of each head; Gemma 3's
 * sliding layers have a table of their own).
 */
final class Rope {

    private Rope() {}

    /**
     * cos and sin tables for the given positions.
     *
     * @param positions (batch, length) integer positions
     * @param inverseFrequencies the head's rotary inverse frequencies ({@code DecoderSpec#rotaryInverseFrequencies})
     * @return {cos, sin}, each (batch, 1, length, rotaryDim)
     */
    static NDArray[] cosSin(NDArray positions, float[] inverseFrequencies) {
        NDManager m = positions.getManager();
        NDArray invFreq = m.create(inverseFrequencies);
        NDArray freqs = positions.toType(DataType.FLOAT32, false).expandDims(-1).mul(invFreq);
        NDArray emb = NDArrays.concat(new NDList(freqs, freqs), -1).expandDims(1);
        return new NDArray[] {emb.cos(), emb.sin()};
    }

    /**
     * Rotates queries or keys: the first {@code rotaryDim} values of each head (the width of the tables), passing
     * the rest through unchanged when the tables are narrower than the head (Phi-3's partial rotary embedding).
     *
     * @param x (batch, heads, length, headDim)
     * @param cos table from {@link #cosSin}
     * @param sin table from {@link #cosSin}
     * @return the rotated array
     */
    static NDArray apply(NDArray x, NDArray cos, NDArray sin) {
        long width = x.getShape().get(3);
        long rotary = cos.getShape().get(3);
        if (rotary < width) {
            NDArray rot = apply(x.get(":, :, :, 0:" + rotary), cos, sin);
            return NDArrays.concat(new NDList(rot, x.get(":, :, :, " + rotary + ":")), -1);
        }
        long half = width / 2;
        NDArray x1 = x.get(":, :, :, 0:" + half);
        NDArray x2 = x.get(":, :, :, " + half + ":");
        NDArray rotated = NDArrays.concat(new NDList(x2.neg(), x1), -1);
        return x.mul(cos).add(rotated.mul(sin));
    }
}
