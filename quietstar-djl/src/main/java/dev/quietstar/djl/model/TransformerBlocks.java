package dev.quietstar.djl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.List;

/**
 * The transformer arithmetic of a {@link CausalDecoder}: GPT-2 blocks (LayerNorm, fused q/k/v {@code Conv1D},
 * GELU-tanh MLP, learned positions) and Llama blocks (RMSNorm, rotate-half RoPE, grouped-query attention, SwiGLU;
 * Qwen3's per-head q/k RMSNorm; Phi-3's fused projections and partial rotary embedding; Gemma 3's 1 + w norms,
 * sandwich norms, GELU-tanh gate, query_pre_attn_scalar and a rotary table per layer kind),
 * the final norm, and the two ways a layer attends: densely under an additive 4-D mask over cached plus new keys,
 * or with the element-wise diagonal of a thought pass (docs/algorithm.md section 2). The decoder owns the weights and checks
 * the inputs; this class only computes, reading the weights through {@link CausalDecoder#weight(String)}.
 */
final class TransformerBlocks {

    private final CausalDecoder decoder;
    private final DecoderConfig config;
    /** The scalars every layer uses, made once: a scalar operand made per use costs the engine a call each time. */
    private final NDArray normEps;
    private final NDArray scoreDivisor;
    private final NDArray normWeightOffset;

    TransformerBlocks(CausalDecoder decoder, DecoderConfig config) {
        this.decoder = decoder;
        this.config = config;
        NDManager m = decoder.manager();
        this.normEps = Ops.constant(m, config.normEps(), DataType.FLOAT32);
        this.scoreDivisor = Ops.constant(m, config.spec().attentionScoreDivisor(), DataType.FLOAT32);
        this.normWeightOffset = Ops.constant(m, config.spec().normWeightOffset(), DataType.FLOAT32);
    }

    private NDArray weight(String name) {
        return decoder.weight(name);
    }

    /** Runs every block and the final norm; returns the hidden states and the keys/values each layer kept. */
    DecoderOutput layers(NDArray embeddings, NDArray pos, Attend attend) {
        NDArray x = embeddings;
        NDArray[] full = null;
        NDArray[] sliding = null;
        if (config.architecture() == Architecture.GPT2) {
            x = x.add(lookup(weight("transformer.wpe.weight"), pos));
        } else {
            full = Rope.cosSin(pos, config.spec().rotaryInverseFrequencies());
        }
        List<NDArray> keys = new ArrayList<>();
        List<NDArray> values = new ArrayList<>();
        for (int i = 0; i < config.layers(); i++) {
            NDArray[] cs = full;
            if (config.spec().slidingLayer(i)) {
                // Gemma's sliding layers rotate with their own base (rope_local_base_freq)
                if (sliding == null) {
                    sliding = Rope.cosSin(pos, config.spec().rotaryInverseFrequencies(i));
                }
                cs = sliding;
            }
            NDArray[] out = config.architecture() == Architecture.GPT2
                    ? gpt2Block(i, x, attend)
                    : llamaBlock(i, x, attend, cs[0], cs[1]);
            x = out[0];
            keys.add(out[1]);
            values.add(out[2]);
        }
        NDArray hidden = config.architecture() == Architecture.GPT2
                ? layerNorm(x, "transformer.ln_f.")
                : rmsNorm(x, "model.norm.weight");
        return new DecoderOutput(hidden, new KvCache(keys, values));
    }

    /** Attention of one layer given its queries and new keys/values: returns {context, keys to keep, values}. */
    @FunctionalInterface
    interface Attend {
        NDArray[] apply(int layer, NDArray q, NDArray k, NDArray v);
    }

    /** Dense attention under an additive mask over the cached keys followed by the new ones. */
    Attend dense(NDArray mask, KvCache past) {
        int groups = config.heads() / config.kvHeads();
        NDArray divisor = scoreDivisor;
        return (i, q, k, v) -> {
            if (past != null) {
                k = NDArrays.concat(new ai.djl.ndarray.NDList(past.keys().get(i), k), 2);
                v = NDArrays.concat(new ai.djl.ndarray.NDList(past.values().get(i), v), 2);
            }
            return new NDArray[] {attention(q, repeatKv(k, groups), repeatKv(v, groups), mask, divisor), k, v};
        };
    }

    /**
     * Element-wise diagonal attention of one thought pass (see {@link CausalDecoder#forwardThoughtPass}): dense over
     * the real keys under {@code realMask}, per-position dot products with the position's own keys of every earlier
     * pass and of this pass, hidden where {@code ownMask} says the position is padding.
     */
    Attend diagonal(ThoughtCache cache, NDArray realMask, NDArray ownMask, long len) {
        int groups = config.heads() / config.kvHeads();
        return (i, q, k, v) -> {
            NDArray kr = repeatKv(cache.real().keys().get(i), groups);
            NDArray vr = repeatKv(cache.real().values().get(i), groups);
            NDArray scale = scoreDivisor;
            NDArray realScores = q.matMul(kr.transpose(0, 1, 3, 2)).div(scale).add(realMask);
            List<NDArray> passKeys = new ArrayList<>();
            List<NDArray> passValues = new ArrayList<>();
            for (KvCache pass : cache.passes()) {
                passKeys.add(repeatKv(pass.keys().get(i), groups));
                passValues.add(repeatKv(pass.values().get(i), groups));
            }
            passKeys.add(repeatKv(k, groups));
            passValues.add(repeatKv(v, groups));
            NDArray kd = NDArrays.stack(new ai.djl.ndarray.NDList(passKeys), 3); // (R, nh, L, P, hd)
            NDArray vd = NDArrays.stack(new ai.djl.ndarray.NDList(passValues), 3);
            NDArray diagScores = q.expandDims(3).mul(kd).sum(new int[] {4}).div(scale)
                    .add(ownMask); // (R, nh, L, P); a pad position's own chain is hidden
            NDArray probs = NDArrays.concat(new ai.djl.ndarray.NDList(realScores, diagScores), 3).softmax(-1);
            NDArray pReal = probs.get(":, :, :, 0:" + len);
            NDArray pDiag = probs.get(":, :, :, " + len + ":");
            NDArray ctx = pReal.matMul(vr).add(pDiag.expandDims(-1).mul(vd).sum(new int[] {3}));
            Shape s = ctx.getShape();
            NDArray merged = ctx.transpose(0, 2, 1, 3).reshape(s.get(0), s.get(2), s.get(1) * s.get(3));
            return new NDArray[] {merged, k, v};
        };
    }

    private NDArray[] gpt2Block(int i, NDArray x, Attend attend) {
        String p = "transformer.h." + i + ".";
        long b = x.getShape().get(0);
        long l = x.getShape().get(1);
        int h = config.hiddenSize();
        int nh = config.heads();
        int hd = config.headDim();
        NDArray a = layerNorm(x, p + "ln_1.");
        NDArray qkv = a.matMul(weight(p + "attn.c_attn.weight")).add(weight(p + "attn.c_attn.bias"));
        NDArray q = qkv.get(":, :, 0:" + h).reshape(b, l, nh, hd).transpose(0, 2, 1, 3);
        NDArray k = qkv.get(":, :, " + h + ":" + 2 * h).reshape(b, l, nh, hd).transpose(0, 2, 1, 3);
        NDArray v = qkv.get(":, :, " + 2 * h + ":").reshape(b, l, nh, hd).transpose(0, 2, 1, 3);
        NDArray[] ctx = attend.apply(i, q, k, v);
        NDArray attn = ctx[0].matMul(weight(p + "attn.c_proj.weight")).add(weight(p + "attn.c_proj.bias"));
        NDArray x1 = x.add(attn);
        NDArray f = layerNorm(x1, p + "ln_2.").matMul(weight(p + "mlp.c_fc.weight")).add(weight(p + "mlp.c_fc.bias"));
        f = geluTanh(f).matMul(weight(p + "mlp.c_proj.weight")).add(weight(p + "mlp.c_proj.bias"));
        return new NDArray[] {x1.add(f), ctx[1], ctx[2]};
    }

    private NDArray[] llamaBlock(int i, NDArray x, Attend attend, NDArray cos, NDArray sin) {
        String p = "model.layers." + i + ".";
        long b = x.getShape().get(0);
        long l = x.getShape().get(1);
        int nh = config.heads();
        int nkv = config.kvHeads();
        int hd = config.headDim();
        NDArray a = rmsNorm(x, p + "input_layernorm.weight");
        NDArray q;
        NDArray k;
        NDArray v;
        if (config.spec().fusedProjections()) {
            // Phi-3: one qkv_proj whose output holds the queries, then the keys, then the values
            long qw = (long) nh * hd;
            long kvw = (long) nkv * hd;
            NDArray qkv = linear(a, p + "self_attn.qkv_proj", false);
            q = qkv.get(":, :, 0:" + qw);
            k = qkv.get(":, :, " + qw + ":" + (qw + kvw));
            v = qkv.get(":, :, " + (qw + kvw) + ":");
        } else {
            q = linear(a, p + "self_attn.q_proj", config.attentionBias());
            k = linear(a, p + "self_attn.k_proj", config.attentionBias());
            v = linear(a, p + "self_attn.v_proj", config.attentionBias());
        }
        q = q.reshape(b, l, nh, hd);
        k = k.reshape(b, l, nkv, hd);
        v = v.reshape(b, l, nkv, hd).transpose(0, 2, 1, 3);
        if (config.spec().qkNorm()) {
            // Qwen3: an RMSNorm over each head's head_dim values, before the rotary embedding
            q = rmsNorm(q, p + "self_attn.q_norm.weight");
            k = rmsNorm(k, p + "self_attn.k_norm.weight");
        }
        // queries and keys rotate together (one set of element-wise operations for both, the same numbers)
        NDArray qk = Rope.apply(NDArrays.concat(new ai.djl.ndarray.NDList(q, k), 2).transpose(0, 2, 1, 3), cos,
                sin);
        q = qk.get(":, 0:" + nh);
        k = qk.get(":, " + nh + ":");
        NDArray[] ctx = attend.apply(i, q, k, v);
        NDArray attn = linear(ctx[0], p + "self_attn.o_proj", config.spec().outputProjectionBias());
        boolean sandwich = config.spec().sandwichNorms();
        if (sandwich) {
            // Gemma: the attention output is normed before it joins the residual, and the MLP has its own norm
            attn = rmsNorm(attn, p + "post_attention_layernorm.weight");
        }
        NDArray x1 = x.add(attn);
        NDArray n = rmsNorm(x1, p + (sandwich ? "pre_feedforward_layernorm.weight"
                : "post_attention_layernorm.weight"));
        NDArray gate;
        NDArray up;
        if (config.spec().fusedProjections()) {
            // Phi-3: one gate_up_proj whose output holds the gate, then the up projection
            int inter = config.intermediateSize();
            NDArray gateUp = linear(n, p + "mlp.gate_up_proj", false);
            gate = gateUp.get(":, :, 0:" + inter);
            up = gateUp.get(":, :, " + inter + ":");
        } else {
            gate = linear(n, p + "mlp.gate_proj", false);
            up = linear(n, p + "mlp.up_proj", false);
        }
        NDArray act = (config.spec().geluTanhMlp() ? geluTanh(gate) : gate.mul(sigmoid(gate))).mul(up);
        NDArray f = linear(act, p + "mlp.down_proj", false);
        if (sandwich) {
            f = rmsNorm(f, p + "post_feedforward_layernorm.weight");
        }
        return new NDArray[] {x1.add(f), ctx[1], ctx[2]};
    }

    /**
     * Scaled dot-product attention; q (b, nh, l, hd), k and v (b, nh, K, hd), mask (b, 1, l, K), scores divided by
     * {@code divisor} (sqrt(head_dim), or Gemma's sqrt(query_pre_attn_scalar)).
     */
    private static NDArray attention(NDArray q, NDArray k, NDArray v, NDArray mask, NDArray divisor) {
        long b = q.getShape().get(0);
        long nh = q.getShape().get(1);
        long l = q.getShape().get(2);
        long hd = q.getShape().get(3);
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).div(divisor).add(mask);
        NDArray probs = scores.softmax(-1);
        return probs.matMul(v).transpose(0, 2, 1, 3).reshape(b, l, nh * hd);
    }

    private static NDArray repeatKv(NDArray kv, int groups) {
        if (groups == 1) {
            return kv;
        }
        Shape s = kv.getShape();
        // a broadcast view copied once by the reshape: the same values as repeating each head, without the engine's
        // slower repeat_interleave
        return kv.expandDims(2).broadcast(new Shape(s.get(0), s.get(1), groups, s.get(2), s.get(3)))
                .reshape(s.get(0), s.get(1) * groups, s.get(2), s.get(3));
    }

    private NDArray linear(NDArray x, String name, boolean bias) {
        // torch's linear without a bias is matmul(x, w^T), one call instead of a transpose and a matmul; the bias is
        // added after it as before (linear's fused bias would round differently)
        NDArray y = JniUtils.linear((PtNDArray) x, (PtNDArray) weight(name + ".weight"), null);
        return bias ? y.add(weight(name + ".bias")) : y;
    }

    private NDArray layerNorm(NDArray x, String p) {
        // torch's fused layer_norm: one kernel and one autograd node each way instead of seven element-wise ops.
        PtNDArray out = JniUtils.layerNorm((PtNDArray) x, new Shape(config.hiddenSize()),
                (PtNDArray) weight(p + "weight"), (PtNDArray) weight(p + "bias"), config.normEps());
        return local(out, x.getManager());
    }

    private NDArray rmsNorm(NDArray x, String name) {
        NDArray ms = x.square().mean(new int[] {-1}, true);
        NDArray normed = x.div(ms.add(normEps).sqrt());
        // Gemma stores its norm weights as offsets from 1: x / rms(x) * (1 + w)
        if (config.spec().normWeightOffset() == 0) {
            return normed.mul(weight(name));
        }
        return normed.mul(local(weight(name).add(normWeightOffset), x.getManager()));
    }

    private static NDArray geluTanh(NDArray x) {
        // GPT-2's "gelu_new": 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        NDArray inner = Ops.mul(x.add(Ops.mul(x.mul(x).mul(x), 0.044715)), Math.sqrt(2.0 / Math.PI));
        return Ops.mul(x.mul(Ops.add(inner.tanh(), 1)), 0.5);
    }

    private static NDArray sigmoid(NDArray x) {
        return ai.djl.nn.Activation.sigmoid(x);
    }

    /** Rows of a (rows, H) table for integer ids of any shape, via torch's embedding op (sums gradients of repeats). */
    static NDArray lookup(NDArray table, NDArray ids) {
        PtNDArray idx = (PtNDArray) ids.toType(DataType.INT64, false);
        return local(JniUtils.embedding(idx, (PtNDArray) table, false), ids.getManager());
    }

    /** Moves an array a weight operation created into the caller's manager, so closing that manager frees it. */
    static NDArray local(NDArray created, NDManager scope) {
        created.attach(scope);
        return created;
    }
}
