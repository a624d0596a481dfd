package dev.quietstar.core.infer;

/**
 * One backend's forward step of a Quiet-STaR decoder with a key/value cache, on plain Java arrays: the only thing
 * the engine-neutral {@link ThinkThenTalk} loop needs from an engine.
 *
 * <p>A step feeds {@code length} tokens per row at explicit position ids under an additive attention mask over the
 * cached keys followed by the new ones, on top of an optional cache, and returns the final-norm hidden state and the
 * logits of each row's last fed token plus the extended cache. When a fed id is the start- or end-of-thought token,
 * the backend uses the learned meta-token vector in place of that id's embedding row (docs/algorithm.md section 1).
 *
 * <p>Caches are immutable values owned by the caller: a step never changes the cache it is given (so a thought can
 * branch off the real cache and be dropped), and {@link #release} frees one the caller no longer needs.
 *
 * @param <C> the backend's cache type
 */
public interface DecoderStep<C> {

    /**
     * The vocabulary size V (including the meta-tokens).
     *
     * @return V
     */
    int vocabSize();

    /**
     * The hidden width H.
     *
     * @return H
     */
    int hiddenSize();

    /**
     * The number of positions the model supports.
     *
     * @return the maximum position id plus one
     */
    int maxPositions();

    /**
     * Feeds tokens on top of a cache.
     *
     * @param tokenIds (rows, length) token ids, row-major
     * @param positionIds (rows, length) position ids, row-major
     * @param rows batch rows
     * @param length new tokens per row
     * @param mask additive mask (rows, 1, length, cached + length), row-major: 0 where a query sees a key, a large
     *     negative value where not
     * @param past the cache to attend to, or null for none
     * @return the last fed token's hidden state and logits per row, and the extended cache
     */
    Output<C> forward(long[] tokenIds, long[] positionIds, int rows, int length, float[] mask, C past);

    /**
     * Feeds tokens on top of a cache like {@link #forward} and returns the hidden state and logits of every fed
     * token, not only the last: one causal pass that gives an evaluator the base prediction of every answer token.
     *
     * @param tokenIds (rows, length) token ids, row-major
     * @param positionIds (rows, length) position ids, row-major
     * @param rows batch rows
     * @param length new tokens per row
     * @param mask additive mask (rows, 1, length, cached + length), row-major
     * @param past the cache to attend to, or null for none
     * @return hidden states (rows, length, H) and logits (rows, length, V), row-major, and the extended cache
     */
    Output<C> forwardAll(long[] tokenIds, long[] positionIds, int rows, int length, float[] mask, C past);

    /**
     * A new cache holding {@code rows} copies of a one-row cache, so that several thoughts can branch off the same
     * prefix as rows of one batch (each row then masks the keys it must not see). The given cache is unchanged and
     * still owned by the caller; the copy is released with {@link #release}.
     *
     * @param cache a cache of one row
     * @param rows copies, at least 1
     * @return the repeated cache
     */
    C repeat(C cache, int rows);

    /**
     * The language-model head on given final-norm hidden states: what a custom mixing head's mixed hidden state
     * predicts. Backends whose graph cannot apply the head to an arbitrary vector keep this default, and the
     * caller then uses the linearity of the bias-free head instead ({@code lm_head((1 - w) a + w b)} equals
     * {@code (1 - w) lm_head(a) + w lm_head(b)}), which covers every mixing head whose mix is that convex
     * combination.
     *
     * @param hidden (rows, H) row-major
     * @param rows batch rows
     * @return (rows, V) logits, row-major
     * @throws UnsupportedOperationException when the backend cannot apply the head to an arbitrary vector
     */
    default float[] logits(float[] hidden, int rows) {
        throw new UnsupportedOperationException("this backend's decoder step cannot apply the language-model head "
                + "to an arbitrary hidden state; only mixing heads whose mix is (1 - w) h_base + w h_after run on it");
    }

    /**
     * The mixing head on the hidden states before and after a thought: w = head([h_base; h_after]) and the mixed
     * logits {@code lm_head((1 - w) h_base + w h_after)} (docs/algorithm.md section 4), meta-tokens not masked.
     *
     * @param base the output whose last hidden state is h_base (the last real token)
     * @param after the output whose last hidden state is h_after (the end-of-thought token)
     * @param rows batch rows
     * @return the weights and the mixed logits
     */
    Mixing mix(Output<C> base, Output<C> after, int rows);

    /**
     * Frees a cache; releasing null does nothing.
     *
     * @param cache the cache
     */
    void release(C cache);

    /**
     * What a step returned.
     *
     * @param hidden final-norm hidden state of each row's last fed token, (rows, H) row-major
     * @param logits vocabulary logits of each row's last fed token, (rows, V) row-major, meta-tokens not masked
     * @param cache the cache extended by the fed tokens
     * @param cacheLength positions in {@code cache}
     * @param <C> the backend's cache type
     */
    record Output<C>(float[] hidden, float[] logits, C cache, long cacheLength) {}

    /**
     * What the mixing head returned.
     *
     * @param weights the mixing weight w per row
     * @param mixedLogits logits of the mixed hidden state, (rows, V) row-major, meta-tokens not masked
     */
    record Mixing(float[] weights, float[] mixedLogits) {}
}
