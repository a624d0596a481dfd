package dev.quietstar.onnx.export;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import dev.quietstar.core.checkpoint.CheckpointInfo;
import dev.quietstar.core.checkpoint.DecoderSpec;
import java.util.Map;

/**
 * Builds the decoder graph of one checkpoint (the layout of {@link OnnxLayout}); one instance per export.
 */
final class DecoderGraph {

    private final DecoderSpec spec;
    private final CheckpointInfo info;
    private final OnnxExporter.Weights weights;
    private final GraphBuilder g = new GraphBuilder("quietstar_decoder");

    DecoderGraph(DecoderSpec spec, CheckpointInfo info, OnnxExporter.Weights weights) {
        this.spec = spec;
        this.info = info;
        this.weights = weights;
    }

    GraphBuilder build() {
        int h = spec.hiddenSize();
        int v = spec.vocabSize();
        g.input(OnnxLayout.INPUT_IDS, DataType.INT64, "batch", "sequence");
        g.input(OnnxLayout.POSITION_IDS, DataType.INT64, "batch", "sequence");
        g.input(OnnxLayout.ATTENTION_MASK, DataType.FLOAT, "batch", 1L, "sequence", "total_sequence");
        for (int i = 0; i < spec.layers(); i++) {
            g.input(OnnxLayout.pastKey(i), DataType.FLOAT, "batch", (long) spec.kvHeads(), "past_sequence",
                    (long) spec.headDim());
            g.input(OnnxLayout.pastValue(i), DataType.FLOAT, "batch", (long) spec.kvHeads(), "past_sequence",
                    (long) spec.headDim());
        }
        String embName = spec.llama() ? "model.embed_tokens.weight" : "transformer.wte.weight";
        String wte = g.initializer(embName, new long[] {v, h}, weights.take(embName, v, h));
        String x = embed(wte, h);
        String[] full = null;
        String[] sliding = null;
        if (spec.llama()) {
            full = rotaryTables("rope.inv_freq", spec.rotaryInverseFrequencies());
        } else {
            long maxPos = spec.maxPositions();
            String wpe = g.initializer("transformer.wpe.weight", new long[] {maxPos, h},
                    weights.take("transformer.wpe.weight", maxPos, h));
            x = g.op("Add", x, g.opAttrs("Gather", Map.of("axis", 0L), wpe, OnnxLayout.POSITION_IDS));
        }
        for (int i = 0; i < spec.layers(); i++) {
            String[] cs = full;
            if (spec.slidingLayer(i)) {
                // Gemma's sliding layers rotate with their own base (rope_local_base_freq)
                if (sliding == null) {
                    sliding = rotaryTables("rope.local_inv_freq", spec.rotaryInverseFrequencies(i));
                }
                cs = sliding;
            }
            x = spec.llama() ? llamaBlock(i, x, cs[0], cs[1]) : gpt2Block(i, x);
        }
        String hidden = spec.llama() ? rmsNorm(x, "model.norm.weight") : layerNorm(x, "transformer.ln_f.");
        g.named(OnnxLayout.HIDDEN_STATES, "Identity", Map.of(), hidden);
        String lmHead;
        if (spec.llama() && !spec.tieWordEmbeddings()) {
            lmHead = g.initializer("lm_head.weight.T", new long[] {h, v},
                    weights.takeTransposed("lm_head.weight", v, h));
        } else {
            lmHead = g.opAttrs("Transpose", Map.of("perm", new long[] {1, 0}), wte);
        }
        g.named(OnnxLayout.LOGITS, "MatMul", Map.of(), hidden, lmHead);
        g.output(OnnxLayout.HIDDEN_STATES, DataType.FLOAT, "batch", "sequence", (long) h);
        g.output(OnnxLayout.LOGITS, DataType.FLOAT, "batch", "sequence", (long) v);
        for (int i = 0; i < spec.layers(); i++) {
            g.output(OnnxLayout.presentKey(i), DataType.FLOAT, "batch", (long) spec.kvHeads(), "total_sequence",
                    (long) spec.headDim());
            g.output(OnnxLayout.presentValue(i), DataType.FLOAT, "batch", (long) spec.kvHeads(), "total_sequence",
                    (long) spec.headDim());
        }
        return g;
    }

    /**
     * Token embeddings (times Gemma's sqrt(H) where the spec scales them) with the learned meta-token vectors, fed as
     * they are, in place of the meta-tokens' rows.
     */
    private String embed(String wte, int h) {
        String e = g.opAttrs("Gather", Map.of("axis", 0L), wte, OnnxLayout.INPUT_IDS);
        if (spec.embeddingScale() != 1f) {
            e = g.op("Mul", e, g.constFloatScalar(spec.embeddingScale()));
        }
        String start = g.initializer("quietstar.start_embedding", new long[] {h},
                weights.take("quietstar.start_embedding", h));
        String end = g.initializer("quietstar.end_embedding", new long[] {h},
                weights.take("quietstar.end_embedding", h));
        String last = g.constLongs(-1);
        String isStart = g.op("Unsqueeze", g.op("Equal", OnnxLayout.INPUT_IDS,
                g.constLongScalar(info.startTokenId())), last);
        String isEnd = g.op("Unsqueeze", g.op("Equal", OnnxLayout.INPUT_IDS, g.constLongScalar(info.endTokenId())),
                last);
        e = g.op("Where", isStart, start, e);
        return g.op("Where", isEnd, end, e);
    }

    /** cos and sin of the rotary angles at the given positions, each (batch, 1, sequence, rotary_dim). */
    private String[] rotaryTables(String name, float[] inv) {
        String invFreq = g.initializer(name, new long[] {inv.length}, inv);
        String pos = g.opAttrs("Cast", Map.of("to", (long) DataType.FLOAT.getNumber()), OnnxLayout.POSITION_IDS);
        String freqs = g.op("Mul", g.op("Unsqueeze", pos, g.constLongs(-1)), invFreq);
        String emb = g.op("Unsqueeze", g.opAttrs("Concat", Map.of("axis", -1L), freqs, freqs), g.constLongs(1));
        return new String[] {g.op("Cos", emb), g.op("Sin", emb)};
    }

    private String gpt2Block(int i, String x) {
        String p = "transformer.h." + i + ".";
        int h = spec.hiddenSize();
        int inter = spec.intermediateSize();
        String a = layerNorm(x, p + "ln_1.");
        String qkv = g.op("Add", g.op("MatMul", a, weight(p + "attn.c_attn.weight", h, 3L * h)),
                weight(p + "attn.c_attn.bias", 3L * h));
        String[] parts = g.multi("Split", 3, Map.of("axis", 2L), qkv, g.constLongs(h, h, h));
        String q = heads(parts[0], spec.heads(), null);
        String k = heads(parts[1], spec.heads(), null);
        String v = heads(parts[2], spec.heads(), null);
        String ctx = attention(i, q, k, v);
        String attn = g.op("Add", g.op("MatMul", ctx, weight(p + "attn.c_proj.weight", h, h)),
                weight(p + "attn.c_proj.bias", h));
        String x1 = g.op("Add", x, attn);
        String f = g.op("Add", g.op("MatMul", layerNorm(x1, p + "ln_2."), weight(p + "mlp.c_fc.weight", h, inter)),
                weight(p + "mlp.c_fc.bias", inter));
        f = g.op("Add", g.op("MatMul", geluTanh(f), weight(p + "mlp.c_proj.weight", inter, h)),
                weight(p + "mlp.c_proj.bias", h));
        return g.op("Add", x1, f);
    }

    private String llamaBlock(int i, String x, String cos, String sin) {
        String p = "model.layers." + i + ".";
        int h = spec.hiddenSize();
        int q = spec.heads() * spec.headDim();
        int kv = spec.kvHeads() * spec.headDim();
        int inter = spec.intermediateSize();
        String a = rmsNorm(x, p + "input_layernorm.weight");
        String qNorm = spec.qkNorm() ? p + "self_attn.q_norm.weight" : null;
        String kNorm = spec.qkNorm() ? p + "self_attn.k_norm.weight" : null;
        String qp;
        String kp;
        String vp;
        if (spec.fusedProjections()) {
            // Phi-3: one qkv_proj whose output holds the queries, then the keys, then the values
            String qkv = linear(a, p + "self_attn.qkv_proj", q + 2 * kv, h, false);
            String[] parts = g.multi("Split", 3, Map.of("axis", 2L), qkv, g.constLongs(q, kv, kv));
            qp = parts[0];
            kp = parts[1];
            vp = parts[2];
        } else {
            qp = linear(a, p + "self_attn.q_proj", q, h, spec.attentionBias());
            kp = linear(a, p + "self_attn.k_proj", kv, h, spec.attentionBias());
            vp = linear(a, p + "self_attn.v_proj", kv, h, spec.attentionBias());
        }
        String qs = heads(qp, spec.heads(), qNorm);
        String ks = heads(kp, spec.kvHeads(), kNorm);
        String vs = heads(vp, spec.kvHeads(), null);
        qs = rope(qs, cos, sin);
        ks = rope(ks, cos, sin);
        String ctx = attention(i, qs, ks, vs);
        String attn = linear(ctx, p + "self_attn.o_proj", h, q, spec.outputProjectionBias());
        boolean sandwich = spec.sandwichNorms();
        if (sandwich) {
            // Gemma: the attention output is normed before it joins the residual, and the MLP has its own norm
            attn = rmsNorm(attn, p + "post_attention_layernorm.weight");
        }
        String x1 = g.op("Add", x, attn);
        String n = rmsNorm(x1, p + (sandwich ? "pre_feedforward_layernorm.weight"
                : "post_attention_layernorm.weight"));
        String gate;
        String up;
        if (spec.fusedProjections()) {
            // Phi-3: one gate_up_proj whose output holds the gate, then the up projection
            String gateUp = linear(n, p + "mlp.gate_up_proj", 2 * inter, h, false);
            String[] parts = g.multi("Split", 2, Map.of("axis", 2L), gateUp, g.constLongs(inter, inter));
            gate = parts[0];
            up = parts[1];
        } else {
            gate = linear(n, p + "mlp.gate_proj", inter, h, false);
            up = linear(n, p + "mlp.up_proj", inter, h, false);
        }
        String act = g.op("Mul", spec.geluTanhMlp() ? geluTanh(gate) : g.op("Mul", gate, g.op("Sigmoid", gate)), up);
        String f = linear(act, p + "mlp.down_proj", h, inter, false);
        if (sandwich) {
            f = rmsNorm(f, p + "post_feedforward_layernorm.weight");
        }
        return g.op("Add", x1, f);
    }

    /**
     * (batch, sequence, n * head_dim) to (batch, n, sequence, head_dim), with an RMSNorm over each head's values
     * first when {@code norm} names its weight (Qwen3's q_norm / k_norm).
     */
    private String heads(String x, int n, String norm) {
        String r = g.op("Reshape", x, g.constLongs(0, 0, n, spec.headDim()));
        if (norm != null) {
            r = rmsNorm(r, norm, spec.headDim());
        }
        return g.opAttrs("Transpose", Map.of("perm", new long[] {0, 2, 1, 3}), r);
    }

    /**
     * Scaled dot-product attention over past and new keys with grouped-query broadcasting; names the present
     * keys/values as outputs. Returns the context, (batch, sequence, heads * head_dim).
     */
    private String attention(int layer, String q, String k, String v) {
        int nh = spec.heads();
        int nkv = spec.kvHeads();
        int hd = spec.headDim();
        String keys = g.named(OnnxLayout.presentKey(layer), "Concat", Map.of("axis", 2L),
                OnnxLayout.pastKey(layer), k);
        String values = g.named(OnnxLayout.presentValue(layer), "Concat", Map.of("axis", 2L),
                OnnxLayout.pastValue(layer), v);
        // q (b, nh, s, hd) -> (b, nkv, groups, s, hd): query head j uses key/value head j / groups.
        String qg = g.op("Reshape", q, g.constLongs(0, nkv, nh / nkv, -1, hd));
        String one = g.constLongs(2);
        String kt = g.opAttrs("Transpose", Map.of("perm", new long[] {0, 1, 3, 2}), keys);
        String scores = g.op("MatMul", qg, g.op("Unsqueeze", kt, one));
        scores = g.op("Div", scores, g.constFloatScalar((float) spec.attentionScoreDivisor()));
        scores = g.op("Add", scores, g.op("Unsqueeze", OnnxLayout.ATTENTION_MASK, g.constLongs(1)));
        String probs = g.opAttrs("Softmax", Map.of("axis", -1L), scores);
        String ctx = g.op("MatMul", probs, g.op("Unsqueeze", values, one));
        ctx = g.op("Reshape", ctx, g.constLongs(0, nh, -1, hd));
        ctx = g.opAttrs("Transpose", Map.of("perm", new long[] {0, 2, 1, 3}), ctx);
        return g.op("Reshape", ctx, g.constLongs(0, 0, (long) nh * hd));
    }

    private String rope(String x, String cos, String sin) {
        long rotary = spec.rotaryDim();
        long rest = spec.headDim() - rotary;
        if (rest > 0) {
            // Phi-3's partial rotary embedding: the first rotary_dim values of each head turn, the rest pass through
            String[] parts = g.multi("Split", 2, Map.of("axis", 3L), x, g.constLongs(rotary, rest));
            return g.opAttrs("Concat", Map.of("axis", 3L), rotate(parts[0], rotary, cos, sin), parts[1]);
        }
        return rotate(x, rotary, cos, sin);
    }

    /** Rotate-half RoPE of a (batch, heads, sequence, width) tensor whose width is the tables'. */
    private String rotate(String x, long width, String cos, String sin) {
        long half = width / 2;
        String[] parts = g.multi("Split", 2, Map.of("axis", 3L), x, g.constLongs(half, half));
        String rotated = g.opAttrs("Concat", Map.of("axis", 3L), g.op("Neg", parts[1]), parts[0]);
        return g.op("Add", g.op("Mul", x, cos), g.op("Mul", rotated, sin));
    }

    private String layerNorm(String x, String p) {
        long h = spec.hiddenSize();
        return g.opAttrs("LayerNormalization", Map.of("axis", -1L, "epsilon", spec.normEps()), x,
                weight(p + "weight", h), weight(p + "bias", h));
    }

    private String rmsNorm(String x, String name) {
        return rmsNorm(x, name, spec.hiddenSize());
    }

    /**
     * RMSNorm over the last axis, of width {@code size}; for Gemma, whose norm weights are offsets from 1, the
     * initializer holds {@code 1 + w} computed in float32 as transformers does before multiplying.
     */
    private String rmsNorm(String x, String name, long size) {
        String ms = g.opAttrs("ReduceMean", Map.of("axes", new long[] {-1}, "keepdims", 1L), g.op("Mul", x, x));
        String denom = g.op("Sqrt", g.op("Add", ms, g.constFloatScalar((float) spec.normEps())));
        float offset = spec.normWeightOffset();
        String w;
        if (offset == 0) {
            w = weight(name, size);
        } else {
            float[] values = weights.take(name, size);
            float[] shifted = new float[values.length];
            for (int i = 0; i < values.length; i++) {
                shifted[i] = offset + values[i];
            }
            w = g.initializer(name + ".plus_one", new long[] {size}, shifted);
        }
        return g.op("Mul", g.op("Div", x, denom), w);
    }

    private String geluTanh(String x) {
        // GPT-2's "gelu_new": 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        String cube = g.op("Mul", g.op("Mul", x, x), x);
        String inner = g.op("Mul", g.op("Add", x, g.op("Mul", cube, g.constFloatScalar(0.044715f))),
                g.constFloatScalar((float) Math.sqrt(2.0 / Math.PI)));
        String t = g.op("Add", g.op("Tanh", inner), g.constFloatScalar(1f));
        return g.op("Mul", g.op("Mul", x, t), g.constFloatScalar(0.5f));
    }

    /** A torch Linear (out x in) applied as MatMul with its transpose, plus the bias when present. */
    private String linear(String x, String name, int out, int in, boolean bias) {
        String w = g.initializer(name + ".weight.T", new long[] {in, out},
                weights.takeTransposed(name + ".weight", out, in));
        String y = g.op("MatMul", x, w);
        return bias ? g.op("Add", y, weight(name + ".bias", out)) : y;
    }

    /** A weight stored as in the checkpoint. */
    private String weight(String name, long... shape) {
        return g.initializer(name, shape, weights.take(name, shape));
    }
}
