package dev.quietstar.api;

import dev.quietstar.api.config.InvalidConfigException;

/**
 * A small randomly initialised decoder, for tests, demos and experiments on generated data.
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
    }

    private static void range(String field, int value, int min, int max) {
        if (value < min || value > max) {
            throw new InvalidConfigException(field + " must be in " + min + ".." + max + ", was " + value);
        }
    }
}
