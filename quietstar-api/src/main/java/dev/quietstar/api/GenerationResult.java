package dev.quietstar.api;

import java.util.List;

/**
 * The outcome of one generation.
 *
 * @param prompt the prompt
 * @param text the generated text (the prompt excluded)
 * @param tokenIds the generated token ids
 * @param traces one trace per generated token when asked for, else empty
 * @param stopReason why generation ended: {@code max_tokens}, {@code stop_string} or {@code end_of_text}
 */
public record GenerationResult(String prompt, String text, List<Integer> tokenIds, List<TokenTrace> traces,
        String stopReason) {

    /** Copies the lists. */
    public GenerationResult {
        tokenIds = List.copyOf(tokenIds);
        traces = List.copyOf(traces);
    }
}
