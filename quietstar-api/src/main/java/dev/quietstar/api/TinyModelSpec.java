package dev.quietstar.api;

import dev.quietstar.api.config.InvalidConfigException;

/**
 * A small randomly initialised decoder, for tests, demos and experiments on generated data.
 *
 * <p>Besides each field's range, every weight tensor must fit a Java array ({@link #MAX_TENSOR_ELEMENTS}) and the
 * whole model the int range ({@link #MAX_PARAMETERS}).
 *
 * @param architecture {@code gpt2} or {@code llama}
 * @param vocabSize output classes, including the two meta-tokens a backend appends when missing
 * @param hiddenSize model width H
 * @param layers transformer blocks
 * @param heads attention heads (must divide {@code hiddenSize})
 * @param maxPositions longest sequence the model accepts, thoughts included
 * @param seed initialisation seed
 */
public record TinyModelSpec(String architecture, int vocabSize, int hiddenSize, int layers, int heads,
        int maxPositions, long seed) {

    /**
     * The most elements one weight tensor of a tiny model may have: the largest Java array, which a backend fills
     * when it initialises the weights and a checkpoint writer reads back.
     */
    public static final long MAX_TENSOR_ELEMENTS = Integer.MAX_VALUE - 8L;

    /** The most parameters a tiny model may have in all: the int range, which counts and offsets are kept in. */
    public static final long MAX_PARAMETERS = Integer.MAX_VALUE;

    /** Validates the fields. */
    public TinyModelSpec {
        if (!"gpt2".equals(architecture) && !"llama".equals(architecture)) {
            throw new InvalidConfigException("architecture must be one of [gpt2, llama], was " + architecture);
        }
        range("vocabSize", vocabSize, 2, 1 << 20);
        range("hiddenSize", hiddenSize, 2, 1 << 16);
        range("layers", layers, 1, 256);
        range("heads", heads, 1, hiddenSize);
        if (hiddenSize % heads != 0) {
            throw new InvalidConfigException("heads must divide hiddenSize (" + hiddenSize + "), was " + heads);
        }
        range("maxPositions", maxPositions, 2, 1 << 20);
        checkSizes(architecture, vocabSize, hiddenSize, layers, maxPositions);
    }

    /**
     * Refuses shapes whose tensors or whose total parameter count overflow an int: each field is in range, but
     * their products (vocabSize x hiddenSize for the embedding, hiddenSize x the MLP width, maxPositions x
     * hiddenSize for GPT-2's position embedding, and the sum over the layers) may not be. The shapes are those a
     * backend builds: GPT-2 with an MLP of 4 hiddenSize, Llama with untied embeddings and an MLP of about
     * 8 hiddenSize / 3 rounded up to a multiple of 8.
     */
    private static void checkSizes(String architecture, int vocabSize, int hiddenSize, int layers,
            int maxPositions) {
        boolean llama = "llama".equals(architecture);
        long h = hiddenSize;
        long inter = llama ? ((8 * h / 3) + 7) / 8 * 8 : 4 * h;
        long embedding = vocabSize * h;
        long mlp = h * inter;
        long positions = llama ? 0 : maxPositions * h;
        if (embedding > MAX_TENSOR_ELEMENTS) {
            throw tooLarge("the token embedding (vocabSize " + vocabSize + " x hiddenSize " + hiddenSize + ")",
                    embedding, "vocabSize or hiddenSize");
        }
        if (mlp > MAX_TENSOR_ELEMENTS) {
            throw tooLarge("an MLP weight (hiddenSize " + hiddenSize + " x " + inter + ")", mlp, "hiddenSize");
        }
        if (positions > MAX_TENSOR_ELEMENTS) {
            throw tooLarge("the position embedding (maxPositions " + maxPositions + " x hiddenSize " + hiddenSize
                    + ")", positions, "maxPositions or hiddenSize");
        }
        long perLayer = llama ? 4 * h * h + 3 * mlp + 2 * h : 12 * h * h + 13 * h;
        long total = (llama ? 2 : 1) * embedding + positions + layers * perLayer + 2 * h;
        if (total > MAX_PARAMETERS) {
            throw new InvalidConfigException("a tiny model has at most " + MAX_PARAMETERS + " parameters; vocabSize "
                    + vocabSize + ", hiddenSize " + hiddenSize + ", layers " + layers + " and maxPositions "
                    + maxPositions + " give " + total + " (" + perLayer + " per layer); lower hiddenSize or layers");
        }
    }

    private static InvalidConfigException tooLarge(String what, long elements, String fix) {
        return new InvalidConfigException(what + " would have " + elements + " elements; one weight of a tiny model "
                + "holds at most " + MAX_TENSOR_ELEMENTS + ", lower " + fix);
    }

    private static void range(String field, int value, int min, int max) {
        if (value < min || value > max) {
            throw new InvalidConfigException(field + " must be in " + min + ".." + max + ", was " + value);
        }
    }
}
