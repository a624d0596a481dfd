package dev.quietstar.core.eval;

import java.util.List;
import java.util.Objects;

/**
 * The results of one evaluation setting over a set of examples.
 *
 * <p>{@code answerProbability} is a probability, not an accuracy: the mean over examples of the probability the
 * model gives the gold answer, renormalised over the answer alphabet (see {@link AnswerEvaluator}). Exact match is
 * the accuracy of the greedy generations.
 *
 * @param setting the setting's name
 * @param examples examples evaluated
 * @param answerNll mean negative log-likelihood per gold answer token, in nats (token-weighted over the set)
 * @param tokenAccuracy fraction of gold answer tokens that were the most likely token (token-weighted)
 * @param exactMatch fraction of examples whose generated answer matched the gold one
 * @param answerProbability mean over examples of the renormalised probability of the gold answer
 * @param meanMixingWeight mean mixing weight over answer tokens preceded by a thought, NaN without thoughts
 * @param tokensPerSecond tokens generated per second of greedy generation
 * @param perExample the results of every example, in order
 */
public record SettingResult(String setting, int examples, double answerNll, double tokenAccuracy, double exactMatch,
        double answerProbability, double meanMixingWeight, double tokensPerSecond, List<ExampleResult> perExample) {

    /** Copies the list. */
    public SettingResult {
        Objects.requireNonNull(setting, "setting");
        perExample = List.copyOf(perExample);
    }

    /**
     * The row of the engine-neutral summary table.
     *
     * @return the row
     */
    public EvalRow toEvalRow() {
        return new EvalRow(setting, examples, exactMatch, answerNll, answerProbability, tokensPerSecond);
    }
}
