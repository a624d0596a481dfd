package dev.quietstar.core.train;

import java.util.Objects;

/**
 * One micro-batch as the training loop hands it to a {@link TrainingStep}: plain token ids and attention masks of
 * the examples (each example once; the step makes the {@code thoughtsPerPosition} copies itself) and the seed of
 * everything random in its forward pass.
 *
 * @param tokenIds token ids, one row of {@code sequenceLength} per example
 * @param attentionMask 1 for a real token, 0 for padding, the same shape as {@code tokenIds}
 * @param seed seed of the thought sampler for this micro-batch (a mix of the run's seed, the step and the index)
 * @param step 0-based optimiser step this micro-batch belongs to
 * @param index 0-based index of the micro-batch within its step
 * @param count micro-batches per optimiser step; the step divides the loss by it before the backward pass
 */
public record MicroBatch(int[][] tokenIds, int[][] attentionMask, long seed, int step, int index, int count) {

    /** Rejects empty or inconsistent batches. */
    public MicroBatch {
        Objects.requireNonNull(tokenIds, "tokenIds");
        Objects.requireNonNull(attentionMask, "attentionMask");
        if (tokenIds.length == 0 || tokenIds.length != attentionMask.length) {
            throw new IllegalArgumentException("a micro-batch needs at least one example and one attention row per "
                    + "example, had " + tokenIds.length + " and " + attentionMask.length);
        }
        if (index < 0 || count < 1 || index >= count) {
            throw new IllegalArgumentException("micro-batch index " + index + " of " + count + " is out of range");
        }
    }

    /**
     * The number of examples.
     *
     * @return rows of {@link #tokenIds()}
     */
    public int examples() {
        return tokenIds.length;
    }

    /**
     * The number of real (non-padding) tokens.
     *
     * @return the sum of the attention mask
     */
    public long realTokens() {
        long n = 0;
        for (int[] row : attentionMask) {
            for (int v : row) {
                n += v;
            }
        }
        return n;
    }
}
