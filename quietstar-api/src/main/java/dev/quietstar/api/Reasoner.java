package dev.quietstar.api;

import java.util.function.Consumer;

/**
 * Runs a trained Quiet-STaR model: think-then-talk generation with visible thoughts, and scoring.
 *
 * <p>Before each output token the model may think (see {@link ThinkingPolicy}): a temporary branch of the key/value
 * cache receives the start-of-thought token, the sampled thought and the end-of-thought token; the mixing head
 * blends the hidden state after the thought with the one before it; the output token is chosen from the mixed
 * logits with the meta-tokens masked out; the branch is dropped. The whole sequence is never recomputed.
 *
 * <p>Implementations state their thread-safety; the DJL one serves concurrent calls on one loaded model.
 */
public interface Reasoner extends AutoCloseable {

    /**
     * Generates a continuation of the prompt.
     *
     * @param prompt non-empty text that fits the model's context
     * @param options generation options
     * @return the generated text and, when asked, a trace per token
     */
    GenerationResult generate(String prompt, GenerationOptions options);

    /**
     * Generates a continuation, handing each token's trace to a callback as soon as it is chosen.
     *
     * @param prompt non-empty text that fits the model's context
     * @param options generation options
     * @param onToken called once per generated token, on the calling thread
     * @return the complete result
     */
    GenerationResult generate(String prompt, GenerationOptions options, Consumer<TokenTrace> onToken);

    /**
     * Scores every token of a text with and without thinking (one thought per position, parallel, no gradient).
     *
     * @param text the text
     * @return per-token log-probabilities
     */
    TextScore score(String text);

    /** Frees the model. */
    @Override
    void close();
}
