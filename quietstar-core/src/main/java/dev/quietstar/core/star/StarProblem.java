package dev.quietstar.core.star;

import java.util.Objects;

/**
 * One question of a STaR run.
 *
 * @param question the question as the format places it in a prompt
 * @param answer the gold final answer
 * @param reference a known correct rationale, or the empty string when there is none; only used to measure how
 *     often the rationales the model writes are exactly right
 */
public record StarProblem(String question, String answer, String reference) {

    /** Checks the fields. */
    public StarProblem {
        Objects.requireNonNull(question, "question");
        Objects.requireNonNull(answer, "answer");
        Objects.requireNonNull(reference, "reference");
        if (question.isBlank()) {
            throw new IllegalArgumentException("a STaR problem needs a question");
        }
        if (answer.isBlank()) {
            throw new IllegalArgumentException("the STaR problem '" + abbreviate(question) + "' has no answer");
        }
    }

    /**
     * A problem without a reference rationale.
     *
     * @param question the question
     * @param answer the gold answer
     */
    public StarProblem(String question, String answer) {
        this(question, answer, "");
    }

    /** @return whether a reference rationale is known */
    public boolean hasReference() {
        return !reference.isEmpty();
    }

    static String abbreviate(String s) {
        String one = s.replace("\n", "\\n");
        return one.length() <= 60 ? one : one.substring(0, 57) + "...";
    }
}
