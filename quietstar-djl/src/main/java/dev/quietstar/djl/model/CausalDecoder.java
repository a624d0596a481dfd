package dev.quietstar.djl.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * A causal transformer decoder (GPT-2 or Llama family) on DJL, with the inputs Quiet-STaR needs and inference APIs
 * hide: input embeddings instead of ids, explicit position ids, an additive 4-D attention mask over cached plus new
 * keys, and a key/value cache that stays in the autograd graph.
 *
 * <p>Weights are DJL {@link Parameter}s named as in HuggingFace checkpoints ({@code transformer.h.0.attn.c_attn.weight},
 * {@code model.layers.0.self_attn.q_proj.weight}, ...) and in HuggingFace layouts (GPT-2's {@code Conv1D} weights
 * are in x out, Llama's {@code Linear} weights out x in), so loading and saving is a name-for-name copy.
 *
 * <p>Memory: parameters live in the decoder's own manager; every array a call creates is attached to the manager of
 * the call's input arrays, so a caller that runs each step in a sub-manager and closes it frees everything.
 *
 * <p>Thread safety: forward calls only read the parameters and may run concurrently; changing parameters (training,
 * loading) must not overlap with forward calls.
 */
public final class CausalDecoder implements AutoCloseable {

    /** Additive mask value of a hidden key: large and finite, so a row with no visible key gives no NaN. */
    public static final float MASKED = -1e9f;

    private final DecoderConfig config;
    private final NDManager manager;
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private final String prefix;

    private CausalDecoder(DecoderConfig config, NDManager manager) {
        this.config = Objects.requireNonNull(config, "config");
        this.manager = manager;
        this.prefix = config.architecture() == Architecture.GPT2 ? "transformer." : "model.";
    }

    /**
     * Creates a decoder with seeded random weights (normal, std 0.02; norms at 1, biases at 0; GPT-2 output
     * projections scaled by 1/sqrt(2 * layers) as in GPT-2).
     *
     * @param config the architecture
     * @param device where the weights live
     * @param seed initialisation seed
     * @return the decoder
     */
    public static CausalDecoder random(DecoderConfig config, Device device, long seed) {
        CausalDecoder d = new CausalDecoder(config, NDManager.newBaseManager(device));
        SplittableRandom rng = new SplittableRandom(seed);
        for (Map.Entry<String, Shape> e : d.expectedShapes().entrySet()) {
            String name = e.getKey();
            Shape shape = e.getValue();
            float[] data = new float[Math.toIntExact(shape.size())];
            if (name.endsWith("ln_1.weight") || name.endsWith("ln_2.weight") || name.endsWith("ln_f.weight")
                    || name.endsWith("layernorm.weight") || name.endsWith("norm.weight")) {
                java.util.Arrays.fill(data, 1f);
            } else if (!name.endsWith(".bias")) {
                double std = 0.02;
                if (config.architecture() == Architecture.GPT2 && name.endsWith("c_proj.weight")) {
                    std /= Math.sqrt(2.0 * config.layers());
                }
                for (int i = 0; i < data.length; i++) {
                    data[i] = (float) (gaussian(rng) * std);
                }
            }
            d.put(name, d.manager.create(data, shape));
        }
        return d;
    }

    /**
     * Creates a decoder from named arrays (HuggingFace names, with or without the {@code transformer.} /
     * {@code model.} prefix). Every expected tensor must be present with its exact shape; extra tensors are
     * ignored only if listed by {@link #ignorable(String)}.
     *
     * @param config the architecture
     * @param device where the weights live
     * @param tensors name to float array; copied into the decoder
     * @return the decoder
     * @throws IllegalArgumentException naming a missing tensor or one of the wrong shape, before anything loads
     */
    public static CausalDecoder fromTensors(DecoderConfig config, Device device, Map<String, NDArray> tensors) {
        CausalDecoder d = new CausalDecoder(config, NDManager.newBaseManager(device));
        try {
            Map<String, NDArray> canonical = new LinkedHashMap<>();
            for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
                canonical.put(d.canonicalName(e.getKey()), e.getValue());
            }
            Map<String, Shape> expected = d.expectedShapes();
            for (Map.Entry<String, Shape> e : expected.entrySet()) {
                NDArray a = canonical.get(e.getKey());
                if (a == null) {
                    throw new IllegalArgumentException("checkpoint is missing tensor '" + e.getKey()
                            + "' with shape " + e.getValue());
                }
                if (!a.getShape().equals(e.getValue())) {
                    throw new IllegalArgumentException("tensor '" + e.getKey() + "' has shape " + a.getShape()
                            + ", expected " + e.getValue());
                }
            }
            for (Map.Entry<String, Shape> e : expected.entrySet()) {
                NDArray src = canonical.get(e.getKey());
                NDArray copy = d.manager.create(src.toType(DataType.FLOAT32, false).toFloatArray(), e.getValue());
                d.put(e.getKey(), copy);
            }
            return d;
        } catch (RuntimeException e) {
            d.close();
            throw e;
        }
    }

    /**
     * Whether a tensor name found in a checkpoint may be left unused (buffers HuggingFace stores, a duplicate tied
     * lm_head).
     *
     * @param name the tensor name
     * @return true when the decoder does not need it
     */
    public boolean ignorable(String name) {
        String n = canonicalName(name);
        return n.endsWith(".attn.bias") || n.endsWith(".attn.masked_bias") || n.endsWith("rotary_emb.inv_freq")
                || n.equals("lm_head.weight") && config.tieWordEmbeddings();
    }

    private void put(String name, NDArray array) {
        array.setName(name);
        Parameter p = Parameter.builder().setName(name).setType(parameterType(name)).build();
        p.setArray(array);
        parameters.put(name, p);
    }

    private static Parameter.Type parameterType(String name) {
        return name.endsWith(".bias") ? Parameter.Type.BIAS : Parameter.Type.WEIGHT;
    }

    private static double gaussian(SplittableRandom rng) {
        double u1 = rng.nextDouble();
        double u2 = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }

    /**
     * The canonical (prefixed HuggingFace) name of a tensor name found in a checkpoint.
     *
     * @param name a name with or without the {@code transformer.} / {@code model.} prefix
     * @return the canonical name
     */
    public String canonicalName(String name) {
        if (name.startsWith(prefix) || name.startsWith("lm_head.")) {
            return name;
        }
        return prefix + name;
    }

    /**
     * The tensors this architecture needs, with their shapes, in a stable order.
     *
     * @return name to shape
     */
    public Map<String, Shape> expectedShapes() {
        DecoderConfig c = config;
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
                m.put(p + "self_attn.q_proj.weight", new Shape(q, h));
                m.put(p + "self_attn.k_proj.weight", new Shape(kv, h));
                m.put(p + "self_attn.v_proj.weight", new Shape(kv, h));
                if (c.attentionBias()) {
                    m.put(p + "self_attn.q_proj.bias", new Shape(q));
                    m.put(p + "self_attn.k_proj.bias", new Shape(kv));
                    m.put(p + "self_attn.v_proj.bias", new Shape(kv));
                }
                m.put(p + "self_attn.o_proj.weight", new Shape(h, q));
                m.put(p + "post_attention_layernorm.weight", new Shape(h));
                m.put(p + "mlp.gate_proj.weight", new Shape(c.intermediateSize(), h));
                m.put(p + "mlp.up_proj.weight", new Shape(c.intermediateSize(), h));
                m.put(p + "mlp.down_proj.weight", new Shape(h, c.intermediateSize()));
            }
            m.put("model.norm.weight", new Shape(h));
            if (!c.tieWordEmbeddings()) {
                m.put("lm_head.weight", new Shape(c.vocabSize(), h));
            }
        }
        return m;
    }

    /**
     * The architecture.
     *
     * @return the config
     */
    public DecoderConfig config() {
        return config;
    }

    /**
     * The manager that owns the weights.
     *
     * @return the manager
     */
    public NDManager manager() {
        return manager;
    }

    /**
     * The weights by canonical HuggingFace name, in a stable order.
     *
     * @return an unmodifiable view
     */
    public Map<String, Parameter> parameters() {
        return Collections.unmodifiableMap(parameters);
    }

    /**
     * One weight array.
     *
     * @param name canonical name
     * @return the array
     */
    public NDArray weight(String name) {
        Parameter p = parameters.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no weight named '" + name + "'");
        }
        return p.getArray();
    }

    /**
     * The token embedding matrix, (vocab, H).
     *
     * @return the array
     */
    public NDArray tokenEmbedding() {
        return weight(config.architecture() == Architecture.GPT2 ? "transformer.wte.weight"
                : "model.embed_tokens.weight");
    }

    /**
     * The output projection, (vocab, H): the token embedding when tied.
     *
     * @return the array
     */
    public NDArray lmHeadWeight() {
        return config.tieWordEmbeddings() || config.architecture() == Architecture.GPT2 ? tokenEmbedding()
                : weight("lm_head.weight");
    }

    /**
     * Replaces the vocabulary matrices with ones of {@code newVocab} rows: existing rows are kept, new rows are
     * initialised to the mean of the existing rows (so a new token starts as an "average" token).
     *
     * @param newVocab the new vocabulary size, at least the current one
     * @return a new decoder sharing nothing with this one (this one is left unchanged)
     */
    public CausalDecoder withVocabSize(int newVocab) {
        if (newVocab < config.vocabSize()) {
            throw new IllegalArgumentException("cannot shrink the vocabulary from " + config.vocabSize() + " to "
                    + newVocab);
        }
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        try (NDManager tmp = manager.newSubManager()) {
            for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
                NDArray a = e.getValue().getArray();
                if (e.getKey().endsWith("wte.weight") || e.getKey().endsWith("embed_tokens.weight")
                        || e.getKey().equals("lm_head.weight")) {
                    NDArray extra = a.mean(new int[] {0}, true).repeat(0, newVocab - config.vocabSize());
                    extra.attach(tmp);
                    NDArray grown = NDArrays.concat(new ai.djl.ndarray.NDList(a, extra), 0);
                    grown.attach(tmp);
                    tensors.put(e.getKey(), grown);
                } else {
                    tensors.put(e.getKey(), a);
                }
            }
            return fromTensors(config.withVocabSize(newVocab), manager.getDevice(), tensors);
        }
    }

    /**
     * Looks up token embeddings.
     *
     * @param ids token ids, (batch, length), integer type
     * @return embeddings, (batch, length, H), attached to the ids' manager
     * @throws IllegalArgumentException when an id is outside the vocabulary
     */
    public NDArray embed(NDArray ids) {
        checkIds(ids);
        return lookup(tokenEmbedding(), ids);
    }

    /**
     * Projects final-norm hidden states to vocabulary logits.
     *
     * @param hidden (..., H)
     * @return logits, (..., vocab)
     */
    public NDArray logits(NDArray hidden) {
        return hidden.matMul(local(lmHeadWeight().transpose(), hidden.getManager()));
    }

    /**
     * Runs the decoder on token ids with a plain causal mask and consecutive positions after the cache.
     *
     * @param ids (batch, length) token ids
     * @param past cache to attend to, or null
     * @return hidden states and the extended cache
     */
    public DecoderOutput forward(NDArray ids, KvCache past) {
        long b = ids.getShape().get(0);
        long l = ids.getShape().get(1);
        long offset = past == null ? 0 : past.length();
        NDManager m = ids.getManager();
        NDArray positions = m.arange(offset, offset + l).toType(DataType.INT64, false).reshape(1, l)
                .repeat(0, b);
        NDArray mask = Masks.causal(m, b, l, offset);
        return forward(embed(ids), positions, mask, past);
    }

    /**
     * Runs the decoder on input embeddings with explicit positions and an additive mask.
     *
     * @param inputEmbeds (batch, length, H)
     * @param positionIds (batch, length), integer type
     * @param mask additive mask, (batch, 1, length, past + length): 0 where a query may attend to a key, a large
     *     negative value where not
     * @param past cache to attend to (its keys come first in the mask's last axis), or null
     * @return final-norm hidden states and the extended cache
     * @throws IllegalArgumentException for wrong shapes or positions beyond the model's maximum
     */
    public DecoderOutput forward(NDArray inputEmbeds, NDArray positionIds, NDArray mask, KvCache past) {
        Shape es = inputEmbeds.getShape();
        if (es.dimension() != 3 || es.get(2) != config.hiddenSize()) {
            throw new IllegalArgumentException("input embeddings must have shape (batch, length, "
                    + config.hiddenSize() + "), was " + es);
        }
        long b = es.get(0);
        long l = es.get(1);
        long pastLen = past == null ? 0 : past.length();
        if (past != null && past.batchSize() != b) {
            throw new IllegalArgumentException("cache batch size " + past.batchSize() + " does not match input batch "
                    + b);
        }
        if (!positionIds.getShape().equals(new Shape(b, l))) {
            throw new IllegalArgumentException("position ids must have shape " + new Shape(b, l) + ", was "
                    + positionIds.getShape());
        }
        Shape expectedMask = new Shape(b, 1, l, pastLen + l);
        if (!mask.getShape().equals(expectedMask)) {
            throw new IllegalArgumentException("attention mask must have shape (batch, 1, length, cached + length) = "
                    + expectedMask + ", was " + mask.getShape());
        }
        checkPositions(positionIds);
        NDArray pos = positionIds.toType(DataType.INT64, false);
        return layers(inputEmbeds, pos, dense(mask, past));
    }

    /** Runs every block and the final norm; returns the hidden states and the keys/values each layer kept. */
    private DecoderOutput layers(NDArray embeddings, NDArray pos, Attend attend) {
        NDArray x = embeddings;
        NDArray cos = null;
        NDArray sin = null;
        if (config.architecture() == Architecture.GPT2) {
            x = x.add(lookup(weight("transformer.wpe.weight"), pos));
        } else {
            NDArray[] cs = Rope.cosSin(pos, config.headDim(), config.ropeTheta());
            cos = cs[0];
            sin = cs[1];
        }
        List<NDArray> keys = new ArrayList<>();
        List<NDArray> values = new ArrayList<>();
        for (int i = 0; i < config.layers(); i++) {
            NDArray[] out = config.architecture() == Architecture.GPT2
                    ? gpt2Block(i, x, attend)
                    : llamaBlock(i, x, attend, cos, sin);
            x = out[0];
            keys.add(out[1]);
            values.add(out[2]);
        }
        NDArray hidden = config.architecture() == Architecture.GPT2
                ? layerNorm(x, "transformer.ln_f.")
                : rmsNorm(x, "model.norm.weight");
        return new DecoderOutput(hidden, new KvCache(keys, values));
    }

    /**
     * One pass of parallel thought generation with element-wise diagonal attention (DESIGN section 3.2, the
     * memory-saving variant): every query at position i attends densely to the real keys (under {@code realMask})
     * and, through per-position dot products, to the keys of its own position in each earlier thought pass and in
     * this pass. Costs O(L * k * d) for the thought part instead of the O(L^2 * k * d) of a dense mask over all
     * passes, and gives the same numbers as {@link #forward(NDArray, NDArray, NDArray, KvCache)} with the dense
     * block-diagonal mask.
     *
     * @param inputEmbeds (R, L, H) the tokens of this pass, one per position
     * @param positionIds (R, L) their positions
     * <p>As in the official code, whose thought-pass diagonal is {@code eye * attention_mask}, a position whose own
     * token is padding sees none of its thought chain (not even the current pass's own key): {@code ownMask} holds
     * {@link #MASKED} there, and such a query attends to the real prefix only.
     *
     * @param inputEmbeds (R, L, H) the tokens of this pass, one per position
     * @param positionIds (R, L) their positions
     * @param realMask (R, 1, L, L) the base pass's causal/padding mask
     * @param ownMask (R, 1, L, 1) additive mask of each position's own thought keys: 0 where the position's token
     *     is real, {@link #MASKED} where it is padding (see {@link Masks#ownThoughtMask})
     * @param cache the real keys (base pass) and the keys of the earlier thought passes
     * @return hidden states and the cache extended with this pass
     */
    public ThoughtPassOutput forwardThoughtPass(NDArray inputEmbeds, NDArray positionIds, NDArray realMask,
            NDArray ownMask, ThoughtCache cache) {
        long len = inputEmbeds.getShape().get(1);
        if (cache.real().length() != len) {
            throw new IllegalArgumentException("the real cache holds " + cache.real().length()
                    + " positions, the thought pass has " + len);
        }
        Shape expectedOwn = new Shape(inputEmbeds.getShape().get(0), 1, len, 1);
        if (!ownMask.getShape().equals(expectedOwn)) {
            throw new IllegalArgumentException("own-thought mask must have shape (rows, 1, length, 1) = "
                    + expectedOwn + ", was " + ownMask.getShape());
        }
        checkPositions(positionIds);
        int groups = config.heads() / config.kvHeads();
        DecoderOutput out = layers(inputEmbeds, positionIds.toType(DataType.INT64, false), (i, q, k, v) -> {
            NDArray kr = repeatKv(cache.real().keys().get(i), groups);
            NDArray vr = repeatKv(cache.real().values().get(i), groups);
            double scale = Math.sqrt(q.getShape().get(3));
            NDArray realScores = Ops.div(q.matMul(kr.transpose(0, 1, 3, 2)), scale).add(realMask);
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
            NDArray diagScores = Ops.div(q.expandDims(3).mul(kd).sum(new int[] {4}), scale)
                    .add(ownMask); // (R, nh, L, P); a pad position's own chain is hidden
            NDArray probs = NDArrays.concat(new ai.djl.ndarray.NDList(realScores, diagScores), 3).softmax(-1);
            NDArray pReal = probs.get(":, :, :, 0:" + len);
            NDArray pDiag = probs.get(":, :, :, " + len + ":");
            NDArray ctx = pReal.matMul(vr).add(pDiag.expandDims(-1).mul(vd).sum(new int[] {3}));
            Shape s = ctx.getShape();
            NDArray merged = ctx.transpose(0, 2, 1, 3).reshape(s.get(0), s.get(2), s.get(1) * s.get(3));
            return new NDArray[] {merged, k, v};
        });
        List<KvCache> passes = new ArrayList<>(cache.passes());
        passes.add(out.cache());
        return new ThoughtPassOutput(out.hidden(), new ThoughtCache(cache.real(), passes));
    }

    private void checkPositions(NDArray positionIds) {
        long maxPos = positionIds.max().toType(DataType.INT64, false).getLong();
        long minPos = positionIds.min().toType(DataType.INT64, false).getLong();
        if (minPos < 0 || maxPos >= config.maxPositions()) {
            throw new IllegalArgumentException("position ids must be in 0.." + (config.maxPositions() - 1)
                    + " (the model's max positions), were " + minPos + ".." + maxPos
                    + ": the sequence plus thoughts is longer than the model's context");
        }
    }

    /** Attention of one layer given its queries and new keys/values: returns {context, keys to keep, values}. */
    @FunctionalInterface
    private interface Attend {
        NDArray[] apply(int layer, NDArray q, NDArray k, NDArray v);
    }

    private Attend dense(NDArray mask, KvCache past) {
        int groups = config.heads() / config.kvHeads();
        return (i, q, k, v) -> {
            if (past != null) {
                k = NDArrays.concat(new ai.djl.ndarray.NDList(past.keys().get(i), k), 2);
                v = NDArrays.concat(new ai.djl.ndarray.NDList(past.values().get(i), v), 2);
            }
            return new NDArray[] {attention(q, repeatKv(k, groups), repeatKv(v, groups), mask), k, v};
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
        NDArray q = linear(a, p + "self_attn.q_proj", config.attentionBias()).reshape(b, l, nh, hd)
                .transpose(0, 2, 1, 3);
        NDArray k = linear(a, p + "self_attn.k_proj", config.attentionBias()).reshape(b, l, nkv, hd)
                .transpose(0, 2, 1, 3);
        NDArray v = linear(a, p + "self_attn.v_proj", config.attentionBias()).reshape(b, l, nkv, hd)
                .transpose(0, 2, 1, 3);
        q = Rope.apply(q, cos, sin);
        k = Rope.apply(k, cos, sin);
        NDArray[] ctx = attend.apply(i, q, k, v);
        NDArray attn = linear(ctx[0], p + "self_attn.o_proj", false);
        NDArray x1 = x.add(attn);
        NDArray n = rmsNorm(x1, p + "post_attention_layernorm.weight");
        NDArray gate = linear(n, p + "mlp.gate_proj", false);
        NDArray up = linear(n, p + "mlp.up_proj", false);
        NDArray act = gate.mul(sigmoid(gate)).mul(up);
        return new NDArray[] {x1.add(linear(act, p + "mlp.down_proj", false)), ctx[1], ctx[2]};
    }

    /** Scaled dot-product attention; q (b, nh, l, hd), k and v (b, nh, K, hd), mask (b, 1, l, K). */
    private static NDArray attention(NDArray q, NDArray k, NDArray v, NDArray mask) {
        long b = q.getShape().get(0);
        long nh = q.getShape().get(1);
        long l = q.getShape().get(2);
        long hd = q.getShape().get(3);
        NDArray scores = Ops.div(q.matMul(k.transpose(0, 1, 3, 2)), Math.sqrt(hd)).add(mask);
        NDArray probs = scores.softmax(-1);
        return probs.matMul(v).transpose(0, 2, 1, 3).reshape(b, l, nh * hd);
    }

    private static NDArray repeatKv(NDArray kv, int groups) {
        if (groups == 1) {
            return kv;
        }
        Shape s = kv.getShape();
        return kv.expandDims(2).repeat(2, groups).reshape(s.get(0), s.get(1) * groups, s.get(2), s.get(3));
    }

    private NDArray linear(NDArray x, String name, boolean bias) {
        NDArray y = x.matMul(local(weight(name + ".weight").transpose(), x.getManager()));
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
        return x.div(Ops.add(ms, config.normEps()).sqrt()).mul(weight(name));
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
    private static NDArray lookup(NDArray table, NDArray ids) {
        PtNDArray idx = (PtNDArray) ids.toType(DataType.INT64, false);
        return local(JniUtils.embedding(idx, (PtNDArray) table, false), ids.getManager());
    }

    /** Moves an array a weight operation created into the caller's manager, so closing that manager frees it. */
    private static NDArray local(NDArray created, NDManager scope) {
        created.attach(scope);
        return created;
    }

    private void checkIds(NDArray ids) {
        if (ids.getShape().dimension() != 2) {
            throw new IllegalArgumentException("token ids must have shape (batch, length), was " + ids.getShape());
        }
        if (ids.getDataType().isFloating()) {
            throw new IllegalArgumentException("token ids must be an integer array, was " + ids.getDataType());
        }
        if (ids.size() == 0) {
            throw new IllegalArgumentException("token ids must not be empty");
        }
        long max = ids.max().toType(DataType.INT64, false).getLong();
        long min = ids.min().toType(DataType.INT64, false).getLong();
        if (min < 0 || max >= config.vocabSize()) {
            throw new IllegalArgumentException("token ids must be in 0.." + (config.vocabSize() - 1)
                    + " (the vocabulary), found " + (min < 0 ? min : max));
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
