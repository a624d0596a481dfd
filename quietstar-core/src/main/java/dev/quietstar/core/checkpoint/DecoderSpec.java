package dev.quietstar.core.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quietstar.core.io.BoundedFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * The architecture of a checkpoint's decoder as its HuggingFace {@code config.json} states it, read, validated and
 * written without any engine: GPT-2 (learned positions, LayerNorm, {@code Conv1D} weights in x out, GELU-tanh, tied
 * embeddings) or the Llama family (rotate-half RoPE, RMSNorm, SwiGLU, grouped-query attention, {@code Linear} weights
 * out x in). It is the library's one reading of {@code config.json}: every backend builds its decoder from it.
 *
 * @param llama true for the Llama family (llama, mistral, qwen2), false for GPT-2
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
 */
public record DecoderSpec(boolean llama, String modelType, int vocabSize, int hiddenSize, int layers, int heads,
        int kvHeads, int headDim, int intermediateSize, int maxPositions, double ropeTheta, double normEps,
        boolean tieWordEmbeddings, boolean attentionBias) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> LLAMA_TYPES = Set.of("llama", "mistral", "qwen2");

    /** Checks that the sizes are positive and consistent. */
    public DecoderSpec {
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

    /** Refuses a value of a field this decoder does not implement, instead of silently computing another model. */
    private static void supported(JsonNode node, String field, String... implemented) {
        if (!node.hasNonNull(field)) {
            return;
        }
        String value = node.get(field).asText();
        if (!java.util.Arrays.asList(implemented).contains(value)) {
            throw new IllegalArgumentException("config.json: " + field + " '" + value + "' is not implemented; this "
                    + "decoder computes " + String.join(" or ", implemented));
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
                intermediateSize, maxPositions, ropeTheta, normEps, tieWordEmbeddings, attentionBias);
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
        String type = text(node, "model_type").toLowerCase(Locale.ROOT);
        if ("gpt2".equals(type)) {
            int h = integer(node, "n_embd");
            int heads = integer(node, "n_head");
            positive("n_head", heads);
            supported(node, "activation_function", "gelu_new", "gelu_pytorch_tanh");
            int inter = node.hasNonNull("n_inner") ? node.get("n_inner").asInt() : 4 * h;
            double eps = node.hasNonNull("layer_norm_epsilon") ? node.get("layer_norm_epsilon").asDouble() : 1e-5;
            return new DecoderSpec(false, type, integer(node, "vocab_size"), h, integer(node, "n_layer"), heads,
                    heads, h / heads, inter, integer(node, "n_positions"), 10000.0, eps, true, true);
        }
        if (LLAMA_TYPES.contains(type)) {
            int h = integer(node, "hidden_size");
            int heads = integer(node, "num_attention_heads");
            positive("num_attention_heads", heads);
            supported(node, "hidden_act", "silu");
            int kv = node.hasNonNull("num_key_value_heads") ? node.get("num_key_value_heads").asInt() : heads;
            int headDim = node.hasNonNull("head_dim") ? node.get("head_dim").asInt() : h / heads;
            double theta = node.hasNonNull("rope_theta") ? node.get("rope_theta").asDouble() : 10000.0;
            double eps = node.hasNonNull("rms_norm_eps") ? node.get("rms_norm_eps").asDouble() : 1e-6;
            boolean tied = node.hasNonNull("tie_word_embeddings") && node.get("tie_word_embeddings").asBoolean();
            boolean bias = "qwen2".equals(type)
                    || node.hasNonNull("attention_bias") && node.get("attention_bias").asBoolean();
            if (node.hasNonNull("rope_scaling")) {
                throw new IllegalArgumentException("config.json: rope_scaling is not supported, was "
                        + node.get("rope_scaling"));
            }
            return new DecoderSpec(true, type, integer(node, "vocab_size"), h, integer(node, "num_hidden_layers"),
                    heads, kv, headDim, integer(node, "intermediate_size"), integer(node, "max_position_embeddings"),
                    theta, eps, tied, bias);
        }
        throw new IllegalArgumentException("config.json: model_type must be one of [gpt2, llama, mistral, qwen2], was "
                + type);
    }

    /**
     * Writes the HuggingFace {@code config.json} tree for this architecture (read back by {@link #fromJson}).
     *
     * @return the JSON object
     */
    public ObjectNode toJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("model_type", modelType);
        n.put("vocab_size", vocabSize);
        if (!llama) {
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

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull() || !v.isTextual()) {
            throw new IllegalArgumentException("config.json: required field '" + field + "' is missing");
        }
        return v.asText();
    }

    private static int integer(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException("config.json: required field '" + field + "' is missing");
        }
        if (!v.canConvertToInt()) {
            throw new IllegalArgumentException("config.json: field '" + field + "' must be an integer, was " + v);
        }
        return v.asInt();
    }
}
