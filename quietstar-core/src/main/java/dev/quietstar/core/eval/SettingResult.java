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

    /**
     * Summarises per-example results into a setting's row: token-weighted answer NLL and token accuracy, the mean
     * answer probability (capped at 1), exact match, the mean mixing weight over the tokens a thought preceded and
     * tokens per second of generation. The sums run over the examples in the order given, so the same results in the
     * same order give bit-identical numbers whichever processes measured them.
     *
     * @param setting the setting's name
     * @param examples every example's result, in index order, at least one
     * @param generationSeconds total wall time of the greedy generation
     * @param generated whether greedy generation ran; when not, exact match and tokens per second are NaN
     * @return the setting's result
     */
    public static SettingResult summarise(String setting, List<ExampleResult> examples, double generationSeconds,
            boolean generated) {
        int n = examples.size();
        if (n == 0) {
            throw new IllegalArgumentException("no example results to summarise for setting " + setting);
        }
        double nllSum = 0;
        long answerTokens = 0;
        long correct = 0;
        double probabilitySum = 0;
        double weightSum = 0;
        long thoughts = 0;
        int matches = 0;
        long tokens = 0;
        for (ExampleResult r : examples) {
            for (double lp : r.answerLogProbs()) {
                nllSum -= lp;
            }
            answerTokens += r.answerLogProbs().size();
            correct += r.correctTokens();
            probabilitySum += r.answerProbability();
            weightSum += r.mixingWeightSum();
            thoughts += r.thoughts();
            tokens += r.generatedTokens();
            if (generated && r.exactMatch()) {
                matches++;
            }
        }
        double exact = generated ? (double) matches / n : Double.NaN;
        double speed = !generated ? Double.NaN : generationSeconds > 0 ? tokens / generationSeconds : 0;
        return new SettingResult(setting, n, nllSum / answerTokens, (double) correct / answerTokens, exact,
                Math.min(1, probabilitySum / n), thoughts == 0 ? Double.NaN : weightSum / thoughts, speed, examples);
    }
}
