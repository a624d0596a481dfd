package dev.quietstar.examples.demo;

import ai.djl.ndarray.NDArray;
import dev.quietstar.api.ThoughtSampler;
import dev.quietstar.core.eval.AnswerEvaluator;
import dev.quietstar.core.eval.AnswerMatching;
import dev.quietstar.core.eval.EvalExample;
import dev.quietstar.core.eval.ExampleResult;
import dev.quietstar.core.infer.DecoderStep;
import dev.quietstar.core.infer.SpanThought;
import dev.quietstar.core.infer.SteppedReasoner;
import dev.quietstar.core.infer.ThinkThenTalk;
import dev.quietstar.core.text.TextTokenizer;
import dev.quietstar.djl.infer.CustomThoughtGeneration;
import dev.quietstar.djl.infer.DjlDecoderStep;
import dev.quietstar.djl.infer.DjlReasoner;
import dev.quietstar.djl.thought.QuietStarModel;
import dev.quietstar.djl.thought.ThoughtSamplers;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Evaluates "think once at the start of the answer, and keep the thought for the look-ahead tokens" with
 * {@link SpanThought}: the way the training objective uses a thought (docs/algorithm.md section 5), where the per-token
 * reasoner drops it after one token.
 *
 * <p>Where the thought comes from is the experiment: sampled by the model (as in training), greedy, one fixed token
 * repeated (the constant-thought ablation: the extra computation and the mixing without content), the model's own
 * sampled thought for <em>another</em> problem (the shuffled-thought ablation: content, but not about this problem),
 * or the true worked solution forced in (the oracle: what a perfect thought would give).
 */
final class SpanEvaluation {

    /** Where the thought's tokens come from. */
    enum Source {
        /** Sampled by the model at its training temperature. */
        SAMPLED("thinking once at answer start, kept %d tokens"),
        /** The arg-max token at every step. */
        GREEDY("thinking once at answer start, kept %d tokens, greedy thought"),
        /** One fixed token repeated. */
        CONSTANT("thinking once at answer start, kept %d tokens, constant thought"),
        /** The model's sampled thought for the next problem in the list. */
        SHUFFLED("thinking once at answer start, kept %d tokens, thought of another problem"),
        /** The true worked solution. */
        ORACLE("thinking once at answer start, kept %d tokens, true worked solution as thought");

        private final String format;

        Source(String format) {
            this.format = format;
        }

        String setting(int span) {
            return String.format(format, span);
        }
    }

    /**
     * A row and the thought used for each problem.
     *
     * @param row the evaluation row
     * @param thoughts each problem's thought, decoded
     * @param thoughtIds each problem's thought tokens
     */
    record Result(DemoResults.Row row, List<String> thoughts, List<int[]> thoughtIds) {}

    private SpanEvaluation() {}

    /**
     * Evaluates one thought source.
     *
     * @param label model label of the row
     * @param model the model
     * @param examples the held-out problems
     * @param workedSolutions each problem's worked solution (for the oracle), or null
     * @param sampled the sampled-source result of the same model and examples (for the shuffled source), or null
     * @param source where thoughts come from
     * @param seed seed of the sampled thoughts
     * @param constantId the constant thought's token
     * @return the row and the thoughts
     */
    static Result evaluate(String label, QuietStarModel model, List<EvalExample> examples,
            List<String> workedSolutions, Result sampled, Source source, long seed, int constantId) {
        // Demo code measuring the DJL backend: core's SpanThought on the DJL decoder step, with DJL samplers.
        return DjlReasoner.wrap(model).withStep(new SteppedReasoner.StepTask<Result>() {
            @Override
            public <C> Result run(DecoderStep<C> step, ThinkThenTalk loop) {
                // The checked step the reasoner hands out scores; a DJL step of the same model turns the demo's
                // DJL samplers into plain-array ones.
                try (DjlDecoderStep samplers = new DjlDecoderStep(model)) {
                    return evaluate(label, model, examples, workedSolutions, sampled, source, seed, constantId,
                            step, samplers, loop);
                }
            }
        });
    }

    private static <C> Result evaluate(String label, QuietStarModel model, List<EvalExample> examples,
            List<String> workedSolutions, Result sampled, Source source, long seed, int constantId,
            DecoderStep<C> step, DjlDecoderStep samplers, ThinkThenTalk loop) {
        TextTokenizer tok = model.tokenizer();
        int span = model.config().lookahead();
        int n = model.config().thoughtLength();
        SpanThought thinker = new SpanThought(loop, span);
        int[] alphabet = AnswerEvaluator.ANSWER_ALPHABET.chars().flatMap(c -> {
            int[] ids = tok.encode(String.valueOf((char) c));
            return ids.length == 1 ? IntStream.of(ids[0]) : IntStream.empty();
        }).toArray();
        int newline = tok.encode("\n")[0];
        List<ExampleResult> results = new ArrayList<>();
        List<String> thoughts = new ArrayList<>();
        List<int[]> thoughtIds = new ArrayList<>();
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
            int[] forced = forcedThought(source, tok, n, e, workedSolutions, sampled, examples.size());
            SpanThought.Scored s = thinker.score(step, prompt, answer,
                    samplers.adapt(sampler(source, model, seed, e, constantId, forced)));
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
            thoughts.add(tok.decode(s.thoughtIds()));
            thoughtIds.add(s.thoughtIds());
            long t0 = System.nanoTime();
            SpanThought.Scored g = thinker.generate(step, prompt,
                    answer.length + AnswerEvaluator.DEFAULT_GENERATION_MARGIN, newline,
                    samplers.adapt(sampler(source, model, seed, e, constantId, forced)));
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
            double meanWeight = Arrays.stream(s.mixingWeights()).average().orElse(Double.NaN);
            results.add(new ExampleResult(e, logProbs, right, renormalised, 1, meanWeight, text,
                    predicted.orElse(""), match, meanWeight, g.tokens().length));
        }
        int count = examples.size();
        DemoResults.Row row = new DemoResults.Row(label, source.setting(span), count, nll / Math.max(1, tokens),
                (double) correct / Math.max(1, tokens), (double) matches / Math.max(1, count),
                probability / Math.max(1, count), weighted == 0 ? Double.NaN : weight / weighted,
                generatedTokens / Math.max(1e-9, nanos / 1e9), results);
        return new Result(row, List.copyOf(thoughts), List.copyOf(thoughtIds));
    }

    private static int[] forcedThought(Source source, TextTokenizer tok, int n, int e, List<String> workedSolutions,
            Result sampled, int count) {
        int[] ids;
        if (source == Source.ORACLE) {
            if (workedSolutions == null) {
                throw new IllegalArgumentException("the oracle-thought ablation needs the worked solutions");
            }
            ids = tok.encode(workedSolutions.get(e));
        } else if (source == Source.SHUFFLED) {
            if (sampled == null) {
                throw new IllegalArgumentException("the shuffled-thought ablation needs the sampled thoughts");
            }
            ids = sampled.thoughtIds().get((e + 1) % count);
        } else {
            return null;
        }
        if (ids.length != n) {
            throw new IllegalArgumentException("a forced thought must be " + n + " tokens (the model's "
                    + "thoughtLength), this one is " + ids.length);
        }
        return ids;
    }

    private static ThoughtSampler<NDArray> sampler(Source source, QuietStarModel model, long seed, int e,
            int constantId, int[] forced) {
        return switch (source) {
            case SAMPLED -> ThoughtSamplers.categorical(model.config().thoughtTemperature(),
                    new SplittableRandom(seed * 1_000_003L + e));
            case GREEDY -> ThoughtSamplers.greedy();
            case CONSTANT -> CustomThoughtGeneration.constantSampler(constantId);
            case SHUFFLED, ORACLE -> ThoughtSamplers.forced(new int[][][] {{forced}});
        };
    }
}
