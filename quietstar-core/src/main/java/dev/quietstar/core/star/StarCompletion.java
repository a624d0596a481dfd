package dev.quietstar.core.star;

import java.util.Objects;

/**
 * What a generated continuation says: its rationale and its final answer.
 *
 * @param rationale the reasoning written before the answer (may be empty)
 * @param answer the final answer as written
 */
public record StarCompletion(String rationale, String answer) {

    /** Checks the fields. */
    public StarCompletion {
        Objects.requireNonNull(rationale, "rationale");
        Objects.requireNonNull(answer, "answer");
    }
}
