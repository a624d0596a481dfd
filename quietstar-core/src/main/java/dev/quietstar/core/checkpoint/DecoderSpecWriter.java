package dev.quietstar.core.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Writes a {@link DecoderSpec} as the HuggingFace {@code config.json} tree of its {@code model_type}, in transformers'
 * field names, so that {@link DecoderSpecReader} (and transformers) read back the same architecture.
 */
final class DecoderSpecWriter {

    private static final ObjectMapper JSON = new ObjectMapper();

    private DecoderSpecWriter() {}

    static ObjectNode toJson(DecoderSpec spec) {
        ObjectNode n = JSON.createObjectNode();
        n.put("model_type", spec.modelType());
        n.put("vocab_size", spec.vocabSize());
        if (!spec.llama()) {
            n.putArray("architectures").add("GPT2LMHeadModel");
            n.put("n_embd", spec.hiddenSize());
            n.put("n_layer", spec.layers());
            n.put("n_head", spec.heads());
            n.put("n_inner", spec.intermediateSize());
            n.put("n_positions", spec.maxPositions());
            n.put("layer_norm_epsilon", spec.normEps());
            n.put("activation_function", "gelu_new");
            n.put("tie_word_embeddings", true);
        } else if (spec.gemma() != null) {
            gemma(spec, n);
        } else {
            llama(spec, n);
        }
        n.put("torch_dtype", "float32");
        return n;
    }

    /** The Llama family other than Gemma: llama, mistral, qwen2, qwen3, phi3. */
    private static void llama(DecoderSpec spec, ObjectNode n) {
        n.putArray("architectures").add(switch (spec.modelType()) {
            case "qwen2" -> "Qwen2ForCausalLM";
            case "qwen3" -> "Qwen3ForCausalLM";
            case "phi3" -> "Phi3ForCausalLM";
            case "mistral" -> "MistralForCausalLM";
            default -> "LlamaForCausalLM";
        });
        sizes(spec, n);
        n.put("rope_theta", spec.ropeTheta());
        if (!RopeScaling.NONE.equals(spec.ropeScaling())) {
            n.set("rope_scaling", spec.ropeScaling().toJson());
        }
        normsAndBias(spec, n);
        n.put("hidden_act", "silu");
        if (spec.rotaryDim() != spec.headDim()) {
            double f = (double) spec.rotaryDim() / spec.headDim();
            while ((int) (spec.headDim() * f) < spec.rotaryDim()) {
                f = Math.nextUp(f); // read back as transformers does, int(head_dim * factor) gives rotaryDim
            }
            n.put("partial_rotary_factor", f);
        }
    }

    /** A {@code gemma3_text} config.json. */
    private static void gemma(DecoderSpec spec, ObjectNode n) {
        GemmaBlocks gemma = spec.gemma();
        n.putArray("architectures").add("Gemma3ForCausalLM");
        sizes(spec, n);
        n.put("query_pre_attn_scalar", gemma.queryPreAttnScalar());
        if (gemma.slidingWindow() > 0) {
            n.put("sliding_window", gemma.slidingWindow());
        } else {
            n.putNull("sliding_window");
        }
        var types = n.putArray("layer_types");
        for (boolean s : gemma.slidingLayers()) {
            types.add(s ? "sliding_attention" : "full_attention");
        }
        if (RopeScaling.NONE.equals(gemma.localRopeScaling())) {
            n.put("rope_theta", spec.ropeTheta());
            n.put("rope_local_base_freq", gemma.localRopeTheta());
            if (!RopeScaling.NONE.equals(spec.ropeScaling())) {
                n.set("rope_scaling", spec.ropeScaling().toJson());
            }
        } else {
            // only transformers 5's spelling can give the sliding layers a scaling of their own
            ObjectNode params = n.putObject("rope_parameters");
            params.set("full_attention", ropeParameters(spec.ropeScaling(), spec.ropeTheta()));
            params.set("sliding_attention", ropeParameters(gemma.localRopeScaling(), gemma.localRopeTheta()));
        }
        normsAndBias(spec, n);
        n.put("hidden_activation", "gelu_pytorch_tanh");
        n.putNull("final_logit_softcapping");
        n.putNull("attn_logit_softcapping");
    }

    /** The sizes every Llama-family config.json names the same way. */
    private static void sizes(DecoderSpec spec, ObjectNode n) {
        n.put("hidden_size", spec.hiddenSize());
        n.put("num_hidden_layers", spec.layers());
        n.put("num_attention_heads", spec.heads());
        n.put("num_key_value_heads", spec.kvHeads());
        n.put("head_dim", spec.headDim());
        n.put("intermediate_size", spec.intermediateSize());
        n.put("max_position_embeddings", spec.maxPositions());
    }

    private static void normsAndBias(DecoderSpec spec, ObjectNode n) {
        n.put("rms_norm_eps", spec.normEps());
        n.put("tie_word_embeddings", spec.tieWordEmbeddings());
        n.put("attention_bias", spec.attentionBias());
    }

    private static ObjectNode ropeParameters(RopeScaling scaling, double theta) {
        ObjectNode o = RopeScaling.NONE.equals(scaling) ? JSON.createObjectNode().put("rope_type", "default")
                : scaling.toJson();
        return o.put("rope_theta", theta);
    }
}
