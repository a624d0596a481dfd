package dev.quietstar.djl.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A causal transformer decoder (GPT-2 or Llama family, Gemma 3 included) on DJL, with the inputs Quiet-STaR needs
 * and inference APIs hide: input embeddings instead of ids, explicit position ids, an additive 4-D attention mask over
 * cached plus new keys, and a key/value cache that stays in the autograd graph.
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

    static {
        // Offline mode and DJL's cache folder are set before this class can touch DJL (see DjlEngines#configure).
        dev.quietstar.djl.DjlEngines.configure();
    }

    /** Additive mask value of a hidden key: large and finite, so a row with no visible key gives no NaN. */
    public static final float MASKED = -1e9f;

    private final DecoderConfig config;
    private final NDManager manager;
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private final String prefix;
    private final TransformerBlocks blocks;
    private final DecoderInputs inputs;

    private CausalDecoder(DecoderConfig config, NDManager manager) {
        this.config = Objects.requireNonNull(config, "config");
        this.manager = manager;
        this.prefix = config.architecture() == Architecture.GPT2 ? "transformer." : "model.";
        this.blocks = new TransformerBlocks(this, config);
        this.inputs = new DecoderInputs(config);
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
        try (NDManager tmp = NDManager.newBaseManager(device)) {
            return adopt(config, device, RandomWeights.of(config, tmp, seed));
        }
    }

    /**
     * Creates a decoder from named arrays (HuggingFace names, with or without the {@code transformer.} /
     * {@code model.} prefix). Every expected tensor must be present with its exact shape; another tensor is refused
     * unless {@link #ignorable(String)} lists it or it is one of Quiet-STaR's ({@code quietstar.*}).
     *
     * @param config the architecture
     * @param device where the weights live
     * @param tensors name to float array; copied into the decoder
     * @return the decoder
     * @throws IllegalArgumentException naming a missing tensor or one of the wrong shape, before anything loads
     */
    public static CausalDecoder fromTensors(DecoderConfig config, Device device, Map<String, NDArray> tensors) {
        return build(config, device, tensors, false);
    }

    /**
     * Like {@link #fromTensors} but takes the arrays over instead of copying them where they are already float32 on
     * the device: a loader whose arrays were read only for this decoder then holds the weights once, not twice.
     * The arrays taken over move to the decoder's manager; closing their old manager no longer frees them.
     *
     * @param config the architecture
     * @param device where the weights live
     * @param tensors name to array, read for this decoder alone
     * @return the decoder
     * @throws IllegalArgumentException naming a missing tensor or one of the wrong shape, before anything loads
     */
    public static CausalDecoder adopt(DecoderConfig config, Device device, Map<String, NDArray> tensors) {
        return build(config, device, tensors, true);
    }

    static CausalDecoder build(DecoderConfig config, Device device, Map<String, NDArray> tensors,
            boolean adopt) {
        CausalDecoder d = new CausalDecoder(config, NDManager.newBaseManager(device));
        try {
            Map<String, NDArray> canonical = new LinkedHashMap<>();
            Map<String, Shape> expected = d.expectedShapes();
            for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
                if (e.getKey().startsWith("quietstar.")) {
                    continue; // Quiet-STaR's own tensors (meta-tokens, mixing head) are read by the model
                }
                String name = d.canonicalName(e.getKey());
                if (!expected.containsKey(name) && !d.ignorable(e.getKey())) {
                    // A weight the decoder would not use means config.json describes another model (a bias it does
                    // not name, a layer too many): running without it would compute something else silently.
                    throw new IllegalArgumentException("tensor '" + e.getKey() + "' is not part of the "
                            + config.modelType() + " decoder that config.json describes; refusing to run the model "
                            + "without it");
                }
                canonical.put(name, e.getValue());
            }
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
                if (!a.getDataType().isFloating()) {
                    // Integer weights would be cast to floats and run as a different model without a word.
                    throw new IllegalArgumentException("tensor '" + e.getKey() + "' holds " + a.getDataType()
                            + " values; weights must be floating point (F32, F16 or BF16)");
                }
            }
            for (Map.Entry<String, Shape> e : expected.entrySet()) {
                NDArray src = canonical.get(e.getKey());
                NDArray copy;
                if (adopt && src.getDataType() == DataType.FLOAT32 && src.getDevice().equals(device)) {
                    src.attach(d.manager);
                    copy = src;
                } else {
                    // A native copy: no trip through a Java array of the whole tensor.
                    copy = src.getDataType() == DataType.FLOAT32 ? src.duplicate()
                            : src.toType(DataType.FLOAT32, false);
                    if (!copy.getDevice().equals(device)) {
                        copy = copy.toDevice(device, false);
                    }
                    copy.attach(d.manager);
                }
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
        return DecoderLayout.expectedShapes(config);
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
        return VocabularyGrowth.grow(this, newVocab, false);
    }

    /**
     * Like {@link #withVocabSize} but without a second copy of the weights: the new decoder takes this one's
     * arrays over (only the vocabulary matrices are new) and this decoder is closed. Loading a model and adding the
     * meta-tokens then needs the weights' memory once, not twice.
     *
     * @param newVocab the new vocabulary size, at least the current one
     * @return the new decoder; this one is closed and must not be used again
     */
    public CausalDecoder grownTo(int newVocab) {
        try {
            return VocabularyGrowth.grow(this, newVocab, true);
        } finally {
            close();
        }
    }

    /**
     * Looks up token embeddings, as the first block receives them: multiplied by
     * {@link dev.quietstar.core.checkpoint.DecoderSpec#embeddingScale()} (Gemma's sqrt(H); 1 for the others).
     *
     * @param ids token ids, (batch, length), integer type
     * @return embeddings, (batch, length, H), attached to the ids' manager
     * @throws IllegalArgumentException when an id is outside the vocabulary
     */
    public NDArray embed(NDArray ids) {
        inputs.checkIds(ids);
        return embedChecked(ids);
    }

    /**
     * Like {@link #embed(NDArray)} for ids the caller holds in Java (a decode step's): they are checked there, with
     * no round trip to the engine.
     *
     * @param scope manager of the result
     * @param ids token ids, row-major
     * @param rows batch
     * @param length tokens per row
     * @return embeddings, (rows, length, H)
     * @throws IllegalArgumentException when an id is outside the vocabulary or the counts do not match
     */
    public NDArray embed(NDManager scope, long[] ids, int rows, int length) {
        inputs.checkIds(ids, rows, length);
        return embedChecked(EngineArrays.of(scope, ids, new Shape(rows, length)));
    }

    private NDArray embedChecked(NDArray ids) {
        NDArray rows = TransformerBlocks.lookup(tokenEmbedding(), ids);
        float scale = config.spec().embeddingScale();
        return scale == 1f ? rows : Ops.mul(rows, scale);
    }

    /**
     * What a looked-up embedding row is multiplied by before the first block (see {@link #embed}).
     *
     * @return Gemma's sqrt(H) in float32, else 1
     */
    public float embeddingScale() {
        return config.spec().embeddingScale();
    }

    /**
     * Projects final-norm hidden states to vocabulary logits.
     *
     * @param hidden (..., H)
     * @return logits, (..., vocab)
     */
    public NDArray logits(NDArray hidden) {
        return hidden.matMul(TransformerBlocks.local(lmHeadWeight().transpose(), hidden.getManager()));
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
        inputs.checkShapes(inputEmbeds, positionIds, mask, past);
        inputs.checkPositions(positionIds);
        return blocks.layers(inputEmbeds, positionIds.toType(DataType.INT64, false), blocks.dense(mask, past));
    }

    /**
     * Like {@link #forward(NDArray, NDArray, NDArray, KvCache)} with position ids the caller holds in Java (a decode
     * step's): they are checked there, with no round trip to the engine.
     *
     * @param inputEmbeds (batch, length, H)
     * @param positionIds (batch, length) positions, row-major
     * @param mask additive mask, (batch, 1, length, past + length)
     * @param past cache to attend to, or null
     * @return final-norm hidden states and the extended cache
     * @throws IllegalArgumentException for wrong shapes or positions beyond the model's maximum
     */
    public DecoderOutput forward(NDArray inputEmbeds, long[] positionIds, NDArray mask, KvCache past) {
        Shape es = inputEmbeds.getShape();
        inputs.checkPositions(positionIds, es);
        NDArray pos = EngineArrays.of(inputEmbeds.getManager(), positionIds, new Shape(es.get(0), es.get(1)));
        inputs.checkShapes(inputEmbeds, pos, mask, past);
        return blocks.layers(inputEmbeds, pos, blocks.dense(mask, past));
    }

    /**
     * One pass of parallel thought generation with element-wise diagonal attention (docs/algorithm.md section 2, the
     * memory-saving variant): every query at position i attends densely to the real keys (under {@code realMask})
     * and, through per-position dot products, to the keys of its own position in each earlier thought pass and in
     * this pass. Costs O(L * k * d) for the thought part instead of the O(L^2 * k * d) of a dense mask over all
     * passes, and gives the same numbers as {@link #forward(NDArray, NDArray, NDArray, KvCache)} with the dense
     * block-diagonal mask.
     *
     * <p>As in the official code, whose thought-pass diagonal is {@code eye * attention_mask}, a position whose own
     * token is padding sees none of its thought chain (not even the current pass's own key): {@code ownMask} holds
     * {@link #MASKED} there, and such a query attends to the real prefix only.
     *
     * <p>A pass may think at Q of the L positions (Q = L when all think): query q's row of {@code realMask} says
     * which real keys it sees, and its own key in every pass is that pass's q-th.
     *
     * @param inputEmbeds (R, Q, H) the tokens of this pass, one per thinking position
     * @param positionIds (R, Q) their positions
     * @param realMask (R, 1, Q, L) the real keys each query sees (every position: the base pass's mask)
     * @param ownMask (R, 1, Q, 1) additive mask of each query's own thought keys: 0 where the position's token
     *     is real, {@link #MASKED} where it is padding (see {@link Masks#ownThoughtMask})
     * @param cache the real keys (base pass) and the keys of the earlier thought passes
     * @return hidden states and the cache extended with this pass
     */
    public ThoughtPassOutput forwardThoughtPass(NDArray inputEmbeds, NDArray positionIds, NDArray realMask,
            NDArray ownMask, ThoughtCache cache) {
        long queries = inputEmbeds.getShape().get(1);
        long len = cache.real().length();
        Shape expectedReal = new Shape(inputEmbeds.getShape().get(0), 1, queries, len);
        Shape expectedOwn = new Shape(inputEmbeds.getShape().get(0), 1, queries, 1);
        if (!realMask.getShape().equals(expectedReal) || !ownMask.getShape().equals(expectedOwn)) {
            throw new IllegalArgumentException("real and own-thought masks must have shapes (rows, 1, queries, "
                    + "cached) = " + expectedReal + " and " + expectedOwn + ", were " + realMask.getShape() + " and "
                    + ownMask.getShape());
        }
        inputs.checkPositions(positionIds);
        DecoderOutput out = blocks.layers(inputEmbeds, positionIds.toType(DataType.INT64, false),
                blocks.diagonal(cache, realMask, ownMask, len));
        List<KvCache> passes = new ArrayList<>(cache.passes());
        passes.add(out.cache());
        return new ThoughtPassOutput(out.hidden(), new ThoughtCache(cache.real(), passes));
    }

    @Override
    public void close() {
        manager.close();
    }
}
