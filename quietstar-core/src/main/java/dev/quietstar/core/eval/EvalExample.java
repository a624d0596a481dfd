package dev.quietstar.core.eval;

import java.util.List;
import java.util.Objects;

/**
 * One evaluation question: the prompt given to the model and the answer it should produce.
 *
 * @param prompt the text the model continues, ending in {@code "A: "}
 * @param gold the correct answer: a number without thousands separators for {@link Kind#GSM8K}, a choice label
 *     letter for {@link Kind#MULTIPLE_CHOICE}
 * @param choices the answer options' texts in label order (A, B, ...), empty for free-form questions
 * @param kind how the answer is extracted and matched
 */
public record EvalExample(String prompt, String gold, List<String> choices, Kind kind) {

    /** How an example's answer is given. */
    public enum Kind {
        /** A free-form grade-school maths question whose answer is a number. */
        GSM8K,
        /** A question answered by the label letter of one of the choices. */
        MULTIPLE_CHOICE
    }

    /** Checks the fields: multiple-choice examples need choices and a gold label among them. */
    public EvalExample {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(gold, "gold");
        Objects.requireNonNull(kind, "kind");
        choices = List.copyOf(Objects.requireNonNull(choices, "choices (empty for free-form questions)"));
        if (gold.isBlank()) {
            throw new IllegalArgumentException("gold answer is blank for prompt: " + prompt);
        }
        if (kind == Kind.GSM8K && !choices.isEmpty()) {
            throw new IllegalArgumentException("a GSM8K example has no choices, got " + choices.size());
        }
        if (kind == Kind.MULTIPLE_CHOICE) {
            if (choices.isEmpty()) {
                throw new IllegalArgumentException("a multiple-choice example needs at least one choice");
            }
            int index = gold.length() == 1 ? gold.charAt(0) - 'A' : -1;
            if (index < 0 || index >= choices.size()) {
                throw new IllegalArgumentException("gold label '" + gold + "' is not one of the " + choices.size()
                        + " choice labels A.." + (char) ('A' + choices.size() - 1));
            }
        }
    }

    /**
     * The text of the correct choice of a multiple-choice example.
     *
     * @return the gold choice's text
     * @throws IllegalStateException for a free-form example
     */
    public String goldChoiceText() {
        if (kind != Kind.MULTIPLE_CHOICE) {
            throw new IllegalStateException("goldChoiceText() needs a multiple-choice example, this is " + kind);
        }
        return choices.get(gold.charAt(0) - 'A');
    }
}
