package dev.quietstar.core.eval;

import java.util.Objects;

/**
 * The results of one evaluation setting, such as "thinking on" or "thinking off".
 *
 * <p>{@code answerProbability} is the mean probability the model gives to the gold answer's tokens (the product of
 * their probabilities, averaged over examples). It is not an accuracy: a model can give the right answer a
 * probability of 0.3 and still pick it every time. {@code exactMatch} is the accuracy of the generated answers.
 *
 * @param setting what was evaluated, such as {@code "thinking on"}
 * @param examples number of examples evaluated
 * @param exactMatch fraction of examples whose extracted answer matched the gold one, in [0, 1] (NaN when not
 *     measured)
 * @param answerNll mean negative log-likelihood per gold answer token, in nats (NaN when not measured)
 * @param answerProbability mean probability of the whole gold answer, in [0, 1] (NaN when not measured)
 * @param tokensPerSecond generated tokens per second (NaN when not measured)
 */
public record EvalRow(String setting, int examples, double exactMatch, double answerNll, double answerProbability,
        double tokensPerSecond) {

    /** Checks every field's range; NaN means "not measured" and is allowed for the measurements. */
    public EvalRow {
        Objects.requireNonNull(setting, "setting");
        if (setting.isBlank()) {
            throw new IllegalArgumentException("setting must name what was evaluated, such as \"thinking on\"");
        }
        if (examples < 0) {
            throw new IllegalArgumentException("examples must be >= 0, was " + examples + " (" + setting + ")");
        }
        checkUnit("exactMatch", exactMatch, setting);
        checkUnit("answerProbability", answerProbability, setting);
        if (!Double.isNaN(answerNll) && !(answerNll >= 0)) {
            throw new IllegalArgumentException(
                    "answerNll must be >= 0 or NaN, was " + answerNll + " (" + setting + ")");
        }
        if (!Double.isNaN(tokensPerSecond) && !(tokensPerSecond >= 0)) {
            throw new IllegalArgumentException(
                    "tokensPerSecond must be >= 0 or NaN, was " + tokensPerSecond + " (" + setting + ")");
        }
    }

    private static void checkUnit(String name, double v, String setting) {
        if (!Double.isNaN(v) && !(v >= 0 && v <= 1)) {
            throw new IllegalArgumentException(name + " must be in [0, 1] or NaN, was " + v + " (" + setting + ")");
        }
    }
}
