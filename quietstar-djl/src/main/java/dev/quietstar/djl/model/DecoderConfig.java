package dev.quietstar.djl.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quietstar.core.checkpoint.DecoderSpec;
import java.util.Objects;

/**
 * The DJL decoder's view of core's {@link DecoderSpec}: the same architecture, with the family as an
 * {@link Architecture} the blocks switch on. Reading, validating and writing {@code config.json} are
 * {@link DecoderSpec}'s; this record adds no rule of its own.
 *
 * @param spec the architecture, validated by core
 */
public record DecoderConfig(DecoderSpec spec) {

    /** Requires a spec. */
    public DecoderConfig {
        Objects.requireNonNull(spec, "spec");
    }

    /**
     * A GPT-2 shape (see {@link DecoderSpec#gpt2}).
     *
     * @param vocabSize vocabulary size
     * @param hiddenSize width
     * @param layers blocks
     * @param heads heads
     * @param maxPositions positions
     * @return the config
     */
    public static DecoderConfig gpt2(int vocabSize, int hiddenSize, int layers, int heads, int maxPositions) {
        return new DecoderConfig(DecoderSpec.gpt2(vocabSize, hiddenSize, layers, heads, maxPositions));
    }

    /**
     * A Llama shape (see {@link DecoderSpec#llama}).
     *
     * @param vocabSize vocabulary size
     * @param hiddenSize width
     * @param layers blocks
     * @param heads query heads
     * @param kvHeads key/value heads
     * @param maxPositions positions
     * @param tied whether lm_head is tied to the embedding
     * @return the config
     */
    public static DecoderConfig llama(int vocabSize, int hiddenSize, int layers, int heads, int kvHeads,
            int maxPositions, boolean tied) {
        return new DecoderConfig(DecoderSpec.llama(vocabSize, hiddenSize, layers, heads, kvHeads, maxPositions, tied));
    }

    /**
     * Reads a HuggingFace {@code config.json} tree with {@link DecoderSpec#fromJson}.
     *
     * @param node the parsed JSON
     * @return the config
     * @throws IllegalArgumentException naming a missing or invalid field, or an unsupported {@code model_type}
     */
    public static DecoderConfig fromHuggingFace(JsonNode node) {
        return new DecoderConfig(DecoderSpec.fromJson(node));
    }

    /**
     * Writes the HuggingFace {@code config.json} tree with {@link DecoderSpec#toJson}.
     *
     * @return the JSON object
     */
    public ObjectNode toHuggingFace() {
        return spec.toJson();
    }

    /**
     * Returns a copy with another vocabulary size (after adding meta-tokens).
     *
     * @param newVocab the size
     * @return the copy
     */
    public DecoderConfig withVocabSize(int newVocab) {
        return new DecoderConfig(spec.withVocabSize(newVocab));
    }

    /**
     * The family the decoder's blocks are built for.
     *
     * @return {@link Architecture#LLAMA} for the Llama family, else {@link Architecture#GPT2}
     */
    public Architecture architecture() {
        return spec.llama() ? Architecture.LLAMA : Architecture.GPT2;
    }

    /**
     * HuggingFace {@code model_type}.
     *
     * @return {@code gpt2}, {@code llama}, {@code mistral}, {@code qwen2}, {@code qwen3}, {@code phi3} or
     *     {@code gemma3_text}
     */
    public String modelType() {
        return spec.modelType();
    }

    /**
     * Rows of the embedding and lm_head.
     *
     * @return V
     */
    public int vocabSize() {
        return spec.vocabSize();
    }

    /**
     * Model width.
     *
     * @return H
     */
    public int hiddenSize() {
        return spec.hiddenSize();
    }

    /**
     * Transformer blocks.
     *
     * @return the number of blocks
     */
    public int layers() {
        return spec.layers();
    }

    /**
     * Query heads.
     *
     * @return the number of heads
     */
    public int heads() {
        return spec.heads();
    }

    /**
     * Key/value heads (grouped-query attention); equal to {@link #heads()} for GPT-2.
     *
     * @return the number of key/value heads
     */
    public int kvHeads() {
        return spec.kvHeads();
    }

    /**
     * Width of one head.
     *
     * @return the head width
     */
    public int headDim() {
        return spec.headDim();
    }

    /**
     * MLP width.
     *
     * @return the width of the feed-forward layer
     */
    public int intermediateSize() {
        return spec.intermediateSize();
    }

    /**
     * Longest sequence the model accepts.
     *
     * @return the number of positions
     */
    public int maxPositions() {
        return spec.maxPositions();
    }

    /**
     * Rotary base (Llama family).
     *
     * @return theta
     */
    public double ropeTheta() {
        return spec.ropeTheta();
    }

    /**
     * Epsilon of LayerNorm / RMSNorm.
     *
     * @return epsilon
     */
    public double normEps() {
        return spec.normEps();
    }

    /**
     * Whether lm_head shares the token embedding.
     *
     * @return true when tied
     */
    public boolean tieWordEmbeddings() {
        return spec.tieWordEmbeddings();
    }

    /**
     * Whether q, k and v projections have biases (Qwen2; GPT-2 always has them).
     *
     * @return true with biases
     */
    public boolean attentionBias() {
        return spec.attentionBias();
    }
}
