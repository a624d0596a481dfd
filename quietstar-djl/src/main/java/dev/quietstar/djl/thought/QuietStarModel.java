package dev.quietstar.djl.thought;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.core.gate.ThinkingGate;
import dev.quietstar.core.io.AtomicFolder;
import dev.quietstar.core.text.TextTokenizer;
import dev.quietstar.djl.model.CausalDecoder;
import dev.quietstar.djl.model.EngineArrays;
import dev.quietstar.djl.model.HfTextTokenizer;
import dev.quietstar.djl.model.HuggingFaceModels;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A causal decoder equipped for Quiet-STaR: the decoder, the two meta-tokens, the mixing head, the tokenizer and
 * the configuration, saved and loaded together as a checkpoint folder (docs/training.md).
 *
 * <p>Checkpoint folder: {@code model.safetensors} (decoder weights in HuggingFace names plus
 * {@code quietstar.start_embedding}, {@code quietstar.end_embedding} and {@code quietstar.mixing_head.*}),
 * {@code config.json}, {@code quietstar.json} (Quiet-STaR config, meta-token ids, initialised flag) and
 * {@code tokenizer.json}. Writes are atomic: a crash never leaves a half-written folder in place.
 */
public final class QuietStarModel implements AutoCloseable {

    static {
        // Offline mode and DJL's cache folder are set before this class can touch DJL (see DjlEngines#configure).
        dev.quietstar.djl.DjlEngines.configure();
    }

    /** Name of the special token that starts a thought when the tokenizer lacks one of its own. */
    public static final String START_TOKEN = "<|startofthought|>";
    /** Name of the special token that ends a thought when the tokenizer lacks one of its own. */
    public static final String END_TOKEN = "<|endofthought|>";
    /** Version of the {@code quietstar.json} layout. */
    public static final int FORMAT_VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final CausalDecoder decoder;
    private MetaTokens metaTokens;
    private final MlpMixingHead mixingHead;
    private final TextTokenizer tokenizer;
    private final QuietStarConfig config;
    private final NDManager manager;
    private volatile ThinkingGate thinkingGate;
    private volatile Path origin;

    /**
     * What {@code quietstar.json} holds.
     *
     * @param formatVersion layout version
     * @param config the Quiet-STaR configuration
     * @param startTokenId id of the start-of-thought token
     * @param endTokenId id of the end-of-thought token
     * @param metaTokensInitialised whether the meta-token embeddings were initialised (a reload never
     *     re-initialises them)
     * @param tokenizerType {@code byte-level} or {@code huggingface}
     * @param appendedTokens tokens appended to a HuggingFace vocabulary, name to id
     */
    public record Metadata(@JsonProperty("format_version") int formatVersion,
            @JsonProperty("config") QuietStarConfig config,
            @JsonProperty("start_token_id") int startTokenId,
            @JsonProperty("end_token_id") int endTokenId,
            @JsonProperty("meta_tokens_initialised") boolean metaTokensInitialised,
            @JsonProperty("tokenizer_type") String tokenizerType,
            @JsonProperty("appended_tokens") Map<String, Integer> appendedTokens) {}

    QuietStarModel(CausalDecoder decoder, MetaTokens metaTokens, MlpMixingHead mixingHead,
            TextTokenizer tokenizer, QuietStarConfig config, NDManager manager) {
        this.decoder = decoder;
        this.metaTokens = metaTokens;
        this.mixingHead = mixingHead;
        this.tokenizer = tokenizer;
        this.config = config;
        this.manager = manager;
    }

    /**
     * Equips a decoder for Quiet-STaR: finds or appends the two meta-tokens (a vocabulary without them grows by
     * two rows), initialises them from the embedding of {@code config.metaTokenInit()}, and adds a mixing head whose
     * last layer is zero.
     *
     * @param decoder the decoder; owned by the model from now on (it may be replaced by a grown copy)
     * @param tokenizer the tokenizer
     * @param config the configuration
     * @param seed seed of the mixing head's initialisation
     * @return the model
     */
    public static QuietStarModel create(CausalDecoder decoder, TextTokenizer tokenizer, QuietStarConfig config,
            long seed) {
        Objects.requireNonNull(config, "config");
        OptionalInt start = tokenizer.tokenId(START_TOKEN);
        OptionalInt end = tokenizer.tokenId(END_TOKEN);
        CausalDecoder d = decoder;
        TextTokenizer tok = tokenizer;
        int startId;
        int endId;
        if (start.isPresent() && end.isPresent()) {
            startId = start.getAsInt();
            endId = end.getAsInt();
            if (Math.max(startId, endId) >= d.config().vocabSize()) {
                throw new IllegalArgumentException("the tokenizer's meta-token ids " + startId + "/" + endId
                        + " lie outside the model's vocabulary of " + d.config().vocabSize());
            }
        } else if (tokenizer instanceof HfTextTokenizer hf) {
            int v = d.config().vocabSize();
            startId = v;
            endId = v + 1;
            d = decoder.grownTo(v + 2);
            tok = hf.withAppended(Map.of(START_TOKEN, startId, END_TOKEN, endId));
        } else {
            throw new IllegalArgumentException("the tokenizer has no " + START_TOKEN + "/" + END_TOKEN
                    + " tokens and cannot be extended");
        }
        return equip(d, tok, startId, endId, config, seed);
    }

    /**
     * Opens a HuggingFace folder as a thinking model: like {@link #create} on {@link HuggingFaceModels#load}, but
     * when the tokenizer lacks the meta-tokens their two rows are made at load, in place, instead of growing the
     * vocabulary matrices afterwards, so the load holds each weight once.
     *
     * @param folder the model folder
     * @param tokenizer its tokenizer; owned by the model from now on
     * @param device where the weights go
     * @param config the configuration
     * @param seed seed of the mixing head's initialisation
     * @return the model; on error nothing stays loaded (the tokenizer is the caller's to close)
     */
    public static QuietStarModel fromHuggingFace(Path folder, HfTextTokenizer tokenizer, Device device,
            QuietStarConfig config, long seed) {
        Objects.requireNonNull(config, "config");
        boolean hasMeta = tokenizer.tokenId(START_TOKEN).isPresent() && tokenizer.tokenId(END_TOKEN).isPresent();
        CausalDecoder d = HuggingFaceModels.load(folder, device, hasMeta ? 0 : 2);
        try {
            if (hasMeta) {
                return create(d, tokenizer, config, seed);
            }
            int v = d.config().vocabSize() - 2;
            return equip(d, tokenizer.withAppended(Map.of(START_TOKEN, v, END_TOKEN, v + 1)), v, v + 1, config,
                    seed);
        } catch (RuntimeException e) {
            d.close();
            throw e;
        }
    }

    /** Initialises the meta-token embeddings and a mixing head for a decoder whose vocabulary holds both ids. */
    private static QuietStarModel equip(CausalDecoder d, TextTokenizer tok, int startId, int endId,
            QuietStarConfig config, long seed) {
        int[] initIds = tok.encode(config.metaTokenInit());
        NDManager m = d.manager();
        MetaTokens meta = MetaTokens.initialise(m, d.tokenEmbedding(), d.embeddingScale(), initIds, startId, endId,
                config.metaTokenScale());
        MlpMixingHead head = MlpMixingHead.initialise(m, d.config().hiddenSize(), seed);
        return new QuietStarModel(d, meta, head, tok, config, m);
    }

    /**
     * Loads a checkpoint folder.
     *
     * @param folder the folder
     * @param device where the weights go
     * @return the model
     * @throws IllegalArgumentException naming the missing file or tensor; nothing is half-loaded
     */
    public static QuietStarModel load(Path folder, Device device) {
        return CheckpointLoading.load(folder, device);
    }

    /**
     * Re-initialises the two meta-tokens from the mean embeddings of two texts, for example the brackets that delimit
     * written scratchpads in the training data ({@code "["} and {@code "]"}), so that a thought starts and ends the
     * way written reasoning does.
     *
     * @param startText text whose token embeddings start the start-of-thought vector
     * @param endText text whose token embeddings start the end-of-thought vector
     */
    public void reinitialiseMetaTokens(String startText, String endText) {
        MetaTokens start = MetaTokens.initialise(manager, decoder.tokenEmbedding(), decoder.embeddingScale(),
                tokenizer.encode(startText), metaTokens.startId(), metaTokens.endId(), metaTokens.scale());
        MetaTokens end = MetaTokens.initialise(manager, decoder.tokenEmbedding(), decoder.embeddingScale(),
                tokenizer.encode(endText), metaTokens.startId(), metaTokens.endId(), metaTokens.scale());
        try (NDManager scope = manager.newSubManager()) {
            this.metaTokens = MetaTokens.restore(manager, start.startEmbedding(scope), end.endEmbedding(scope),
                    metaTokens.startId(), metaTokens.endId(), metaTokens.scale());
        }
    }

    /**
     * Throws when any weight holds NaN or infinity, naming the tensor.
     *
     * @throws IllegalStateException naming the first non-finite tensor
     */
    public void checkFinite() {
        for (Map.Entry<String, Parameter> e : parameters().entrySet()) {
            NDArray a = e.getValue().getArray();
            try (NDManager tmp = manager.newSubManager()) {
                NDArray bad = a.isNaN().logicalOr(a.isInfinite()).any();
                bad.attach(tmp);
                if (bad.getBoolean()) {
                    throw new IllegalStateException("weight '" + e.getKey() + "' holds NaN or infinite values");
                }
            }
        }
    }

    /**
     * Writes the checkpoint folder atomically (temporary folder, then rename over {@code folder}).
     *
     * @param folder the destination
     * @param extra writes further files (for example the training state) into the temporary folder; may be null
     * @throws IOException when writing fails; an existing folder is then left as it was
     */
    public void save(Path folder, AtomicFolder.FolderWriter extra) throws IOException {
        save(folder, config, extra);
    }

    /**
     * Writes the checkpoint folder atomically with a given configuration in {@code quietstar.json} (a trainer
     * records the configuration it trained with).
     *
     * @param folder the destination
     * @param savedConfig the configuration to record
     * @param extra writes further files into the temporary folder; may be null
     * @throws IOException when writing fails; an existing folder is then left as it was
     */
    public void save(Path folder, QuietStarConfig savedConfig, AtomicFolder.FolderWriter extra) throws IOException {
        AtomicFolder.write(folder, tmp -> {
            writeTo(tmp, savedConfig);
            if (extra != null) {
                extra.writeTo(tmp);
            }
        });
    }

    /**
     * Writes the checkpoint files into a folder directly (not atomically; a trainer wraps this in its own atomic
     * write).
     *
     * @param tmp an existing empty folder
     * @param savedConfig the configuration to record in {@code quietstar.json}
     * @throws IOException when writing fails
     */
    public void writeTo(Path tmp, QuietStarConfig savedConfig) throws IOException {
        CheckpointFiles.write(this, thinkingGate, tmp, savedConfig, JSON);
    }

    /**
     * Input embeddings of token ids, with the learned vectors in place of the meta-tokens' embedding rows. The
     * vectors replace the rows after the decoder's embedding scale (Gemma's sqrt(H)): they are fed as they are.
     *
     * @param ids (rows, length) integer ids
     * @return (rows, length, H)
     */
    public NDArray inputEmbeddings(NDArray ids) {
        return withMetaEmbeddings(ids, decoder.embed(ids));
    }

    /**
     * Like {@link #inputEmbeddings(NDArray)} for ids the caller holds in Java (a decode step's): checked there, and
     * when none is a meta-token the looked-up rows are the result as they are (what replacing no row gives), which
     * saves the engine a dozen operations per token.
     *
     * @param scope manager of the result
     * @param ids token ids, row-major
     * @param rows batch
     * @param length tokens per row
     * @return (rows, length, H)
     */
    public NDArray inputEmbeddings(NDManager scope, long[] ids, int rows, int length) {
        NDArray e = decoder.embed(scope, ids, rows, length);
        for (long id : ids) {
            if (id == metaTokens.startId() || id == metaTokens.endId()) {
                return withMetaEmbeddings(EngineArrays.of(scope, ids, new Shape(rows, length)), e);
            }
        }
        return e;
    }

    private NDArray withMetaEmbeddings(NDArray ids, NDArray e) {
        NDManager scope = ids.getManager();
        NDArray isStart = ids.eq(metaTokens.startId()).toType(DataType.FLOAT32, false).expandDims(-1);
        NDArray isEnd = ids.eq(metaTokens.endId()).toType(DataType.FLOAT32, false).expandDims(-1);
        NDArray start = metaTokens.startEmbedding(scope);
        NDArray end = metaTokens.endEmbedding(scope);
        return e.add(start.sub(e).mul(isStart)).add(end.sub(e).mul(isEnd));
    }

    /**
     * An additive vector that removes the meta-tokens from a distribution: 0 everywhere, -1e10 at their ids.
     *
     * @param scope manager of the result
     * @return (vocab)
     */
    public NDArray metaTokenLogitMask(NDManager scope) {
        float[] mask = new float[decoder.config().vocabSize()];
        mask[metaTokens.startId()] = -1e10f;
        mask[metaTokens.endId()] = -1e10f;
        return EngineArrays.of(scope, mask, new Shape(mask.length));
    }

    /**
     * Every trainable tensor by its checkpoint name: decoder weights, meta-token parameters (stored divided by the
     * scale) and mixing head.
     *
     * @return the parameters
     */
    public Map<String, Parameter> parameters() {
        Map<String, Parameter> all = new LinkedHashMap<>(decoder.parameters());
        all.putAll(metaTokens.parameters());
        all.putAll(mixingHead.parameters());
        return all;
    }

    /**
     * The decoder.
     *
     * @return the decoder
     */
    public CausalDecoder decoder() {
        return decoder;
    }

    /**
     * The meta-tokens.
     *
     * @return the meta-tokens
     */
    public MetaTokens metaTokens() {
        return metaTokens;
    }

    /**
     * The thinking gate: a linear probe that predicts the gain of a thought from the base state, trained alongside
     * the objective and saved as {@value ThinkingGate#FILE} in checkpoints.
     *
     * @return the gate, empty for a model trained without one
     */
    public Optional<ThinkingGate> thinkingGate() {
        return Optional.ofNullable(thinkingGate);
    }

    /**
     * Sets the thinking gate (the trainer does after every step); it is saved with the model.
     *
     * @param gate the gate, of this model's hidden width, or null to drop it
     * @throws IllegalArgumentException when the gate reads another width
     */
    public void setThinkingGate(ThinkingGate gate) {
        if (gate != null) {
            gate.checkHiddenSize(decoder.config().hiddenSize());
        }
        this.thinkingGate = gate;
    }

    /**
     * The folder or file the weights were read from, named in errors about what the model computes (a model whose
     * outputs turn NaN points at its files).
     *
     * @return the folder or file, empty for a model built in memory
     */
    public Optional<Path> origin() {
        return Optional.ofNullable(origin);
    }

    /**
     * Records the folder or file the weights were read from ({@link #load} records the checkpoint folder itself;
     * importers of other formats call this).
     *
     * @param source the folder or file
     */
    public void setOrigin(Path source) {
        this.origin = Objects.requireNonNull(source, "source");
    }

    /**
     * The mixing head.
     *
     * @return the head
     */
    public MlpMixingHead mixingHead() {
        return mixingHead;
    }

    /**
     * The tokenizer.
     *
     * @return the tokenizer
     */
    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    /**
     * The configuration the model was created or saved with.
     *
     * @return the configuration
     */
    public QuietStarConfig config() {
        return config;
    }

    /**
     * The manager owning every weight.
     *
     * @return the manager
     */
    public NDManager manager() {
        return manager;
    }

    @Override
    public void close() {
        if (tokenizer instanceof HfTextTokenizer hf) {
            hf.close();
        }
        decoder.close();
    }
}
