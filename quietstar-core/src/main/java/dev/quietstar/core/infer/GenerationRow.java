package dev.quietstar.core.infer;

import dev.quietstar.api.GenerationOptions;
import dev.quietstar.api.TokenTrace;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/** Per-row state of one generation of {@link ThinkThenTalk}: ids, text, traces and the row's random sources. */
final class GenerationRow {
    final String prompt;
    final int[] promptIds;
    final List<Integer> generated = new ArrayList<>();
    final List<TokenTrace> traces = new ArrayList<>();
    final OutputSampler output;
    final SplittableRandom thoughtRng;
    String generatedText = "";
    String stopReason;

    GenerationRow(String prompt, int[] promptIds, GenerationOptions options) {
        this.prompt = prompt;
        this.promptIds = promptIds;
        SplittableRandom root = new SplittableRandom(options.output().seed());
        this.output = new OutputSampler(options.output(), root.split());
        this.thoughtRng = root.split();
    }

    boolean finished() {
        return stopReason != null;
    }

    int[] idsSoFar() {
        int[] all = Arrays.copyOf(promptIds, promptIds.length + generated.size());
        for (int i = 0; i < generated.size(); i++) {
            all[promptIds.length + i] = generated.get(i);
        }
        return all;
    }
}
