package dev.quietstar.core.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quietstar.core.io.BoundedFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The architecture of a checkpoint's decoder as its HuggingFace {@code config.json} states it, read, validated and
 * written without any engine: GPT-2 (learned positions, LayerNorm, {@code Conv1D} weights in x out, GELU-tanh, tied
 * embeddings) or the Llama family (rotate-half RoPE, RMSNorm, SwiGLU, grouped-query attention, {@code Linear} weights
 * out x in; Qwen3 adds per-head q/k norms, Phi-3 fuses the projections and may rotate only part of each head). It is
 * the library's one reading of {@code config.json}: every backend builds its decoder from it. A field whose value
 * would change the computation in a way no backend implements is refused with a message naming it. Gemma 3
 * ({@code gemma3_text}) is read as a Llama-family model with what {@link GemmaBlocks} adds: scaled embeddings, norms that
 * multiply by {@code 1 + w}, sandwich norms, a gated GELU-tanh MLP, its own attention scale and a second rotary table
 * for its sliding layers.
 *
 * @param llama true for the rotary family (llama, mistral, qwen2, qwen3, phi3, gemma3_text), false for GPT-2
 * @param modelType the {@code model_type} field
 * @param vocabSize V
 * @param hiddenSize H
 * @param layers number of blocks
 * @param heads query heads
 * @param kvHeads key/value heads (equal to {@code heads} without grouped-query attention)
 * @param headDim width of a head
 * @param intermediateSize width of the feed-forward layer
 * @param maxPositions maximum number of positions
 * @param ropeTheta rotary base (Llama family)
 * @param normEps epsilon of the norms
 * @param tieWordEmbeddings whether lm_head is the token embedding
 * @param attentionBias whether q/k/v projections have biases (Llama family)
 * @param ropeScaling how the rotary frequencies are scaled (Llama family; {@link RopeScaling#NONE} otherwise)
 * @param qkNorm whether each head's queries and keys go through an RMSNorm of width {@code head_dim} (weights
 *     {@code self_attn.q_norm} / {@code k_norm}) before the rotary embedding, as in Qwen3
 * @param rotaryDim how many leading values of each query and key head are rotated (Llama family); the rest pass
 *     through unrotated. {@code head_dim} except for Phi-3's {@code partial_rotary_factor} below 1
 * @param gemma what Gemma 3 adds to the Llama family's blocks; null for every other type. For Gemma 3,
 *     {@code ropeTheta} and {@code ropeScaling} are those of its full-attention layers
 */
public record DecoderSpec(boolean llama, String modelType, int vocabSize, int hiddenSize, int layers, int heads,
        int kvHeads, int headDim, int intermediateSize, int maxPositions, double ropeTheta, double normEps,
        boolean tieWordEmbeddings, boolean attentionBias, RopeScaling ropeScaling, boolean qkNorm, int rotaryDim,
        GemmaBlocks gemma) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The {@code model_type} of Gemma 3's text model ({@code Gemma3ForCausalLM}). */
    public static final String GEMMA3 = "gemma3_text";

    /**
     * An architecture of a type other than Gemma 3.
     *
     * @param llama true for the Llama family
     * @param modelType the {@code model_type}
     * @param vocabSize V
     * @param hiddenSize H
     * @param layers blocks
     * @param heads query heads
     * @param kvHeads key/value heads
     * @param headDim head width
     * @param intermediateSize feed-forward width
     * @param maxPositions positions
     * @param ropeTheta rotary base
     * @param normEps norm epsilon
     * @param tieWordEmbeddings tied lm_head
     * @param attentionBias q/k/v biases
     * @param ropeScaling rotary scaling
     * @param qkNorm per-head q/k norms
     * @param rotaryDim rotated values per head
     */
    public DecoderSpec(boolean llama, String modelType, int vocabSize, int hiddenSize, int layers, int heads,
            int kvHeads, int headDim, int intermediateSize, int maxPositions, double ropeTheta, double normEps,
            boolean tieWordEmbeddings, boolean attentionBias, RopeScaling ropeScaling, boolean qkNorm,
            int rotaryDim) {
        this(llama, modelType, vocabSize, hiddenSize, layers, heads, kvHeads, headDim, intermediateSize,
                maxPositions, ropeTheta, normEps, tieWordEmbeddings, attentionBias, ropeScaling, qkNorm, rotaryDim,
                null);
    }

    /**
     * An architecture whose rotary embedding covers the whole head.
     *
     * @param llama true for the Llama family
     * @param modelType the {@code model_type}
     * @param vocabSize V
     * @param hiddenSize H
     * @param layers blocks
     * @param heads query heads
     * @param kvHeads key/value heads
     * @param headDim head width
     * @param intermediateSize feed-forward width
     * @param maxPositions positions
     * @param ropeTheta rotary base
     * @param normEps norm epsilon
     * @param tieWordEmbeddings tied lm_head
     * @param attentionBias q/k/v biases
     * @param ropeScaling rotary scaling
     * @param qkNorm per-head q/k norms
     */
    public DecoderSpec(boolean llama, String modelType, int vocabSize, int hiddenSize, int layers, int heads,
            int kvHeads, int headDim, int intermediateSize, int maxPositions, double ropeTheta, double normEps,
            boolean tieWordEmbeddings, boolean attentionBias, RopeScaling ropeScaling, boolean qkNorm) {
        this(llama, modelType, vocabSize, hiddenSize, layers, heads, kvHeads, headDim, intermediateSize,
                maxPositions, ropeTheta, normEps, tieWordEmbeddings, attentionBias, ropeScaling, qkNorm, headDim);
    }

    /**
     * An architecture without per-head query/key norms.
     *
     * @param llama true for the Llama family
     * @param modelType the {@code model_type}
     * @param vocabSize V
     * @param hiddenSize H
     * @param layers blocks
     * @param heads query heads
     * @param kvHeads key/value heads
     * @param headDim head width
     * @param intermediateSize feed-forward width
     * @param maxPositions positions
     * @param ropeTheta rotary base
     * @param normEps norm epsilon
     * @param tieWordEmbeddings tied lm_head
     * @param attentionBias q/k/v biases
     * @param ropeScaling rotary scaling
     */
    public DecoderSpec(boolean llama, String modelType, int vocabSize, int hiddenSize, int layers, int heads,
            int kvHeads, int headDim, int intermediateSize, int maxPositions, double ropeTheta, double normEps,
            boolean tieWordEmbeddings, boolean attentionBias, RopeScaling ropeScaling) {
        this(llama, modelType, vocabSize, hiddenSize, layers, heads, kvHeads, headDim, intermediateSize,
                maxPositions, ropeTheta, normEps, tieWordEmbeddings, attentionBias, ropeScaling, false);
    }

    /**
     * An architecture without rotary scaling.
     *
     * @param llama true for the Llama family
     * @param modelType the {@code model_type}
     * @param vocabSize V
     * @param hiddenSize H
     * @param layers blocks
     * @param heads query heads
     * @param kvHeads key/value heads
     * @param headDim head width
     * @param intermediateSize feed-forward width
     * @param maxPositions positions
     * @param ropeTheta rotary base
     * @param normEps norm epsilon
     * @param tieWordEmbeddings tied lm_head
     * @param attentionBias q/k/v biases
     */
    public DecoderSpec(boolean llama, String modelType, int vocabSize, int hiddenSize, int layers, int heads,
            int kvHeads, int headDim, int intermediateSize, int maxPositions, double ropeTheta, double normEps,
            boolean tieWordEmbeddings, boolean attentionBias) {
        this(llama, modelType, vocabSize, hiddenSize, layers, heads, kvHeads, headDim, intermediateSize,
                maxPositions, ropeTheta, normEps, tieWordEmbeddings, attentionBias, RopeScaling.NONE, false, headDim);
    }

    /** Checks that the sizes are positive and consistent. */
    public DecoderSpec {
        Objects.requireNonNull(ropeScaling, "ropeScaling");
        if (!llama && !RopeScaling.NONE.equals(ropeScaling)) {
            throw new IllegalArgumentException("config.json: rope_scaling applies to rotary embeddings; " + modelType
                    + " has learned positions");
        }
        positive("vocab_size", vocabSize);
        positive("hidden_size", hiddenSize);
        positive("num_hidden_layers", layers);
        positive("num_attention_heads", heads);
        positive("num_key_value_heads", kvHeads);
        positive("head_dim", headDim);
        positive("intermediate_size", intermediateSize);
        positive("max_position_embeddings", maxPositions);
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("config.json: num_attention_heads " + heads
                    + " must be a multiple of num_key_value_heads " + kvHeads);
        }
        if (!llama && heads * headDim != hiddenSize) {
            throw new IllegalArgumentException("config.json: n_embd " + hiddenSize + " must be divisible by n_head "
                    + heads);
        }
        boolean isGemma = GEMMA3.equals(modelType);
        if ((gemma != null) != isGemma) {
            throw new IllegalArgumentException("config.json: Gemma 3's settings (query_pre_attn_scalar, layer_types, "
                    + "rope_local_base_freq) belong to " + GEMMA3 + " and to no other model_type; " + modelType
                    + (isGemma ? " needs them" : " has none"));
        }
        if (gemma != null && gemma.slidingLayers().size() != layers) {
            throw new IllegalArgumentException("config.json: layer_types names " + gemma.slidingLayers().size()
                    + " layers, num_hidden_layers is " + layers);
        }
        if (qkNorm != ("qwen3".equals(modelType) || isGemma)) {
            throw new IllegalArgumentException("config.json: per-head q/k norms (q_norm, k_norm) are part of qwen3 "
                    + "and gemma3_text and of no other model_type; " + modelType + (qkNorm ? " has none"
                            : " needs them"));
        }
        if (("mistral".equals(modelType) || "phi3".equals(modelType)) && attentionBias) {
            throw new IllegalArgumentException("config.json: a " + modelType + " model has no attention biases "
                    + "(transformers' attention class for it creates none)");
        }
        if (llama && (rotaryDim <= 0 || rotaryDim > headDim || rotaryDim % 2 != 0)) {
            throw new IllegalArgumentException("config.json: the rotary part of a head (head_dim * "
                    + "partial_rotary_factor) must be even and within 1.." + headDim + ", was " + rotaryDim);
        }
        if (rotaryDim != headDim && !"phi3".equals(modelType)) {
            throw new IllegalArgumentException("config.json: partial_rotary_factor below 1 is implemented for phi3 "
                    + "only; " + modelType + " rotates the whole head");
        }
        if ("phi3".equals(modelType) && !RopeScaling.NONE.equals(ropeScaling)) {
            throw new IllegalArgumentException("config.json: rope_scaling type '" + ropeScaling.type() + "' is not "
                    + "a Phi-3 rope type (transformers accepts only default and longrope for phi3)");
        }
        if ("qwen2".equals(modelType) && !attentionBias) {
            throw new IllegalArgumentException("config.json: a qwen2 model always has q/k/v biases "
                    + "(transformers' Qwen2Attention creates them whatever attention_bias says)");
        }
        if (llama && headDim % 2 != 0) {
            throw new IllegalArgumentException("config.json: head_dim must be even for rotary embeddings, was "
                    + headDim);
        }
        // A non-positive or non-finite base or epsilon turns every output into NaN: refuse it here, by name.
        if (llama && !(ropeTheta > 0 && Double.isFinite(ropeTheta))) {
            throw new IllegalArgumentException("config.json: rope_theta must be a finite number > 0, was "
                    + ropeTheta);
        }
        if (!(normEps > 0 && Double.isFinite(normEps))) {
            throw new IllegalArgumentException("config.json: " + (llama ? "rms_norm_eps" : "layer_norm_epsilon")
                    + " must be a finite number > 0, was " + normEps);
        }
    }

    /**
     * Whether {@code o_proj} has a bias: transformers' {@code LlamaAttention} gives it one exactly when
     * {@code attention_bias} is true, and so does {@code Qwen3Attention}; Qwen2's attention never has one (only q/k/v
     * do), Mistral's has no biases at all.
     *
     * @return true when {@code model.layers.N.self_attn.o_proj.bias} is a weight
     */
    public boolean outputProjectionBias() {
        return attentionBias && ("llama".equals(modelType) || "qwen3".equals(modelType) || GEMMA3.equals(modelType));
    }

    /**
     * The factor token embeddings are multiplied by when looked up: Gemma's {@code sqrt(hidden_size)}, rounded to
     * float32 as transformers' scaled embedding holds it for a float32 model, else 1. It applies to looked-up rows
     * only: the learned Quiet-STaR meta-token vectors enter the first block as they are, in place of a looked-up and
     * scaled row (they start as the scaled mean of their initialisation tokens).
     *
     * @return the multiplier
     */
    public float embeddingScale() {
        return gemma == null ? 1f : (float) Math.sqrt(hiddenSize);
    }

    /**
     * What is added to every RMSNorm weight before it multiplies: 1 for Gemma, whose norms compute
     * {@code x / rms(x) * (1 + w)}, else 0.
     *
     * @return the offset
     */
    public float normWeightOffset() {
        return gemma == null ? 0f : 1f;
    }

    /**
     * What attention scores q·k are divided by before the mask and softmax: {@code sqrt(query_pre_attn_scalar)}
     * for Gemma, {@code sqrt(head_dim)} for every other type.
     *
     * @return the divisor
     */
    public double attentionScoreDivisor() {
        return Math.sqrt(gemma == null ? headDim : gemma.queryPreAttnScalar());
    }

    /**
     * Whether each block norms the attention output and the MLP output before they join the residual stream and has
     * a norm of its own before the MLP (Gemma's {@code post_attention_layernorm}, {@code pre_feedforward_layernorm}
     * and {@code post_feedforward_layernorm}); otherwise {@code post_attention_layernorm} is the norm before the MLP.
     *
     * @return true for Gemma
     */
    public boolean sandwichNorms() {
        return gemma != null;
    }

    /**
     * Whether the gated MLP's activation is GELU with the tanh approximation ({@code gelu_pytorch_tanh}, Gemma)
     * rather than SiLU.
     *
     * @return true for Gemma
     */
    public boolean geluTanhMlp() {
        return gemma != null;
    }

    /**
     * Whether a layer's attention is Gemma's sliding-window attention (which, within the positions the model is
     * limited to, computes what full attention does) and so rotates with the sliding layers' table.
     *
     * @param layer the layer index
     * @return true for a sliding layer of a Gemma model
     */
    public boolean slidingLayer(int layer) {
        return gemma != null && gemma.slidingLayers().get(layer);
    }

    static void positive(String field, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException("config.json: " + field + " must be > 0, was " + value);
        }
    }

    /**
     * A GPT-2 shape with the usual derived sizes (MLP 4H, LayerNorm epsilon 1e-5, tied lm_head).
     *
     * @param vocabSize vocabulary size
     * @param hiddenSize width
     * @param layers blocks
     * @param heads heads
     * @param maxPositions positions
     * @return the architecture
     */
    public static DecoderSpec gpt2(int vocabSize, int hiddenSize, int layers, int heads, int maxPositions) {
        return new DecoderSpec(false, "gpt2", vocabSize, hiddenSize, layers, heads, heads, hiddenSize / heads,
                4 * hiddenSize, maxPositions, 10000.0, 1e-5, true, true);
    }

    /**
     * A Llama shape (SwiGLU MLP of about 8H/3 rounded to a multiple of 8, RMSNorm epsilon 1e-5, rope theta 10000).
     *
     * @param vocabSize vocabulary size
     * @param hiddenSize width
     * @param layers blocks
     * @param heads query heads
     * @param kvHeads key/value heads
     * @param maxPositions positions
     * @param tied whether lm_head is tied to the embedding
     * @return the architecture
     */
    public static DecoderSpec llama(int vocabSize, int hiddenSize, int layers, int heads, int kvHeads,
            int maxPositions, boolean tied) {
        int inter = ((8 * hiddenSize / 3) + 7) / 8 * 8;
        return new DecoderSpec(true, "llama", vocabSize, hiddenSize, layers, heads, kvHeads, hiddenSize / heads,
                inter, maxPositions, 10000.0, 1e-5, tied, false);
    }

    /**
     * Returns a copy with another vocabulary size (after adding meta-tokens).
     *
     * @param newVocab the size
     * @return the copy
     */
    public DecoderSpec withVocabSize(int newVocab) {
        return new DecoderSpec(llama, modelType, newVocab, hiddenSize, layers, heads, kvHeads, headDim,
                intermediateSize, maxPositions, ropeTheta, normEps, tieWordEmbeddings, attentionBias, ropeScaling,
                qkNorm, rotaryDim, gemma);
    }

    /**
     * The rotary inverse frequencies of a head (Llama family): {@code 1 / rope_theta^(2i / rotary_dim)} under
     * {@link #ropeScaling()}, over the rotated part of the head ({@link #rotaryDim()}, the whole head but for Phi-3's
     * partial rotary). Every backend builds its rotary tables from these, so they agree to the bit.
     *
     * @return {@code rotary_dim / 2} frequencies
     */
    public float[] rotaryInverseFrequencies() {
        return ropeScaling.inverseFrequencies(rotaryDim, ropeTheta);
    }

    /**
     * The rotary inverse frequencies of one layer: Gemma's sliding layers rotate with {@code rope_local_base_freq}
     * (and their own scaling), every other layer with {@link #rotaryInverseFrequencies()}.
     *
     * @param layer the layer index
     * @return {@code rotary_dim / 2} frequencies
     */
    public float[] rotaryInverseFrequencies(int layer) {
        return slidingLayer(layer) ? gemma.localRopeScaling().inverseFrequencies(rotaryDim, gemma.localRopeTheta())
                : rotaryInverseFrequencies();
    }

    /**
     * Whether the attention's q/k/v projections are one {@code self_attn.qkv_proj} (rows: queries, then keys, then
     * values) and the MLP's gate and up projections one {@code mlp.gate_up_proj} (rows: gate, then up), as in Phi-3.
     *
     * @return true for phi3
     */
    public boolean fusedProjections() {
        return "phi3".equals(modelType);
    }

    /**
     * Reads {@code config.json} from a checkpoint folder (at most {@link BoundedFiles#MAX_METADATA_BYTES}).
     *
     * @param folder the folder
     * @return the architecture
     * @throws IllegalArgumentException when the file is missing, too large, malformed, not a JSON object, or names
     *     an unsupported model type
     */
    public static DecoderSpec read(Path folder) {
        Path file = folder.resolve("config.json");
        BoundedFiles.requireFileIn(file, "model folder " + folder + " has no config.json");
        JsonNode node;
        try {
            node = JSON.readTree(BoundedFiles.readUtf8(file, BoundedFiles.MAX_METADATA_BYTES, "config.json"));
        } catch (IOException e) {
            throw new IllegalArgumentException("malformed config.json in " + folder + ": " + e.getMessage(), e);
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("config.json in " + folder + " must hold a JSON object");
        }
        return fromJson(node);
    }

    /**
     * Reads a parsed HuggingFace {@code config.json}.
     *
     * @param node the JSON tree
     * @return the architecture
     * @throws IllegalArgumentException naming a missing or invalid field, or an unsupported {@code model_type}
     */
    public static DecoderSpec fromJson(JsonNode node) {
        return DecoderSpecReader.fromJson(node);
    }


    /**
     * Writes the HuggingFace {@code config.json} tree for this architecture (read back by {@link #fromJson}).
     *
     * @return the JSON object
     */
    public ObjectNode toJson() {
        return DecoderSpecWriter.toJson(this);
    }
}
