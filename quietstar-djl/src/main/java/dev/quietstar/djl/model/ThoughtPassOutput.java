package dev.quietstar.djl.model;

import ai.djl.ndarray.NDArray;

/**
 * What one thought pass with element-wise diagonal attention returns.
 *
 * @param hidden final-norm hidden states, (R, L, H)
 * @param cache the cache extended with this pass
 */
public record ThoughtPassOutput(NDArray hidden, ThoughtCache cache) {}
