package dev.quietstar.api;

import dev.quietstar.api.config.ThoughtSampling;
import java.util.ArrayList;
import java.util.List;
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
     * Generates continuations of several prompts as rows of one batch (left-padded), each row equal to
     * {@code generate(prompts.get(i), options)} up to floating-point summation order.
     *
     * <p>The default generates the prompts one after the other; backends batch them.
     *
     * @param prompts non-empty prompts
     * @param options generation options shared by all rows
     * @return one result per prompt, in order
     */
    default List<GenerationResult> generateBatch(List<String> prompts, GenerationOptions options) {
        List<GenerationResult> results = new ArrayList<>();
        for (String prompt : prompts) {
            results.add(generate(prompt, options));
        }
        return results;
    }

    /**
     * Scores every token of a text with and without thinking, with the thoughts drawn as the model's configuration
     * says from seed 0.
     *
     * @param text the text
     * @return per-token log-probabilities
     */
    TextScore score(String text);

    /**
     * Scores every token of a text with and without thinking, with a given way of choosing thought tokens and a
     * seed: the same seed gives the same score.
     *
     * @param text non-empty text that with one thought fits the model's context
     * @param sampling how thought tokens are chosen
     * @param seed seed of sampled thoughts
     * @return per-token log-probabilities, mixing weights and thoughts
     */
    TextScore score(String text, ThoughtSampling sampling, long seed);

    /** Frees the model. */
    @Override
    void close();
}
