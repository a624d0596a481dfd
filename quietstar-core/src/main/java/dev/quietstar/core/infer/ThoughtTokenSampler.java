package dev.quietstar.core.infer;

/**
 * Picks the thought token of every row at one step of a thought, from plain-array logits.
 */
@FunctionalInterface
public interface ThoughtTokenSampler {

    /**
     * Picks one token per row.
     *
     * @param logits (rows, V) row-major, meta-tokens already masked
     * @param rows batch rows
     * @param vocab V
     * @param step index of the thought token being chosen, 0-based
     * @return one id per row (rows that do not think may get any id)
     */
    long[] sample(float[] logits, int rows, int vocab, int step);
}
