package dev.quietstar.core.star;

import java.util.List;
import java.util.Optional;

/**
 * How a task's problems become prompts and training documents, and how a continuation is read back.
 *
 * <p>The model continues {@link #prompt} with a rationale and an answer; {@link #parse} splits that continuation.
 * For rationalization the model continues {@link #hintedPrompt}, which also shows the answer; a rationale kept that
 * way is trained <em>without</em> the hint, through {@link #document}, exactly as if the model had written it
 * unaided (the paper's rule).
 */
public interface StarFormat {

    /**
     * The text the model continues with a rationale and an answer.
     *
     * @param problem the problem
     * @return the prompt
     */
    String prompt(StarProblem problem);

    /**
     * The prompt with the gold answer given as a hint.
     *
     * @param problem the problem
     * @return the hinted prompt
     */
    String hintedPrompt(StarProblem problem);

    /**
     * Reads a continuation.
     *
     * @param generated the text generated after a prompt
     * @return its rationale and answer, or empty when it does not have the format's shape
     */
    Optional<StarCompletion> parse(String generated);

    /**
     * The fine-tuning document of a kept rationale: the unhinted prompt, the rationale and the gold answer.
     *
     * @param problem the problem
     * @param rationale the kept rationale
     * @return the document
     */
    String document(StarProblem problem, String rationale);

    /** @return strings that end a continuation */
    List<String> stopStrings();

    /** @return the most tokens a continuation may have */
    int maxNewTokens();
}
