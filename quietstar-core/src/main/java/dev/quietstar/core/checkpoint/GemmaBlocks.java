package dev.quietstar.core.checkpoint;

import java.util.List;
import java.util.Objects;

/**
 * What Gemma 3 ({@code Gemma3ForCausalLM}, {@code model_type} {@code gemma3_text}) computes beyond a Llama-family
 * block with per-head q/k norms, as transformers' {@code modeling_gemma3} defines it: token embeddings multiplied
 * by {@code sqrt(hidden_size)} (in float32, the model's dtype here), every RMSNorm multiplying by {@code 1 + w}
 * (its weights are stored as offsets from 1), four norms per block (input, post-attention, pre-feed-forward and
 * post-feed-forward: the attention and MLP outputs are normed before they join the residual), a gated GELU-tanh
 * MLP, attention scores scaled by {@code query_pre_attn_scalar^-0.5}, and layers of two kinds
 * ({@code layer_types}): full-attention layers rotate with {@code rope_theta} and {@code rope_scaling}, sliding
 * ones with {@code rope_local_base_freq} and attend over the last {@code sliding_window} positions.
 *
 * @param queryPreAttnScalar {@code query_pre_attn_scalar}: attention scores are q k / sqrt(this)
 * @param localRopeTheta the rotary base of the sliding layers ({@code rope_local_base_freq})
 * @param localRopeScaling the rotary scaling of the sliding layers (none but in a transformers 5
 *     {@code rope_parameters.sliding_attention} that names one)
 * @param slidingLayers per layer, whether it is a sliding-attention layer
 * @param slidingWindow {@code sliding_window}; 0 when the file sets none and no layer slides
 */
public record GemmaBlocks(double queryPreAttnScalar, double localRopeTheta, RopeScaling localRopeScaling,
        List<Boolean> slidingLayers, int slidingWindow) {

    /** Checks the values and freezes the layer list. */
    public GemmaBlocks {
        Objects.requireNonNull(localRopeScaling, "localRopeScaling");
        slidingLayers = List.copyOf(slidingLayers);
        if (!(queryPreAttnScalar > 0 && Double.isFinite(queryPreAttnScalar))) {
            throw new IllegalArgumentException("config.json: query_pre_attn_scalar must be a finite number > 0, "
                    + "was " + queryPreAttnScalar);
        }
        if (!(localRopeTheta > 0 && Double.isFinite(localRopeTheta))) {
            throw new IllegalArgumentException("config.json: rope_local_base_freq must be a finite number > 0, "
                    + "was " + localRopeTheta);
        }
        if (slidingWindow < 0 || slidingWindow == 0 && slidingLayers.contains(Boolean.TRUE)) {
            throw new IllegalArgumentException("config.json: sliding_window must be > 0 when layer_types has "
                    + "sliding_attention layers, was " + (slidingWindow == 0 ? "null" : slidingWindow));
        }
    }

    /**
     * Whether any layer attends through the sliding window.
     *
     * @return true when at least one layer slides
     */
    public boolean anySliding() {
        return slidingLayers.contains(Boolean.TRUE);
    }
}
