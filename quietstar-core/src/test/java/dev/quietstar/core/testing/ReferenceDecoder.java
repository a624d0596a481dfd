package dev.quietstar.core.testing;

import dev.quietstar.core.checkpoint.DecoderSpec;
import dev.quietstar.core.checkpoint.FloatTensor;
import dev.quietstar.core.checkpoint.RopeScaling;
import dev.quietstar.core.checkpoint.SafetensorsReader;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A scalar, loop-based causal decoder in double precision: the test oracle the engines are checked against. It is
 * written from the HuggingFace transformers modeling code of each {@code model_type} ({@code GPT2LMHeadModel},
 * {@code LlamaForCausalLM}, {@code MistralForCausalLM}, {@code Qwen2ForCausalLM}, {@code Qwen3ForCausalLM},
 * {@code Phi3ForCausalLM}, {@code Gemma3ForCausalLM}), not from this library's decoders,
 * and shares no arithmetic with them: no engine, no ONNX, not even core's rotary frequencies
 * ({@code DecoderSpec#rotaryInverseFrequencies}) nor its Gemma helpers (embedding scale, norm offset, attention
 * divisor); only the parsed {@link DecoderSpec}'s values are taken as input.
 *
 * <p>It runs one sequence at positions 0..n-1 with full causal attention and returns the logits of every position.
 * What it follows, per type:
 *
 * <ul>
 *   <li>{@code gpt2}: token plus learned position embedding; per block LayerNorm, {@code Conv1D} (weights in x out)
 *       fused q/k/v with bias, softmax(q k / sqrt(d)), {@code Conv1D} output projection, residual, LayerNorm,
 *       {@code Conv1D} up, "gelu_new", {@code Conv1D} down, residual; final LayerNorm; lm_head is the token
 *       embedding.
 *   <li>{@code llama}, {@code mistral}, {@code qwen2}, {@code qwen3}, {@code phi3}: RMSNorm
 *       (x / sqrt(mean(x^2) + eps) * w); {@code Linear} (weights out x in) q/k/v, rotate-half RoPE on q and k at the
 *       position, grouped-query attention (query head h reads key/value head h / (heads / kv_heads), as
 *       {@code repeat_kv}), {@code o_proj}, residual, RMSNorm, {@code down(silu(gate(x)) * up(x))}, residual; final
 *       RMSNorm; lm_head tied or separate. Biases as each model's attention class creates them: Llama and Qwen3 on
 *       q/k/v and o when {@code attention_bias}, Qwen2 always on q/k/v and never on o, Mistral and Phi-3 never.
 *   <li>{@code qwen3}: in addition, each head's query and key vectors go through an RMSNorm of width
 *       {@code head_dim} ({@code q_norm}, {@code k_norm}) before the rotary embedding.
 *   <li>{@code phi3}: one {@code qkv_proj} (output: queries, keys, values) and one {@code gate_up_proj} (output:
 *       gate, up), no biases; the rotary embedding turns the first {@code int(head_dim * partial_rotary_factor)}
 *       values of each head, with frequencies over that width, and passes the others through.
 *   <li>{@code gemma3_text} ({@code Gemma3ForCausalLM}): the token embedding times {@code hidden_size ** 0.5}
 *       (a float32 scalar, as {@code Gemma3TextScaledWordEmbedding} casts it to the float32 weights' dtype); every
 *       RMSNorm computes {@code x / sqrt(mean(x^2) + eps) * (1 + w)}; per block: input_layernorm, q/k/v (biases and
 *       an o_proj bias when {@code attention_bias}), q_norm and k_norm over each head, RoPE with
 *       {@code rope_local_base_freq} on sliding layers and {@code rope_theta} with {@code rope_scaling} on full ones,
 *       softmax(q k * query_pre_attn_scalar^-0.5), o_proj, post_attention_layernorm, residual;
 *       pre_feedforward_layernorm, {@code down(gelu_tanh(gate(x)) * up(x))}, post_feedforward_layernorm,
 *       residual; final norm; lm_head tied unless the config unties it. Over sequences no longer than
 *       {@code sliding_window}, which the parsed spec never exceeds, the sliding layers' mask is the causal one.
 *   <li>{@code rope_scaling}: {@code linear} divides every frequency by the factor; {@code dynamic} leaves them as
 *       they are within {@code max_position_embeddings}; {@code llama3} applies Llama 3.1's wavelength bands.
 * </ul>
 */
public final class ReferenceDecoder {

    private final DecoderSpec spec;
    private final Map<String, FloatTensor> weights = new HashMap<>();
    private final String prefix;

    /**
     * A reference over HuggingFace-named tensors (with or without the {@code model.} / {@code transformer.} prefix;
     * others such as Quiet-STaR's {@code quietstar.*} are ignored).
     *
     * @param spec the architecture
     * @param tensors the weights
     */
    public ReferenceDecoder(DecoderSpec spec, Map<String, FloatTensor> tensors) {
        this.spec = spec;
        this.prefix = isGpt2() ? "transformer." : "model.";
        for (Map.Entry<String, FloatTensor> e : tensors.entrySet()) {
            String n = e.getKey();
            weights.put(n.startsWith(prefix) || n.startsWith("lm_head.") || n.startsWith("quietstar.") ? n
                    : prefix + n, e.getValue());
        }
        for (Map.Entry<String, long[]> e : tensorShapes(spec).entrySet()) {
            FloatTensor t = weights.get(e.getKey());
            if (t == null || !t.hasShape(e.getValue())) {
                throw new IllegalArgumentException("reference: tensor " + e.getKey() + " "
                        + (t == null ? "missing" : "has shape " + Arrays.toString(t.shape())) + ", expected "
                        + Arrays.toString(e.getValue()));
            }
        }
    }

    /**
     * Reads a HuggingFace or checkpoint folder ({@code config.json} and safetensors).
     *
     * @param folder the folder
     * @return the reference
     */
    public static ReferenceDecoder read(Path folder) {
        return new ReferenceDecoder(DecoderSpec.read(folder), SafetensorsReader.readFolder(folder));
    }

    /**
     * The architecture.
     *
     * @return the spec
     */
    public DecoderSpec spec() {
        return spec;
    }

    private boolean isGpt2() {
        return "gpt2".equals(spec.modelType());
    }

    /** Whether q, k, v have biases, as the model type's attention module decides. */
    private static boolean qkvBias(DecoderSpec s) {
        return switch (s.modelType()) {
            case "qwen2" -> true;
            case "mistral", "phi3" -> false;
            default -> s.attentionBias();
        };
    }

    /**
     * Whether o_proj has a bias: LlamaAttention, Qwen3Attention and Gemma3Attention pass attention_bias to it;
     * Qwen2, Mistral never.
     */
    private static boolean outBias(DecoderSpec s) {
        return ("llama".equals(s.modelType()) || "qwen3".equals(s.modelType()) || isGemma(s)) && s.attentionBias();
    }

    /** Gemma3ForCausalLM. */
    private static boolean isGemma(DecoderSpec s) {
        return "gemma3_text".equals(s.modelType());
    }

    /** Phi-3's fused qkv_proj and gate_up_proj. */
    private static boolean fused(DecoderSpec s) {
        return "phi3".equals(s.modelType());
    }

    /** Qwen3Attention's and Gemma3Attention's per-head q_norm and k_norm. */
    private static boolean headNorms(DecoderSpec s) {
        return "qwen3".equals(s.modelType()) || isGemma(s);
    }

    /**
     * Every tensor the model type's HuggingFace module holds, by full name, with its shape.
     *
     * @param s the architecture
     * @return name to shape, in a stable order
     */
    public static Map<String, long[]> tensorShapes(DecoderSpec s) {
        Map<String, long[]> m = new LinkedHashMap<>();
        long h = s.hiddenSize();
        long v = s.vocabSize();
        long inter = s.intermediateSize();
        if ("gpt2".equals(s.modelType())) {
            m.put("transformer.wte.weight", new long[] {v, h});
            m.put("transformer.wpe.weight", new long[] {s.maxPositions(), h});
            for (int i = 0; i < s.layers(); i++) {
                String p = "transformer.h." + i + ".";
                m.put(p + "ln_1.weight", new long[] {h});
                m.put(p + "ln_1.bias", new long[] {h});
                m.put(p + "attn.c_attn.weight", new long[] {h, 3 * h});
                m.put(p + "attn.c_attn.bias", new long[] {3 * h});
                m.put(p + "attn.c_proj.weight", new long[] {h, h});
                m.put(p + "attn.c_proj.bias", new long[] {h});
                m.put(p + "ln_2.weight", new long[] {h});
                m.put(p + "ln_2.bias", new long[] {h});
                m.put(p + "mlp.c_fc.weight", new long[] {h, inter});
                m.put(p + "mlp.c_fc.bias", new long[] {inter});
                m.put(p + "mlp.c_proj.weight", new long[] {inter, h});
                m.put(p + "mlp.c_proj.bias", new long[] {h});
            }
            m.put("transformer.ln_f.weight", new long[] {h});
            m.put("transformer.ln_f.bias", new long[] {h});
            return m;
        }
        long q = (long) s.heads() * s.headDim();
        long kv = (long) s.kvHeads() * s.headDim();
        m.put("model.embed_tokens.weight", new long[] {v, h});
        for (int i = 0; i < s.layers(); i++) {
            String p = "model.layers." + i + ".";
            m.put(p + "input_layernorm.weight", new long[] {h});
            if (fused(s)) {
                m.put(p + "self_attn.qkv_proj.weight", new long[] {q + 2 * kv, h});
            } else {
                m.put(p + "self_attn.q_proj.weight", new long[] {q, h});
                m.put(p + "self_attn.k_proj.weight", new long[] {kv, h});
                m.put(p + "self_attn.v_proj.weight", new long[] {kv, h});
            }
            if (qkvBias(s)) {
                m.put(p + "self_attn.q_proj.bias", new long[] {q});
                m.put(p + "self_attn.k_proj.bias", new long[] {kv});
                m.put(p + "self_attn.v_proj.bias", new long[] {kv});
            }
            if (headNorms(s)) {
                m.put(p + "self_attn.q_norm.weight", new long[] {s.headDim()});
                m.put(p + "self_attn.k_norm.weight", new long[] {s.headDim()});
            }
            m.put(p + "self_attn.o_proj.weight", new long[] {h, q});
            if (outBias(s)) {
                m.put(p + "self_attn.o_proj.bias", new long[] {h});
            }
            m.put(p + "post_attention_layernorm.weight", new long[] {h});
            if (isGemma(s)) {
                m.put(p + "pre_feedforward_layernorm.weight", new long[] {h});
                m.put(p + "post_feedforward_layernorm.weight", new long[] {h});
            }
            if (fused(s)) {
                m.put(p + "mlp.gate_up_proj.weight", new long[] {2 * inter, h});
            } else {
                m.put(p + "mlp.gate_proj.weight", new long[] {inter, h});
                m.put(p + "mlp.up_proj.weight", new long[] {inter, h});
            }
            m.put(p + "mlp.down_proj.weight", new long[] {h, inter});
        }
        m.put("model.norm.weight", new long[] {h});
        if (!s.tieWordEmbeddings()) {
            m.put("lm_head.weight", new long[] {v, h});
        }
        return m;
    }

    /**
     * The logits of every position of a sequence run from position 0.
     *
     * @param tokens the token ids
     * @return (n, vocab) logits
     */
    public double[][] logits(int[] tokens) {
        int n = tokens.length;
        if (n == 0 || n > spec.maxPositions()) {
            throw new IllegalArgumentException("reference: 1.." + spec.maxPositions() + " tokens, was " + n);
        }
        double[][] x = new double[n][];
        String emb = isGpt2() ? "transformer.wte.weight" : "model.embed_tokens.weight";
        // Gemma3TextScaledWordEmbedding: torch.tensor(hidden_size ** 0.5), cast to the (float32) weights' dtype
        double embedScale = isGemma(spec) ? (float) Math.sqrt(spec.hiddenSize()) : 1.0;
        for (int t = 0; t < n; t++) {
            x[t] = row(emb, tokens[t]);
            for (int i = 0; i < x[t].length; i++) {
                x[t][i] *= embedScale;
            }
            if (isGpt2()) {
                x[t] = add(x[t], row("transformer.wpe.weight", t));
            }
        }
        for (int l = 0; l < spec.layers(); l++) {
            x = isGpt2() ? gpt2Block(l, x) : isGemma(spec) ? gemmaBlock(l, x) : llamaBlock(l, x);
        }
        double[][] out = new double[n][];
        String head = isGpt2() || spec.tieWordEmbeddings() ? emb : "lm_head.weight";
        for (int t = 0; t < n; t++) {
            double[] f = isGpt2() ? layerNorm(x[t], "transformer.ln_f.")
                    : isGemma(spec) ? gemmaNorm(x[t], "model.norm.weight") : rmsNorm(x[t], "model.norm.weight");
            out[t] = linear(f, head, null);
        }
        return out;
    }

    /**
     * Greedy continuation: each step recomputes the whole sequence and appends the arg-max of the last logits (the
     * lowest id among equal maxima).
     *
     * @param prompt the prompt ids
     * @param steps tokens to generate
     * @return the generated ids
     */
    public int[] greedy(int[] prompt, int steps) {
        return greedy(prompt, steps, new int[0]);
    }

    /**
     * Greedy continuation that never chooses the given ids: a Quiet-STaR checkpoint feeds its meta-tokens as learned
     * vectors rather than as their embedding rows, so a continuation through one of them is not the HuggingFace
     * model's, and generation masks them anyway.
     *
     * @param prompt the prompt ids
     * @param steps tokens to generate
     * @param never ids that are never chosen
     * @return the generated ids
     */
    public int[] greedy(int[] prompt, int steps, int... never) {
        int[] seq = Arrays.copyOf(prompt, prompt.length + steps);
        for (int s = 0; s < steps; s++) {
            int len = prompt.length + s;
            double[] last = logits(Arrays.copyOf(seq, len))[len - 1];
            for (int id : never) {
                last[id] = Double.NEGATIVE_INFINITY;
            }
            seq[len] = argMax(last);
        }
        return Arrays.copyOfRange(seq, prompt.length, seq.length);
    }

    /**
     * The index of the largest value (the first of equal maxima).
     *
     * @param v values
     * @return the index
     */
    public static int argMax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    // ---- GPT-2 ----

    private double[][] gpt2Block(int l, double[][] x) {
        String p = "transformer.h." + l + ".";
        int n = x.length;
        int h = spec.hiddenSize();
        int hd = spec.headDim();
        double[][] q = new double[n][];
        double[][] k = new double[n][];
        double[][] v = new double[n][];
        for (int t = 0; t < n; t++) {
            double[] qkv = conv1d(layerNorm(x[t], p + "ln_1."), p + "attn.c_attn.");
            q[t] = Arrays.copyOfRange(qkv, 0, h);
            k[t] = Arrays.copyOfRange(qkv, h, 2 * h);
            v[t] = Arrays.copyOfRange(qkv, 2 * h, 3 * h);
        }
        double[][] ctx = attention(q, k, v, spec.heads(), spec.heads(), hd);
        double[][] out = new double[n][];
        for (int t = 0; t < n; t++) {
            double[] x1 = add(x[t], conv1d(ctx[t], p + "attn.c_proj."));
            double[] f = conv1d(layerNorm(x1, p + "ln_2."), p + "mlp.c_fc.");
            for (int i = 0; i < f.length; i++) {
                double a = f[i];
                f[i] = 0.5 * a * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (a + 0.044715 * a * a * a)));
            }
            out[t] = add(x1, conv1d(f, p + "mlp.c_proj."));
        }
        return out;
    }

    /** HuggingFace's {@code Conv1D}: y = x W + b with W stored (in, out). */
    private double[] conv1d(double[] x, String p) {
        FloatTensor w = weights.get(p + "weight");
        FloatTensor b = weights.get(p + "bias");
        int in = (int) w.shape()[0];
        int out = (int) w.shape()[1];
        double[] y = new double[out];
        for (int o = 0; o < out; o++) {
            double s = b.data()[o];
            for (int i = 0; i < in; i++) {
                s += x[i] * w.data()[i * out + o];
            }
            y[o] = s;
        }
        return y;
    }

    private double[] layerNorm(double[] x, String p) {
        double mean = 0;
        for (double a : x) {
            mean += a;
        }
        mean /= x.length;
        double var = 0;
        for (double a : x) {
            var += (a - mean) * (a - mean);
        }
        var /= x.length;
        double inv = 1 / Math.sqrt(var + spec.normEps());
        float[] w = weights.get(p + "weight").data();
        float[] b = weights.get(p + "bias").data();
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = (x[i] - mean) * inv * w[i] + b[i];
        }
        return y;
    }

    // ---- Llama family ----

    private double[][] llamaBlock(int l, double[][] x) {
        String p = "model.layers." + l + ".";
        int n = x.length;
        int nh = spec.heads();
        int nkv = spec.kvHeads();
        int hd = spec.headDim();
        boolean bias = qkvBias(spec);
        double[][] q = new double[n][];
        double[][] k = new double[n][];
        double[][] v = new double[n][];
        for (int t = 0; t < n; t++) {
            double[] a = rmsNorm(x[t], p + "input_layernorm.weight");
            if (fused(spec)) {
                double[] qkv = linear(a, p + "self_attn.qkv_proj.weight", null);
                q[t] = Arrays.copyOfRange(qkv, 0, nh * hd);
                k[t] = Arrays.copyOfRange(qkv, nh * hd, (nh + nkv) * hd);
                v[t] = Arrays.copyOfRange(qkv, (nh + nkv) * hd, (nh + 2 * nkv) * hd);
            } else {
                q[t] = linear(a, p + "self_attn.q_proj.weight", bias ? p + "self_attn.q_proj.bias" : null);
                k[t] = linear(a, p + "self_attn.k_proj.weight", bias ? p + "self_attn.k_proj.bias" : null);
                v[t] = linear(a, p + "self_attn.v_proj.weight", bias ? p + "self_attn.v_proj.bias" : null);
            }
            if (headNorms(spec)) {
                normEachHead(q[t], nh, hd, p + "self_attn.q_norm.weight");
                normEachHead(k[t], nkv, hd, p + "self_attn.k_norm.weight");
            }
            rotate(q[t], nh, hd, t);
            rotate(k[t], nkv, hd, t);
        }
        double[][] ctx = attention(q, k, v, nh, nkv, hd);
        double[][] out = new double[n][];
        for (int t = 0; t < n; t++) {
            double[] x1 = add(x[t], linear(ctx[t], p + "self_attn.o_proj.weight",
                    outBias(spec) ? p + "self_attn.o_proj.bias" : null));
            double[] a = rmsNorm(x1, p + "post_attention_layernorm.weight");
            double[] gate;
            double[] up;
            if (fused(spec)) {
                double[] gateUp = linear(a, p + "mlp.gate_up_proj.weight", null);
                int inter = spec.intermediateSize();
                gate = Arrays.copyOfRange(gateUp, 0, inter);
                up = Arrays.copyOfRange(gateUp, inter, 2 * inter);
            } else {
                gate = linear(a, p + "mlp.gate_proj.weight", null);
                up = linear(a, p + "mlp.up_proj.weight", null);
            }
            double[] act = new double[gate.length];
            for (int i = 0; i < act.length; i++) {
                act[i] = gate[i] / (1 + Math.exp(-gate[i])) * up[i];
            }
            out[t] = add(x1, linear(act, p + "mlp.down_proj.weight", null));
        }
        return out;
    }

    // ---- Gemma 3 ----

    /** Gemma3DecoderLayer.forward: sandwich norms around attention and MLP, GELU-tanh gate, per-kind rotary. */
    private double[][] gemmaBlock(int l, double[][] x) {
        String p = "model.layers." + l + ".";
        int n = x.length;
        int nh = spec.heads();
        int nkv = spec.kvHeads();
        int hd = spec.headDim();
        boolean bias = spec.attentionBias();
        // Gemma3Attention: sliding layers use the "sliding_attention" rotary (rope_local_base_freq, no scaling
        // but what rope_parameters gives them), full layers "full_attention" (rope_theta, rope_scaling)
        boolean sliding = spec.gemma().slidingLayers().get(l);
        double theta = sliding ? spec.gemma().localRopeTheta() : spec.ropeTheta();
        RopeScaling scaling = sliding ? spec.gemma().localRopeScaling() : spec.ropeScaling();
        double[] inv = inverseFrequencies(hd, theta, scaling);
        double[][] q = new double[n][];
        double[][] k = new double[n][];
        double[][] v = new double[n][];
        for (int t = 0; t < n; t++) {
            double[] a = gemmaNorm(x[t], p + "input_layernorm.weight");
            q[t] = linear(a, p + "self_attn.q_proj.weight", bias ? p + "self_attn.q_proj.bias" : null);
            k[t] = linear(a, p + "self_attn.k_proj.weight", bias ? p + "self_attn.k_proj.bias" : null);
            v[t] = linear(a, p + "self_attn.v_proj.weight", bias ? p + "self_attn.v_proj.bias" : null);
            for (int h = 0; h < nh; h++) {
                double[] head = gemmaNorm(Arrays.copyOfRange(q[t], h * hd, (h + 1) * hd),
                        p + "self_attn.q_norm.weight");
                System.arraycopy(head, 0, q[t], h * hd, hd);
            }
            for (int h = 0; h < nkv; h++) {
                double[] head = gemmaNorm(Arrays.copyOfRange(k[t], h * hd, (h + 1) * hd),
                        p + "self_attn.k_norm.weight");
                System.arraycopy(head, 0, k[t], h * hd, hd);
            }
            rotateWith(q[t], nh, hd, hd, inv, t);
            rotateWith(k[t], nkv, hd, hd, inv, t);
        }
        // self.scaling = config.query_pre_attn_scalar ** -0.5
        double[][] ctx = attention(q, k, v, nh, nkv, hd, Math.pow(spec.gemma().queryPreAttnScalar(), -0.5));
        double[][] out = new double[n][];
        for (int t = 0; t < n; t++) {
            double[] attn = linear(ctx[t], p + "self_attn.o_proj.weight", bias ? p + "self_attn.o_proj.bias" : null);
            double[] x1 = add(x[t], gemmaNorm(attn, p + "post_attention_layernorm.weight"));
            double[] a = gemmaNorm(x1, p + "pre_feedforward_layernorm.weight");
            double[] gate = linear(a, p + "mlp.gate_proj.weight", null);
            double[] up = linear(a, p + "mlp.up_proj.weight", null);
            double[] act = new double[gate.length];
            for (int i = 0; i < act.length; i++) {
                double g = gate[i]; // gelu_pytorch_tanh
                act[i] = 0.5 * g * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (g + 0.044715 * g * g * g))) * up[i];
            }
            double[] f = gemmaNorm(linear(act, p + "mlp.down_proj.weight", null),
                    p + "post_feedforward_layernorm.weight");
            out[t] = add(x1, f);
        }
        return out;
    }

    /** Gemma3RMSNorm: x * rsqrt(mean(x^2) + eps) * (1 + w). */
    private double[] gemmaNorm(double[] x, String name) {
        double ms = 0;
        for (double a : x) {
            ms += a * a;
        }
        ms /= x.length;
        double inv = 1 / Math.sqrt(ms + spec.normEps());
        float[] w = weights.get(name).data();
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] * inv * (1.0 + w[i]);
        }
        return y;
    }

    /**
     * The rotary inverse frequencies as transformers' rope initialisation computes them, written here on their own:
     * {@code 1 / theta^(2i / dim)}, then the {@code rope_scaling} rule.
     */
    double[] inverseFrequencies(int dim) {
        return inverseFrequencies(dim, spec.ropeTheta(), spec.ropeScaling());
    }

    private static double[] inverseFrequencies(int dim, double theta, RopeScaling rs) {
        double[] inv = new double[dim / 2];
        for (int i = 0; i < inv.length; i++) {
            double f = 1.0 / Math.pow(theta, (double) (2 * i) / dim);
            switch (rs.type()) {
                case "linear" -> f = f / rs.factor();
                case "llama3" -> {
                    double oldContext = rs.originalMaxPositions();
                    double lowWavelen = oldContext / rs.lowFreqFactor();
                    double highWavelen = oldContext / rs.highFreqFactor();
                    double wavelen = 2 * Math.PI / f;
                    double scaled = wavelen > lowWavelen ? f / rs.factor() : f;
                    boolean medium = !(wavelen < highWavelen) && !(wavelen > lowWavelen);
                    if (medium) {
                        double smooth = (oldContext / wavelen - rs.lowFreqFactor())
                                / (rs.highFreqFactor() - rs.lowFreqFactor());
                        scaled = (1 - smooth) * scaled / rs.factor() + smooth * scaled;
                    }
                    f = scaled;
                }
                case "default", "dynamic" -> {
                    // dynamic NTK changes the base only past max_position_embeddings
                }
                default -> throw new IllegalArgumentException("reference: rope type " + rs.type());
            }
            inv[i] = f;
        }
        return inv;
    }

    /**
     * Rotate-half RoPE in place on every head of a (heads * hd) vector at position {@code pos}: the first
     * {@code rotary_dim} values of each head turn (all of them but for Phi-3's partial rotary), the rest stay.
     */
    private void rotate(double[] x, int heads, int hd, int pos) {
        int dim = "phi3".equals(spec.modelType()) ? spec.rotaryDim() : hd;
        rotateWith(x, heads, hd, dim, inverseFrequencies(dim), pos);
    }

    /** {@link #rotate} with given frequencies over the first {@code dim} values of each head. */
    private static void rotateWith(double[] x, int heads, int hd, int dim, double[] inv, int pos) {
        int half = dim / 2;
        for (int h = 0; h < heads; h++) {
            int o = h * hd;
            double[] r = new double[dim];
            for (int i = 0; i < dim; i++) {
                double angle = pos * inv[i % half];
                double rotated = i < half ? -x[o + i + half] : x[o + i - half];
                r[i] = x[o + i] * Math.cos(angle) + rotated * Math.sin(angle);
            }
            System.arraycopy(r, 0, x, o, dim);
        }
    }

    /** Qwen3's q_norm / k_norm: an RMSNorm over each head's {@code hd} values, in place. */
    private void normEachHead(double[] x, int heads, int hd, String name) {
        for (int h = 0; h < heads; h++) {
            double[] head = rmsNorm(Arrays.copyOfRange(x, h * hd, (h + 1) * hd), name);
            System.arraycopy(head, 0, x, h * hd, hd);
        }
    }

    private double[] rmsNorm(double[] x, String name) {
        double ms = 0;
        for (double a : x) {
            ms += a * a;
        }
        ms /= x.length;
        double inv = 1 / Math.sqrt(ms + spec.normEps());
        float[] w = weights.get(name).data();
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = w[i] * (x[i] * inv);
        }
        return y;
    }

    // ---- shared ----

    /**
     * Causal softmax attention of every position over positions 0..t; query head h reads key/value head
     * h / (heads / kvHeads).
     */
    private static double[][] attention(double[][] q, double[][] k, double[][] v, int heads, int kvHeads, int hd) {
        return attention(q, k, v, heads, kvHeads, hd, 1 / Math.sqrt(hd));
    }

    /** {@link #attention} with scores q k multiplied by {@code scale}. */
    private static double[][] attention(double[][] q, double[][] k, double[][] v, int heads, int kvHeads, int hd,
            double scale) {
        int n = q.length;
        int group = heads / kvHeads;
        double[][] out = new double[n][heads * hd];
        for (int t = 0; t < n; t++) {
            for (int h = 0; h < heads; h++) {
                int kvh = h / group;
                double[] s = new double[t + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j <= t; j++) {
                    double dot = 0;
                    for (int i = 0; i < hd; i++) {
                        dot += q[t][h * hd + i] * k[j][kvh * hd + i];
                    }
                    s[j] = dot * scale;
                    max = Math.max(max, s[j]);
                }
                double sum = 0;
                for (int j = 0; j <= t; j++) {
                    s[j] = Math.exp(s[j] - max);
                    sum += s[j];
                }
                for (int j = 0; j <= t; j++) {
                    double p = s[j] / sum;
                    for (int i = 0; i < hd; i++) {
                        out[t][h * hd + i] += p * v[j][kvh * hd + i];
                    }
                }
            }
        }
        return out;
    }

    /** torch's {@code Linear}: y = W x + b with W stored (out, in). */
    private double[] linear(double[] x, String weight, String bias) {
        FloatTensor w = weights.get(weight);
        int out = (int) w.shape()[0];
        int in = (int) w.shape()[1];
        if (in != x.length) {
            throw new IllegalArgumentException("reference: " + weight + " takes " + in + " inputs, got " + x.length);
        }
        float[] b = bias == null ? null : weights.get(bias).data();
        double[] y = new double[out];
        for (int o = 0; o < out; o++) {
            double s = b == null ? 0 : b[o];
            for (int i = 0; i < in; i++) {
                s += w.data()[o * in + i] * x[i];
            }
            y[o] = s;
        }
        return y;
    }

    private double[] row(String name, int r) {
        FloatTensor t = weights.get(name);
        int cols = (int) t.shape()[1];
        if (r < 0 || r >= t.shape()[0]) {
            throw new IllegalArgumentException("reference: row " + r + " outside " + name);
        }
        double[] y = new double[cols];
        for (int i = 0; i < cols; i++) {
            y[i] = t.data()[r * cols + i];
        }
        return y;
    }

    private static double[] add(double[] a, double[] b) {
        double[] y = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            y[i] = a[i] + b[i];
        }
        return y;
    }
}
