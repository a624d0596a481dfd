package dev.quietstar.api;

import java.util.List;
import java.util.Objects;

/**
 * Decides before which output tokens the model thinks.
 *
 * <p>The paper thinks before every token. Where the model thinks matters as much as whether it does: on a small
 * model that had learned to write short worked solutions, one thought just before the answer helped far more than
 * a thought before every token. Implementations must be stateless or thread-safe.
 *
 * <p>A policy may also look at the thinking gate's prediction of how much a thought would help here
 * ({@link #adaptive(double)}); the generation loop then asks the three-argument
 * {@link #thinkBeforeNext(String, int, double)} and passes the gate's predicted gain.
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
     * Whether to think before choosing the next token, given the thinking gate's prediction. Policies that do not
     * use the gate ignore the prediction.
     *
     * @param textSoFar the prompt and the text generated so far
     * @param generatedTokens how many tokens were generated so far
     * @param predictedGain the gate's predicted gain in nats of the next token's log-likelihood from a thought here,
     *     or NaN when no gate is consulted
     * @return true to think
     */
    default boolean thinkBeforeNext(String textSoFar, int generatedTokens, double predictedGain) {
        return thinkBeforeNext(textSoFar, generatedTokens);
    }

    /**
     * Whether this policy needs the thinking gate's prediction; a caller then has to pass it to
     * {@link #thinkBeforeNext(String, int, double)} and fails clearly when the model has no gate.
     *
     * @return true when the gate is needed
     */
    default boolean usesGate() {
        return false;
    }

    /**
     * Thinks only where the thinking gate predicts that a thought improves the next token's log-likelihood by
     * more than {@code threshold} nats. A threshold of negative infinity thinks before every token, positive
     * infinity never. The model must carry a trained gate (a checkpoint trained with {@code gate.enabled}).
     *
     * @param threshold the smallest predicted gain, in nats, that earns a thought; not NaN
     * @return the policy
     */
    static ThinkingPolicy adaptive(double threshold) {
        return new AdaptiveThinking(threshold);
    }

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
