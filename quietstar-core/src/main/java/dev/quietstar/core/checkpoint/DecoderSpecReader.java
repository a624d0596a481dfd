package dev.quietstar.core.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads a HuggingFace {@code config.json} into a {@link DecoderSpec}: each family's fields, their defaults as
 * transformers' configuration classes define them, and the refusal by name of every value this library's decoders
 * do not compute. {@link DecoderSpec#fromJson} and {@link DecoderSpec#read} are its public entries.
 */
final class DecoderSpecReader {

    private static final Set<String> LLAMA_TYPES = Set.of("llama", "mistral", "qwen2", "qwen3", "phi3");

    private DecoderSpecReader() {}

    /** Refuses a field whose value changes the computation in a way this decoder does not implement. */
    private static void requireDefault(JsonNode node, String field, boolean neutral, String meaning) {
        if (node.hasNonNull(field) && node.get(field).asBoolean() != neutral) {
            throw new IllegalArgumentException("config.json: " + field + " " + node.get(field) + " is not "
                    + "implemented (" + meaning + "); this decoder computes " + field + " " + neutral);
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


    static DecoderSpec fromJson(JsonNode node) {
        String type = text(node, "model_type").toLowerCase(Locale.ROOT);
        if ("gpt2".equals(type)) {
            int h = integer(node, "n_embd");
            int heads = integer(node, "n_head");
            DecoderSpec.positive("n_head", heads);
            supported(node, "activation_function", "gelu_new", "gelu_pytorch_tanh");
            requireDefault(node, "tie_word_embeddings", true, "GPT-2's lm_head is the token embedding here");
            requireDefault(node, "scale_attn_weights", true, "attention scores divided by sqrt(head_dim)");
            requireDefault(node, "scale_attn_by_inverse_layer_idx", false, "scores also divided by layer + 1");
            int inter = node.hasNonNull("n_inner") ? node.get("n_inner").asInt() : 4 * h;
            double eps = node.hasNonNull("layer_norm_epsilon") ? node.get("layer_norm_epsilon").asDouble() : 1e-5;
            return new DecoderSpec(false, type, integer(node, "vocab_size"), h, integer(node, "n_layer"), heads,
                    heads, h / heads, inter, integer(node, "n_positions"), 10000.0, eps, true, true);
        }
        if (DecoderSpec.GEMMA3.equals(type)) {
            return gemma3(node);
        }
        if ("gemma2".equals(type) || "gemma".equals(type) || "gemma3".equals(type)) {
            throw new IllegalArgumentException("config.json: model_type " + type + " is not implemented: "
                    + ("gemma2".equals(type) ? "Gemma 2 soft-caps its final logits (final_logit_softcapping), which "
                            + "makes the language-model head non-linear, and Quiet-STaR's mixing of base and "
                            + "thought logits relies on its linearity"
                            : "gemma3".equals(type) ? "this is the multimodal Gemma 3; its text model alone "
                                    + "(model_type gemma3_text, Gemma3ForCausalLM) is supported"
                                    : "of the Gemma family only gemma3_text is supported"));
        }
        if (LLAMA_TYPES.contains(type)) {
            int h = integer(node, "hidden_size");
            int heads = integer(node, "num_attention_heads");
            DecoderSpec.positive("num_attention_heads", heads);
            supported(node, "hidden_act", "silu");
            int kv = node.hasNonNull("num_key_value_heads") ? node.get("num_key_value_heads").asInt() : heads;
            // Qwen3Config's head_dim defaults to 128 whatever the width; the others derive it from the width
            // (Phi3Config has no head_dim field, but its attention reads one that config.json sets).
            int headDim = node.hasNonNull("head_dim") ? node.get("head_dim").asInt()
                    : "qwen3".equals(type) ? QWEN3_DEFAULT_HEAD_DIM : h / heads;
            Rope rope = Rope.read(node);
            double eps = node.hasNonNull("rms_norm_eps") ? node.get("rms_norm_eps").asDouble()
                    : "phi3".equals(type) ? 1e-5 : 1e-6;
            boolean tied = node.hasNonNull("tie_word_embeddings") && node.get("tie_word_embeddings").asBoolean();
            // Each attention class decides its biases: Llama's follow attention_bias (q/k/v and o), Qwen2 has
            // q/k/v biases whatever the file says, Mistral none whatever it says.
            boolean bias = switch (type) {
                case "qwen2" -> true;
                case "mistral", "phi3" -> false;
                default -> node.hasNonNull("attention_bias") && node.get("attention_bias").asBoolean();
            };
            int rotaryDim = headDim;
            if (rope.partialRotaryFactor() != 1.0) {
                if (!"phi3".equals(type)) {
                    throw new IllegalArgumentException("config.json: partial_rotary_factor "
                            + rope.partialRotaryFactor() + " is not implemented for " + type + " (transformers' "
                            + type + " rotates the whole head)");
                }
                double f = rope.partialRotaryFactor();
                if (!(f > 0 && f <= 1)) {
                    throw new IllegalArgumentException("config.json: partial_rotary_factor must be in (0, 1], was "
                            + f);
                }
                rotaryDim = (int) (headDim * f); // transformers: int(head_dim * partial_rotary_factor)
            }
            if ("llama".equals(type)) {
                requireDefault(node, "mlp_bias", false, "biases on gate_proj, up_proj and down_proj");
            }
            checkLayerTypes(node);
            return new DecoderSpec(true, type, integer(node, "vocab_size"), h, integer(node, "num_hidden_layers"),
                    heads, kv, headDim, integer(node, "intermediate_size"), positionsWithinWindow(node, type),
                    rope.theta(), eps, tied, bias, rope.scaling(), "qwen3".equals(type), rotaryDim);
        }
        throw new IllegalArgumentException("config.json: model_type must be one of [gpt2, llama, mistral, qwen2, "
                + "qwen3, phi3, gemma3_text], was " + type);
    }

    /** transformers' {@code Gemma3TextConfig} defaults. */
    private static final int GEMMA3_DEFAULT_HEAD_DIM = 256;
    private static final int GEMMA3_DEFAULT_KV_HEADS = 4;
    private static final int GEMMA3_DEFAULT_POSITIONS = 131_072;
    private static final int GEMMA3_DEFAULT_WINDOW = 4096;
    private static final int GEMMA3_DEFAULT_PATTERN = 6;
    private static final double GEMMA3_DEFAULT_QUERY_PRE_ATTN_SCALAR = 256;
    private static final double GEMMA3_DEFAULT_GLOBAL_THETA = 1_000_000.0;
    private static final double GEMMA3_DEFAULT_LOCAL_THETA = 10_000.0;

    /**
     * Reads a {@code gemma3_text} config as transformers' {@code Gemma3TextConfig} does, with its defaults (head_dim
     * 256, 4 key/value heads, tied embeddings, query_pre_attn_scalar 256, sliding_window 4096, rope_theta 1e6 and
     * rope_local_base_freq 1e4, every sixth layer full attention when {@code layer_types} is absent), in either
     * spelling of the rotary settings (top-level {@code rope_theta}, {@code rope_local_base_freq} and
     * {@code rope_scaling}, the last for the full-attention layers; or transformers 5's {@code rope_parameters} keyed
     * by layer type). Soft-capping, bidirectional attention and activations other than GELU-tanh are refused by name.
     */
    private static DecoderSpec gemma3(JsonNode node) {
        int h = integer(node, "hidden_size");
        int heads = integer(node, "num_attention_heads");
        DecoderSpec.positive("num_attention_heads", heads);
        supported(node, "hidden_activation", "gelu_pytorch_tanh", "gelu_new");
        requireNull(node, "final_logit_softcapping", "tanh soft-capping of the final logits: it makes the "
                + "language-model head non-linear, and Quiet-STaR's mixing of base and thought logits relies on its "
                + "linearity");
        requireNull(node, "attn_logit_softcapping", "tanh soft-capping of the attention scores");
        requireDefault(node, "use_bidirectional_attention", false, "attention to later positions");
        int kv = node.hasNonNull("num_key_value_heads") ? integer(node, "num_key_value_heads")
                : GEMMA3_DEFAULT_KV_HEADS;
        int headDim = node.hasNonNull("head_dim") ? integer(node, "head_dim") : GEMMA3_DEFAULT_HEAD_DIM;
        int layers = integer(node, "num_hidden_layers");
        DecoderSpec.positive("num_hidden_layers", layers);
        double eps = node.hasNonNull("rms_norm_eps") ? node.get("rms_norm_eps").asDouble() : 1e-6;
        boolean tied = !node.hasNonNull("tie_word_embeddings") || node.get("tie_word_embeddings").asBoolean();
        boolean bias = node.hasNonNull("attention_bias") && node.get("attention_bias").asBoolean();
        double scalar = number(node, "query_pre_attn_scalar", GEMMA3_DEFAULT_QUERY_PRE_ATTN_SCALAR);
        if (node.hasNonNull("partial_rotary_factor") && node.get("partial_rotary_factor").asDouble() != 1.0) {
            throw new IllegalArgumentException("config.json: partial_rotary_factor " + node.get(
                    "partial_rotary_factor") + " is not implemented for gemma3_text (transformers' Gemma 3 rotates "
                    + "the whole head)");
        }
        List<Boolean> sliding = gemmaLayerTypes(node, layers);
        int window;
        if (!node.has("sliding_window")) {
            window = GEMMA3_DEFAULT_WINDOW;
        } else if (node.get("sliding_window").isNull()) {
            window = 0;
        } else {
            window = integer(node, "sliding_window");
            DecoderSpec.positive("sliding_window", window);
        }
        int positions = node.hasNonNull("max_position_embeddings") ? integer(node, "max_position_embeddings")
                : GEMMA3_DEFAULT_POSITIONS;
        DecoderSpec.positive("max_position_embeddings", positions);
        if (sliding.contains(Boolean.TRUE) && window > 0) {
            // windowed attention equals full attention over at most sliding_window positions: see
            // positionsWithinWindow; the full layers see everything anyway
            positions = Math.min(positions, window);
        }
        Rope[] rope = gemmaRope(node);
        GemmaBlocks gemma = new GemmaBlocks(scalar, rope[1].theta(), rope[1].scaling(), sliding, window);
        return new DecoderSpec(true, DecoderSpec.GEMMA3, integer(node, "vocab_size"), h, layers, heads, kv, headDim,
                integer(node, "intermediate_size"), positions, rope[0].theta(), eps, tied, bias, rope[0].scaling(),
                true, headDim, gemma);
    }

    /**
     * Gemma 3's layer kinds: {@code layer_types} when present (full or sliding attention, one per layer), else
     * transformers' rule from {@code sliding_window_pattern} (default 6): layer i slides unless (i + 1) is a multiple
     * of the pattern.
     */
    private static List<Boolean> gemmaLayerTypes(JsonNode node, int layers) {
        JsonNode types = node.get("layer_types");
        List<Boolean> sliding = new ArrayList<>();
        if (types != null && !types.isNull()) {
            checkLayerTypes(node);
            if (types.size() != layers) {
                throw new IllegalArgumentException("config.json: layer_types names " + types.size() + " layers, "
                        + "num_hidden_layers is " + layers);
            }
            for (JsonNode t : types) {
                sliding.add("sliding_attention".equals(t.asText()));
            }
            return sliding;
        }
        int pattern = node.hasNonNull("sliding_window_pattern") ? integer(node, "sliding_window_pattern")
                : GEMMA3_DEFAULT_PATTERN;
        DecoderSpec.positive("sliding_window_pattern", pattern);
        JsonNode legacy = node.get("_sliding_window_pattern");
        if (legacy != null && !legacy.isNull() && legacy.asInt() != pattern) {
            // transformers derives the layers from sliding_window_pattern and ignores this copy; a file where the
            // two disagree does not say which model it is
            throw new IllegalArgumentException("config.json: _sliding_window_pattern " + legacy + " disagrees with "
                    + "sliding_window_pattern " + pattern + " and there is no layer_types to settle it");
        }
        for (int i = 0; i < layers; i++) {
            sliding.add((i + 1) % pattern != 0);
        }
        return sliding;
    }

    /**
     * Gemma 3's two rotary settings, {full-attention layers, sliding layers}: top-level {@code rope_theta} (1e6),
     * {@code rope_scaling} (for the full layers only) and {@code rope_local_base_freq} (1e4), or transformers 5's
     * {@code rope_parameters} with one object per layer type, each holding its {@code rope_theta} and scaling.
     */
    private static Rope[] gemmaRope(JsonNode node) {
        double global = number(node, "rope_theta", GEMMA3_DEFAULT_GLOBAL_THETA);
        double local = number(node, "rope_local_base_freq", GEMMA3_DEFAULT_LOCAL_THETA);
        JsonNode params = node.get("rope_parameters");
        JsonNode scaling = node.get("rope_scaling");
        if (params == null || params.isNull()) {
            return new Rope[] {new Rope(global, RopeScaling.fromJson(scaling), 1.0),
                new Rope(local, RopeScaling.NONE, 1.0)};
        }
        if (scaling != null && !scaling.isNull()) {
            throw new IllegalArgumentException("config.json holds both rope_scaling and rope_parameters; "
                    + "only one of them may describe the rotary embedding");
        }
        if (!params.isObject()) {
            throw new IllegalArgumentException("config.json: rope_parameters must be an object, was " + params);
        }
        for (java.util.Iterator<String> it = params.fieldNames(); it.hasNext();) {
            String key = it.next();
            if (!"full_attention".equals(key) && !"sliding_attention".equals(key)) {
                throw new IllegalArgumentException("config.json: rope_parameters of gemma3_text holds one object per "
                        + "layer type (full_attention, sliding_attention); '" + key + "' is not one");
            }
        }
        return new Rope[] {Rope.ofLayerType(params.get("full_attention"), global),
            Rope.ofLayerType(params.get("sliding_attention"), local)};
    }

    /** Refuses a field that must be absent or null: this decoder does not implement what a value would mean. */
    private static void requireNull(JsonNode node, String field, String meaning) {
        if (node.hasNonNull(field)) {
            throw new IllegalArgumentException("config.json: " + field + " " + node.get(field) + " is not "
                    + "implemented (" + meaning + "); this decoder computes " + field + " null");
        }
    }

    /** A number field, or its default when absent or null. */
    private static double number(JsonNode node, String field, double absent) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return absent;
        }
        if (!v.isNumber()) {
            throw new IllegalArgumentException("config.json: " + field + " must be a number, was " + v);
        }
        return v.asDouble();
    }

    /** HuggingFace's {@code Qwen3Config} default {@code head_dim}. */
    private static final int QWEN3_DEFAULT_HEAD_DIM = 128;

    /**
     * Refuses a {@code layer_types} entry other than full or sliding attention (chunked or other attention kinds
     * would be another computation). Sliding layers are handled by {@link #positionsWithinWindow}: within the window
     * they compute what full attention does.
     */
    private static void checkLayerTypes(JsonNode node) {
        JsonNode types = node.get("layer_types");
        if (types == null || types.isNull()) {
            return;
        }
        if (!types.isArray()) {
            throw new IllegalArgumentException("config.json: layer_types must be a list, was " + types);
        }
        for (JsonNode t : types) {
            if (!"full_attention".equals(t.asText()) && !"sliding_attention".equals(t.asText())) {
                throw new IllegalArgumentException("config.json: layer_types entry " + t + " is not implemented; "
                        + "this decoder computes full_attention (and sliding_attention within its window)");
            }
        }
    }

    /**
     * The positions a Llama-family model is used at, honouring a sliding attention window exactly: a query at
     * position q sees the keys at positions above {@code q - sliding_window}, so over sequences of at most
     * {@code sliding_window} positions windowed attention is full causal attention. The library therefore limits
     * the model to {@code min(max_position_embeddings, sliding_window)} positions instead of computing full
     * attention beyond the window, which would be another model. The window is Mistral's {@code sliding_window}
     * (HuggingFace's default 4096 when the field is absent, none when it is null) and Qwen2's and Qwen3's when
     * {@code use_sliding_window} is true (their sliding layers are those from {@code max_window_layers} on, or the
     * ones {@code layer_types} names; limiting every layer to the window is exact for all of them), and Phi-3's
     * whenever it is set (its default is none; Phi-3-mini's 2047 limits it to 2047 positions, where a query at
     * position 2046 still sees key 0, since transformers' sliding mask keeps keys above {@code q - sliding_window}).
     */
    private static int positionsWithinWindow(JsonNode node, String type) {
        int positions = integer(node, "max_position_embeddings");
        boolean windowed = "mistral".equals(type) || "phi3".equals(type)
                || ("qwen2".equals(type) || "qwen3".equals(type)) && node.hasNonNull("use_sliding_window")
                        && node.get("use_sliding_window").asBoolean();
        if (!windowed) {
            return positions;
        }
        if (!node.has("sliding_window") && "mistral".equals(type)) {
            return Math.min(positions, MISTRAL_DEFAULT_WINDOW);
        }
        if (!node.hasNonNull("sliding_window")) {
            return positions;
        }
        int window = integer(node, "sliding_window");
        DecoderSpec.positive("sliding_window", window);
        return Math.min(positions, window);
    }

    /**
     * The rotary base and scaling of a {@code config.json}, in either of transformers' spellings: {@code rope_theta}
     * and {@code rope_scaling} at the top level (files written before transformers 5), or one
     * {@code rope_parameters} object holding {@code rope_theta} with the scaling fields (files written since). A file
     * with both objects is refused rather than guessed at.
     */
    private record Rope(double theta, RopeScaling scaling, double partialRotaryFactor) {

        static Rope read(JsonNode node) {
            JsonNode params = node.get("rope_parameters");
            JsonNode scaling = node.get("rope_scaling");
            double theta = node.hasNonNull("rope_theta") ? node.get("rope_theta").asDouble() : 10000.0;
            double partial = factor(node.get("partial_rotary_factor"), 1.0);
            if (params == null || params.isNull()) {
                return new Rope(theta, RopeScaling.fromJson(scaling), partial);
            }
            if (scaling != null && !scaling.isNull()) {
                throw new IllegalArgumentException("config.json holds both rope_scaling and rope_parameters; "
                        + "only one of them may describe the rotary embedding");
            }
            if (!params.isObject()) {
                throw new IllegalArgumentException("config.json: rope_parameters must be an object, was " + params);
            }
            ObjectNode rest = params.deepCopy();
            JsonNode t = rest.remove("rope_theta");
            if (t != null && !t.isNull()) {
                if (!t.isNumber()) {
                    throw new IllegalArgumentException("config.json: rope_parameters.rope_theta must be a number, "
                            + "was " + t);
                }
                theta = t.asDouble();
            }
            partial = factor(rest.remove("partial_rotary_factor"), partial);
            return new Rope(theta, RopeScaling.fromJson(rest.has("rope_type") || rest.has("type") ? rest
                    : rest.put("rope_type", "default")), partial);
        }

        /**
         * One layer type's object of Gemma 3's {@code rope_parameters} (absent or null: the default rotary
         * embedding), its {@code rope_theta} defaulting to {@code theta}.
         */
        static Rope ofLayerType(JsonNode params, double theta) {
            if (params == null || params.isNull()) {
                return new Rope(theta, RopeScaling.NONE, 1.0);
            }
            if (!params.isObject()) {
                throw new IllegalArgumentException("config.json: rope_parameters entries must be objects, was "
                        + params);
            }
            ObjectNode rest = params.deepCopy();
            JsonNode t = rest.remove("rope_theta");
            if (t != null && !t.isNull()) {
                if (!t.isNumber()) {
                    throw new IllegalArgumentException("config.json: rope_parameters.rope_theta must be a number, "
                            + "was " + t);
                }
                theta = t.asDouble();
            }
            return new Rope(theta, RopeScaling.fromJson(rest.has("rope_type") || rest.has("type") ? rest
                    : rest.put("rope_type", "default")), 1.0);
        }

        private static double factor(JsonNode v, double absent) {
            if (v == null || v.isNull()) {
                return absent;
            }
            if (!v.isNumber()) {
                throw new IllegalArgumentException("config.json: partial_rotary_factor must be a number, was " + v);
            }
            return v.asDouble();
        }
    }

    /** HuggingFace's {@code MistralConfig} default {@code sliding_window}. */
    private static final int MISTRAL_DEFAULT_WINDOW = 4096;

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
