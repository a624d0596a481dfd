package dev.quietstar.api;

import java.util.List;
import java.util.Objects;

/**
 * Decides before which output tokens the model thinks.
 *
 * <p>The paper thinks before every token. Where the model thinks matters as much as whether it does: on a small
 * model that had learned to write short worked solutions, one thought just before the answer helped far more than
 * a thought before every token. Implementations must be stateless or thread-safe.
 */
@FunctionalInterface
public interface ThinkingPolicy {

    /**
     * Whether to think before choosing the next token.
     *
     * @param textSoFar the prompt and the text generated so far
     * @param generatedTokens how many tokens were generated so far
     * @return true to think
     */
    boolean thinkBeforeNext(String textSoFar, int generatedTokens);

    /**
     * Thinks before every token (the paper).
     *
     * @return the policy
     */
    static ThinkingPolicy everyToken() {
        return (text, n) -> true;
    }

    /**
     * Never thinks: plain generation by the base model.
     *
     * @return the policy
     */
    static ThinkingPolicy never() {
        return (text, n) -> false;
    }

    /**
     * Thinks only when the text so far ends with one of the trigger strings, for example {@code "A: "} to think
     * once at the start of an answer.
     *
     * @param triggers non-empty strings
     * @return the policy
     */
    static ThinkingPolicy afterTriggers(List<String> triggers) {
        List<String> copy = List.copyOf(triggers);
        if (copy.isEmpty() || copy.stream().anyMatch(t -> Objects.requireNonNull(t).isEmpty())) {
            throw new IllegalArgumentException("triggers must be a non-empty list of non-empty strings, was "
                    + triggers);
        }
        return (text, n) -> copy.stream().anyMatch(text::endsWith);
    }
}
