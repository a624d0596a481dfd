package dev.quietstar.djl.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quietstar.core.checkpoint.DecoderSpec;

/**
 * The architecture of a causal decoder, read from and written to a HuggingFace {@code config.json}.
 *
 * @param architecture the family
 * @param modelType HuggingFace {@code model_type} ({@code gpt2}, {@code llama}, {@code mistral}, {@code qwen2})
 * @param vocabSize rows of the embedding and lm_head
 * @param hiddenSize model width H
 * @param layers transformer blocks
 * @param heads query heads
 * @param kvHeads key/value heads (grouped-query attention); equal to {@code heads} for GPT-2
 * @param headDim width of one head
 * @param intermediateSize MLP width
 * @param maxPositions longest sequence the model accepts (GPT-2 {@code n_positions}, Llama
 *     {@code max_position_embeddings})
 * @param ropeTheta rotary base (Llama family)
 * @param normEps epsilon of LayerNorm / RMSNorm
 * @param tieWordEmbeddings whether lm_head shares the token embedding
 * @param attentionBias whether q, k and v projections have biases (Qwen2; GPT-2 always has them)
 */
public record DecoderConfig(Architecture architecture, String modelType, int vocabSize, int hiddenSize, int layers,
        int heads, int kvHeads, int headDim, int intermediateSize, int maxPositions, double ropeTheta,
        double normEps, boolean tieWordEmbeddings, boolean attentionBias) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Checks the shape is consistent. */
    public DecoderConfig {
        positive("vocab_size", vocabSize);
        positive("hidden_size", hiddenSize);
        positive("num_hidden_layers", layers);
        positive("num_attention_heads", heads);
        positive("num_key_value_heads", kvHeads);
        positive("head_dim", headDim);
        positive("intermediate_size", intermediateSize);
        positive("max_position_embeddings", maxPositions);
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("config.json: num_attention_heads (" + heads
                    + ") must be a multiple of num_key_value_heads (" + kvHeads + ")");
        }
        if (architecture == Architecture.GPT2 && heads * headDim != hiddenSize) {
            throw new IllegalArgumentException("config.json: n_embd (" + hiddenSize + ") must be divisible by n_head ("
                    + heads + ")");
        }
        if (architecture == Architecture.LLAMA && headDim % 2 != 0) {
            throw new IllegalArgumentException("config.json: head_dim must be even for rotary positions, was "
                    + headDim);
        }
    }

    private static void positive(String field, int value) {
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
     * @return the config
     */
    public static DecoderConfig gpt2(int vocabSize, int hiddenSize, int layers, int heads, int maxPositions) {
        return new DecoderConfig(Architecture.GPT2, "gpt2", vocabSize, hiddenSize, layers, heads, heads,
                hiddenSize / heads, 4 * hiddenSize, maxPositions, 10000.0, 1e-5, true, true);
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
     * @return the config
     */
    public static DecoderConfig llama(int vocabSize, int hiddenSize, int layers, int heads, int kvHeads,
            int maxPositions, boolean tied) {
        int inter = ((8 * hiddenSize / 3) + 7) / 8 * 8;
        return new DecoderConfig(Architecture.LLAMA, "llama", vocabSize, hiddenSize, layers, heads, kvHeads,
                hiddenSize / heads, inter, maxPositions, 10000.0, 1e-5, tied, false);
    }

    /**
     * Returns a copy with another vocabulary size (after adding meta-tokens).
     *
     * @param newVocab the size
     * @return the copy
     */
    public DecoderConfig withVocabSize(int newVocab) {
        return new DecoderConfig(architecture, modelType, newVocab, hiddenSize, layers, heads, kvHeads, headDim,
                intermediateSize, maxPositions, ropeTheta, normEps, tieWordEmbeddings, attentionBias);
    }

    /**
     * Reads a HuggingFace {@code config.json} tree.
     *
     * @param node the parsed JSON
     * @return the config
     * @throws IllegalArgumentException naming a missing or invalid field, or an unsupported {@code model_type}
     */
    public static DecoderConfig fromHuggingFace(JsonNode node) {
        // One parser for every engine: core's DecoderSpec reads and validates the fields.
        DecoderSpec spec = DecoderSpec.fromJson(node);
        return new DecoderConfig(spec.llama() ? Architecture.LLAMA : Architecture.GPT2, spec.modelType(),
                spec.vocabSize(), spec.hiddenSize(), spec.layers(), spec.heads(), spec.kvHeads(), spec.headDim(),
                spec.intermediateSize(), spec.maxPositions(), spec.ropeTheta(), spec.normEps(),
                spec.tieWordEmbeddings(), spec.attentionBias());
    }

    /**
     * Writes the HuggingFace {@code config.json} tree for this config.
     *
     * @return the JSON object
     */
    public ObjectNode toHuggingFace() {
        ObjectNode n = JSON.createObjectNode();
        n.put("model_type", modelType);
        n.put("vocab_size", vocabSize);
        if (architecture == Architecture.GPT2) {
            n.putArray("architectures").add("GPT2LMHeadModel");
            n.put("n_embd", hiddenSize);
            n.put("n_layer", layers);
            n.put("n_head", heads);
            n.put("n_inner", intermediateSize);
            n.put("n_positions", maxPositions);
            n.put("layer_norm_epsilon", normEps);
            n.put("activation_function", "gelu_new");
            n.put("tie_word_embeddings", true);
        } else {
            n.putArray("architectures").add("qwen2".equals(modelType) ? "Qwen2ForCausalLM"
                    : "mistral".equals(modelType) ? "MistralForCausalLM" : "LlamaForCausalLM");
            n.put("hidden_size", hiddenSize);
            n.put("num_hidden_layers", layers);
            n.put("num_attention_heads", heads);
            n.put("num_key_value_heads", kvHeads);
            n.put("head_dim", headDim);
            n.put("intermediate_size", intermediateSize);
            n.put("max_position_embeddings", maxPositions);
            n.put("rope_theta", ropeTheta);
            n.put("rms_norm_eps", normEps);
            n.put("tie_word_embeddings", tieWordEmbeddings);
            n.put("attention_bias", attentionBias);
            n.put("hidden_act", "silu");
        }
        n.put("torch_dtype", "float32");
        return n;
    }
}
