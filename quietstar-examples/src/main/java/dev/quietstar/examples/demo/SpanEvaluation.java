package dev.quietstar.examples.demo;

import dev.quietstar.core.eval.AnswerMatching;
import dev.quietstar.core.eval.EvalExample;
import dev.quietstar.core.text.TextTokenizer;
import dev.quietstar.djl.eval.AnswerEvaluator;
import dev.quietstar.djl.eval.ExampleResult;
import dev.quietstar.djl.infer.CustomThoughtGeneration;
import dev.quietstar.djl.infer.SpanThought;
import dev.quietstar.djl.thought.QuietStarModel;
import dev.quietstar.djl.thought.ThoughtSamplers;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Evaluates "think once at the start of the answer, and keep the thought for the look-ahead tokens" with
 * {@link SpanThought}: the way the training objective uses a thought (DESIGN section 3.5), where the per-token
 * reasoner drops it after one token.
 */
final class SpanEvaluation {

    private SpanEvaluation() {}

    static DemoResults.Row evaluate(String label, QuietStarModel model, List<EvalExample> examples, long seed,
            boolean constant, int constantId) {
        TextTokenizer tok = model.tokenizer();
        int span = model.config().lookahead();
        SpanThought thinker = new SpanThought(model, span);
        int[] alphabet = AnswerEvaluator.ANSWER_ALPHABET.chars().flatMap(c -> tok.encode(String.valueOf((char) c))
                .length == 1 ? java.util.stream.IntStream.of(tok.encode(String.valueOf((char) c))[0])
                : java.util.stream.IntStream.empty()).toArray();
        int newline = tok.encode("\n")[0];
        List<ExampleResult> results = new ArrayList<>();
        double nll = 0;
        long tokens = 0;
        long correct = 0;
        double probability = 0;
        double weight = 0;
        long weighted = 0;
        int matches = 0;
        long generatedTokens = 0;
        long nanos = 0;
        for (int e = 0; e < examples.size(); e++) {
            EvalExample ex = examples.get(e);
            int[] prompt = tok.withDocumentStart(tok.encode(ex.prompt()));
            int[] answer = tok.encode(AnswerEvaluator.answerText(ex));
            var sampler = constant ? CustomThoughtGeneration.constantSampler(constantId)
                    : ThoughtSamplers.categorical(1.0, new SplittableRandom(seed * 1_000_003L + e));
            SpanThought.Scored s = thinker.score(prompt, answer, sampler);
            List<Double> logProbs = new ArrayList<>();
            int right = 0;
            double renormalised = 1;
            for (int t = 0; t < answer.length; t++) {
                logProbs.add(s.logProbs()[t]);
                float[] p = s.probabilities()[t];
                int best = 0;
                for (int k = 1; k < p.length; k++) {
                    best = p[k] > p[best] ? k : best;
                }
                right += best == answer[t] ? 1 : 0;
                double z = 0;
                for (int a : alphabet) {
                    z += p[a];
                }
                renormalised *= z > 0 ? p[answer[t]] / z : 0;
            }
            for (double w : s.mixingWeights()) {
                weight += w;
                weighted++;
            }
            var genSampler = constant ? CustomThoughtGeneration.constantSampler(constantId)
                    : ThoughtSamplers.categorical(1.0, new SplittableRandom(seed * 1_000_003L + e));
            long t0 = System.nanoTime();
            SpanThought.Scored g = thinker.generate(prompt, answer.length + AnswerEvaluator.DEFAULT_GENERATION_MARGIN,
                    newline, genSampler);
            nanos += System.nanoTime() - t0;
            generatedTokens += g.tokens().length;
            String text = tok.decode(g.tokens());
            Optional<String> predicted = AnswerMatching.extract(ex.kind(), text);
            boolean match = AnswerMatching.exactMatch(predicted, ex.gold());
            matches += match ? 1 : 0;
            nll -= logProbs.stream().mapToDouble(Double::doubleValue).sum();
            tokens += answer.length;
            correct += right;
            probability += renormalised;
            results.add(new ExampleResult(e, logProbs, right, renormalised, 1,
                    s.mixingWeights().length == 0 ? Double.NaN
                            : java.util.Arrays.stream(s.mixingWeights()).average().orElse(Double.NaN),
                    text, predicted.orElse(""), match));
        }
        int n = examples.size();
        String setting = "thinking once at answer start, kept " + span + " tokens" + (constant ? ", constant thought"
                : "");
        return new DemoResults.Row(label, setting, n, nll / Math.max(1, tokens), (double) correct / Math.max(1, tokens),
                (double) matches / Math.max(1, n), probability / Math.max(1, n),
                weighted == 0 ? Double.NaN : weight / weighted, generatedTokens / Math.max(1e-9, nanos / 1e9),
                results);
    }
}
