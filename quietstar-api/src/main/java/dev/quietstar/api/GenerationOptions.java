package dev.quietstar.api;

import dev.quietstar.api.config.ThoughtSampling;
import java.util.List;
import java.util.Objects;

/**
 * Options of one think-then-talk generation.
 *
 * @param maxNewTokens tokens to generate at most, &gt; 0
 * @param stopStrings generation stops after the text ends with one of these
 * @param output how output tokens are chosen
 * @param thoughtSampling how thought tokens are chosen (sampled at temperature 1 by default, as in training)
 * @param thinking where to think; {@link ThinkingPolicy#never()} turns thinking off
 * @param returnTraces whether the result carries a {@link TokenTrace} per token
 */
public record GenerationOptions(int maxNewTokens, List<String> stopStrings, Sampling output,
        ThoughtSampling thoughtSampling, ThinkingPolicy thinking, boolean returnTraces) {

    /** Validates the fields. */
    public GenerationOptions {
        if (maxNewTokens <= 0) {
            throw new IllegalArgumentException("maxNewTokens must be > 0, was " + maxNewTokens);
        }
        stopStrings = List.copyOf(stopStrings);
        for (String s : stopStrings) {
            if (s.isEmpty()) {
                throw new IllegalArgumentException("stopStrings must not contain an empty string");
            }
        }
        Objects.requireNonNull(output, "output");
        Objects.requireNonNull(thoughtSampling, "thoughtSampling");
        Objects.requireNonNull(thinking, "thinking");
    }

    /**
     * Greedy output, sampled thoughts before every token, traces on.
     *
     * @param maxNewTokens tokens to generate at most
     * @return the options
     */
    public static GenerationOptions defaults(int maxNewTokens) {
        return new GenerationOptions(maxNewTokens, List.of(), Sampling.greedy(), ThoughtSampling.SAMPLE,
                ThinkingPolicy.everyToken(), true);
    }

    /**
     * Returns a copy with another thinking policy.
     *
     * @param policy where to think
     * @return the copy
     */
    public GenerationOptions withThinking(ThinkingPolicy policy) {
        return new GenerationOptions(maxNewTokens, stopStrings, output, thoughtSampling, policy, returnTraces);
    }

    /**
     * Returns a copy with other stop strings.
     *
     * @param stops the stop strings
     * @return the copy
     */
    public GenerationOptions withStopStrings(List<String> stops) {
        return new GenerationOptions(maxNewTokens, stops, output, thoughtSampling, thinking, returnTraces);
    }

    /**
     * Returns a copy with another output sampling rule.
     *
     * @param sampling the rule
     * @return the copy
     */
    public GenerationOptions withOutput(Sampling sampling) {
        return new GenerationOptions(maxNewTokens, stopStrings, sampling, thoughtSampling, thinking, returnTraces);
    }

    /**
     * Returns a copy with another thought sampling rule.
     *
     * @param sampling the rule
     * @return the copy
     */
    public GenerationOptions withThoughtSampling(ThoughtSampling sampling) {
        return new GenerationOptions(maxNewTokens, stopStrings, output, sampling, thinking, returnTraces);
    }
}
