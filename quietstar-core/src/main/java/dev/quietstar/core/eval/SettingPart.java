package dev.quietstar.core.eval;

import java.util.List;
import java.util.Objects;

/**
 * What one evaluation setting measured on one part of an example set ({@link AnswerEvaluator#evaluatePart}): the
 * per-example results and the wall time of the part's greedy generation. Parts evaluated in different processes are
 * put back in index order and summarised with {@link SettingResult#summarise}.
 *
 * @param setting the setting's name
 * @param examples the results of the part's examples, in index order
 * @param generationSeconds wall time of the part's greedy generation, 0 when generation was off
 */
public record SettingPart(String setting, List<ExampleResult> examples, double generationSeconds) {

    /** Copies the list and checks the time. */
    public SettingPart {
        Objects.requireNonNull(setting, "setting");
        examples = List.copyOf(examples);
        if (!(generationSeconds >= 0)) {
            throw new IllegalArgumentException("generationSeconds must be >= 0, was " + generationSeconds);
        }
    }
}
