package dev.quietstar.djl.model;

import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The HuggingFace tensor layout of a decoder architecture: every weight's canonical name and shape, in a stable
 * order. GPT-2 keeps {@code Conv1D} weights in x out under {@code transformer.}; the Llama family keeps
 * {@code Linear} weights out x in under {@code model.}, with q/k/v (and o) biases and per-head q/k norms only when the
 * config says so, Phi-3's fused {@code qkv_proj} and {@code gate_up_proj} in place of the separate projections,
 * Gemma's two feed-forward norms, and a separate {@code lm_head} only when it is not tied. Loading, saving and random
 * initialisation all walk this one list.
 */
final class DecoderLayout {

    private DecoderLayout() {}

    /** The tensors {@code c} needs, name to shape (see {@link CausalDecoder#expectedShapes()}). */
    static Map<String, Shape> expectedShapes(DecoderConfig c) {
        Map<String, Shape> m = new LinkedHashMap<>();
        int h = c.hiddenSize();
        if (c.architecture() == Architecture.GPT2) {
            m.put("transformer.wte.weight", new Shape(c.vocabSize(), h));
            m.put("transformer.wpe.weight", new Shape(c.maxPositions(), h));
            for (int i = 0; i < c.layers(); i++) {
                String p = "transformer.h." + i + ".";
                m.put(p + "ln_1.weight", new Shape(h));
                m.put(p + "ln_1.bias", new Shape(h));
                m.put(p + "attn.c_attn.weight", new Shape(h, 3L * h));
                m.put(p + "attn.c_attn.bias", new Shape(3L * h));
                m.put(p + "attn.c_proj.weight", new Shape(h, h));
                m.put(p + "attn.c_proj.bias", new Shape(h));
                m.put(p + "ln_2.weight", new Shape(h));
                m.put(p + "ln_2.bias", new Shape(h));
                m.put(p + "mlp.c_fc.weight", new Shape(h, c.intermediateSize()));
                m.put(p + "mlp.c_fc.bias", new Shape(c.intermediateSize()));
                m.put(p + "mlp.c_proj.weight", new Shape(c.intermediateSize(), h));
                m.put(p + "mlp.c_proj.bias", new Shape(h));
            }
            m.put("transformer.ln_f.weight", new Shape(h));
            m.put("transformer.ln_f.bias", new Shape(h));
        } else {
            long q = (long) c.heads() * c.headDim();
            long kv = (long) c.kvHeads() * c.headDim();
            m.put("model.embed_tokens.weight", new Shape(c.vocabSize(), h));
            for (int i = 0; i < c.layers(); i++) {
                String p = "model.layers." + i + ".";
                m.put(p + "input_layernorm.weight", new Shape(h));
                if (c.spec().fusedProjections()) {
                    m.put(p + "self_attn.qkv_proj.weight", new Shape(q + 2 * kv, h));
                } else {
                    m.put(p + "self_attn.q_proj.weight", new Shape(q, h));
                    m.put(p + "self_attn.k_proj.weight", new Shape(kv, h));
                    m.put(p + "self_attn.v_proj.weight", new Shape(kv, h));
                }
                if (c.attentionBias()) {
                    m.put(p + "self_attn.q_proj.bias", new Shape(q));
                    m.put(p + "self_attn.k_proj.bias", new Shape(kv));
                    m.put(p + "self_attn.v_proj.bias", new Shape(kv));
                }
                if (c.spec().qkNorm()) {
                    m.put(p + "self_attn.q_norm.weight", new Shape(c.headDim()));
                    m.put(p + "self_attn.k_norm.weight", new Shape(c.headDim()));
                }
                m.put(p + "self_attn.o_proj.weight", new Shape(h, q));
                if (c.spec().outputProjectionBias()) {
                    m.put(p + "self_attn.o_proj.bias", new Shape(h));
                }
                m.put(p + "post_attention_layernorm.weight", new Shape(h));
                if (c.spec().sandwichNorms()) {
                    m.put(p + "pre_feedforward_layernorm.weight", new Shape(h));
                    m.put(p + "post_feedforward_layernorm.weight", new Shape(h));
                }
                if (c.spec().fusedProjections()) {
                    m.put(p + "mlp.gate_up_proj.weight", new Shape(2L * c.intermediateSize(), h));
                } else {
                    m.put(p + "mlp.gate_proj.weight", new Shape(c.intermediateSize(), h));
                    m.put(p + "mlp.up_proj.weight", new Shape(c.intermediateSize(), h));
                }
                m.put(p + "mlp.down_proj.weight", new Shape(h, c.intermediateSize()));
            }
            m.put("model.norm.weight", new Shape(h));
            if (!c.tieWordEmbeddings()) {
                m.put("lm_head.weight", new Shape(c.vocabSize(), h));
            }
        }
        return m;
    }
}
