package dev.quietstar.djl.model;

import ai.djl.ndarray.NDArray;

/**
 * What one decoder call returns.
 *
 * @param hidden final-norm hidden states, (batch, length, H)
 * @param cache the input cache extended with this call's keys and values
 */
public record DecoderOutput(NDArray hidden, KvCache cache) {}
