package dev.quietstar.core.eval;

import dev.quietstar.api.GenerationOptions;
import dev.quietstar.api.GenerationResult;
import dev.quietstar.api.Sampling;
import dev.quietstar.api.config.ThoughtSampling;
import dev.quietstar.core.infer.DecoderStep;
import dev.quietstar.core.infer.ThinkThenTalk;
import dev.quietstar.core.text.TextTokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The exact-match half of an evaluation: greedy generation with the setting's policy, answers extracted. */
final class ExactMatchGeneration {

    private ExactMatchGeneration() {}

    /**
     * The greedy generations of one setting.
     *
     * @param texts generated text per example
     * @param predicted extracted answer per example, empty when none
     * @param matches exact match per example
     * @param tokenCounts generated tokens per example
     * @param seconds wall time of the generation
     */
    record Generated(List<String> texts, List<String> predicted, List<Boolean> matches, List<Integer> tokenCounts,
            double seconds) {}

    /**
     * The evaluator settings generation uses.
     *
     * @param batchSize prompts generated together
     * @param generationMargin tokens beyond the gold answer's length
     * @param seed output sampling seed
     * @param thoughtSampling how thought tokens are chosen
     * @param samplers the thought sampler override (the constant ablation), or null
     */
    record Options(int batchSize, int generationMargin, long seed, ThoughtSampling thoughtSampling,
            ThinkThenTalk.ThoughtSamplerFactory samplers) {}

    /** Generates greedily for every example of one setting and extracts the answers. */
    static <C> Generated generate(DecoderStep<C> step, ThinkThenTalk loop, List<EvalExample> examples,
            EvalSetting setting, Options o, EvalProgress progress, int doneBefore, int total) {
        int batchSize = o.batchSize();
        int generationMargin = o.generationMargin();
        long seed = o.seed();
        ThoughtSampling thoughtSampling = o.thoughtSampling();
        TextTokenizer tok = loop.settings().tokenizer();
        int maxPositions = step.maxPositions();
        List<String> texts = new ArrayList<>();
        List<String> predicted = new ArrayList<>();
        List<Boolean> matches = new ArrayList<>();
        List<Integer> tokenCounts = new ArrayList<>();
        long nanos = 0;
        ThinkThenTalk.ThoughtSamplerFactory samplers = o.samplers();
        for (int from = 0; from < examples.size(); from += batchSize) {
            List<EvalExample> batch = examples.subList(from, Math.min(examples.size(), from + batchSize));
            List<String> prompts = batch.stream().map(EvalExample::prompt).toList();
            int longestAnswer = 0;
            int longestPrompt = 0;
            for (EvalExample e : batch) {
                longestAnswer = Math.max(longestAnswer, tok.encode(AnswerEvaluator.answerText(e)).length);
                longestPrompt = Math.max(longestPrompt, tok.withDocumentStart(tok.encode(e.prompt())).length);
            }
            int room = maxPositions - longestPrompt - loop.positionsUsed() + 1;
            int maxNew = Math.max(1, Math.min(longestAnswer + generationMargin, room));
            GenerationOptions options = new GenerationOptions(maxNew, List.of("\n"),
                    new Sampling(0, 0, 1, seed), thoughtSampling, setting.policy(), false);
            long start = System.nanoTime();
            List<GenerationResult> results = loop.run(step, prompts, options, null, null, samplers);
            nanos += System.nanoTime() - start;
            for (int i = 0; i < batch.size(); i++) {
                EvalExample e = batch.get(i);
                GenerationResult r = results.get(i);
                tokenCounts.add(r.tokenIds().size());
                Optional<String> answer = e.kind() == EvalExample.Kind.GSM8K ? AnswerMatching.extractNumber(r.text())
                        : AnswerMatching.extractChoice(r.text(), e.choices().size());
                texts.add(r.text());
                predicted.add(answer.orElse(""));
                matches.add(AnswerMatching.exactMatch(answer, e.gold()));
            }
            progress.update("generating (" + setting.name() + ")", doneBefore + from + batch.size(), total);
        }
        return new Generated(texts, predicted, matches, tokenCounts, nanos / 1e9);
    }
}
