package dev.quietstar.core.star;

import dev.quietstar.core.eval.AnswerMatching;

/**
 * Decides whether a written answer is the problem's answer. STaR keeps a rationale only when this says yes, so a
 * task with answers that can be written several ways (units, fractions, multiple choice labels) plugs its own.
 */
@FunctionalInterface
public interface AnswerChecker {

    /**
     * Whether an answer is right.
     *
     * @param written the answer the model wrote
     * @param problem the problem, with its gold answer
     * @return true when it counts as correct
     */
    boolean correct(String written, StarProblem problem);

    /**
     * The library's exact match: numbers compare numerically ({@code 42} equals {@code 42.0}, thousands separators
     * ignored), anything else ignoring case and surrounding blanks.
     *
     * @return the checker
     */
    static AnswerChecker exactMatch() {
        return (written, problem) -> AnswerMatching.exactMatch(written, problem.answer());
    }
}
