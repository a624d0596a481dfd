package dev.quietstar.examples.adaptive;

import dev.quietstar.api.TextScore;
import dev.quietstar.api.ThinkingPolicy;
import dev.quietstar.api.config.ThoughtSampling;
import dev.quietstar.core.eval.AnswerEvaluator;
import dev.quietstar.core.eval.EvalExample;
import dev.quietstar.core.eval.EvalProgress;
import dev.quietstar.core.eval.EvalSetting;
import dev.quietstar.core.eval.SettingResult;
import dev.quietstar.core.gate.ThinkingGate;
import dev.quietstar.core.infer.DecoderStep;
import dev.quietstar.core.infer.SteppedReasoner;
import dev.quietstar.core.infer.TextScorer;
import dev.quietstar.core.infer.ThinkThenTalk;
import dev.quietstar.core.text.TextTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Measures the adaptive-thinking curve of a model on held-out data.
 *
 * <p>On question sets the measurements are the evaluator's ({@link AnswerEvaluator}, the code of
 * {@code quietstar eval}): teacher-forced answer NLL, where each thinking position's token is scored after a thought,
 * and greedy exact match with the same policy. Each setting draws its own thoughts, so the runner also gives a paired
 * NLL per point, built from the always-think and never-think runs' per-token log-probabilities. On plain texts (stories) every token is scored once with a thought
 * and once without ({@link dev.quietstar.api.Reasoner#score(String, ThoughtSampling, long)}), and each threshold keeps the thought's log-probability where the
 * gate's prediction exceeds it: every threshold sees the same sampled thoughts, so the curve has no sampling noise
 * between its points.
 */
public final class AdaptiveCurveRunner {

    /** Shares of tokens the default thresholds aim to think before. */
    public static final double[] DEFAULT_THINK_SHARES = {0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.7};

    private final SteppedReasoner reasoner;
    private final ThinkThenTalk.Settings model;
    private final long seed;

    /**
     * Creates a runner.
     *
     * @param reasoner a model with a thinking gate, on any backend; the caller keeps owning it
     * @param seed seed of the sampled thoughts
     * @throws IllegalArgumentException when the model has no thinking gate
     */
    public AdaptiveCurveRunner(SteppedReasoner reasoner, long seed) {
        this.reasoner = Objects.requireNonNull(reasoner, "reasoner");
        this.model = reasoner.withStep(new SteppedReasoner.StepTask<ThinkThenTalk.Settings>() {
            @Override
            public <C> ThinkThenTalk.Settings run(DecoderStep<C> step, ThinkThenTalk loop) {
                if (loop.gate() == null) {
                    throw ThinkingGate.missing("the checkpoint");
                }
                return loop.settings();
            }
        });
        this.seed = seed;
    }

    private int stepsPerThought() {
        return model.thoughtLength() + 2;
    }

    /**
     * The curve on a question set.
     *
     * @param examples held-out questions
     * @param thresholds gate thresholds, or null to take quantiles of the predictions at {@link #DEFAULT_THINK_SHARES}
     * @param trigger the prompt suffix after which the once-at-trigger reference thinks
     * @param exactMatch whether to generate for exact match
     * @param progress progress sink
     * @param description what was measured
     * @return the curve
     */
    public AdaptiveCurve answers(List<EvalExample> examples, double[] thresholds, String trigger, boolean exactMatch,
            EvalProgress progress, String description) {
        AnswerEvaluator evaluator = AnswerEvaluator.builder(reasoner).optSeed(seed).optExactMatch(exactMatch)
                .build();
        List<double[]> gains = evaluator.answerGains(examples);
        if (thresholds == null) {
            double[] all = gains.stream().flatMapToDouble(Arrays::stream).toArray();
            thresholds = AdaptiveCurve.quantileThresholds(all, DEFAULT_THINK_SHARES);
        }
        List<String> names = new ArrayList<>(List.of("always", "once", "never"));
        List<ThinkingPolicy> policies = new ArrayList<>(List.of(ThinkingPolicy.everyToken(),
                ThinkingPolicy.afterTriggers(List.of(trigger)), ThinkingPolicy.never()));
        for (double t : thresholds) {
            names.add("adaptive");
            policies.add(ThinkingPolicy.adaptive(t));
        }
        List<CountingPolicy> counters = new ArrayList<>();
        List<EvalSetting> settings = new ArrayList<>();
        for (int i = 0; i < policies.size(); i++) {
            CountingPolicy c = new CountingPolicy(policies.get(i));
            counters.add(c);
            String label = i < 3 ? names.get(i) : "adaptive " + thresholds[i - 3];
            settings.add(new EvalSetting(label, c, false));
        }
        List<SettingResult> results = evaluator.evaluate(examples, settings, progress);
        // Per answer token: always-think's and never-think's log-probabilities, for the paired NLL.
        List<double[]> always = new ArrayList<>();
        List<double[]> never = new ArrayList<>();
        List<boolean[]> once = new ArrayList<>();
        TextTokenizer tok = model.tokenizer();
        ThinkingPolicy trigger1 = ThinkingPolicy.afterTriggers(List.of(trigger));
        for (int e = 0; e < examples.size(); e++) {
            always.add(results.get(0).perExample().get(e).answerLogProbs().stream().mapToDouble(Double::doubleValue)
                    .toArray());
            never.add(results.get(2).perExample().get(e).answerLogProbs().stream().mapToDouble(Double::doubleValue)
                    .toArray());
            int[] answer = tok.encode(AnswerEvaluator.answerText(examples.get(e)));
            boolean[] at = new boolean[answer.length];
            for (int j = 0; j < answer.length; j++) {
                at[j] = trigger1.thinkBeforeNext(examples.get(e).prompt() + tok.decode(Arrays.copyOf(answer, j)), j);
            }
            once.add(at);
        }
        List<CurvePoint> refs = new ArrayList<>();
        List<CurvePoint> adaptive = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            SettingResult r = results.get(i);
            long answerTokens = r.perExample().stream().mapToLong(e -> e.answerLogProbs().size()).sum();
            long thoughts = r.perExample().stream().mapToLong(e -> e.thoughts()).sum();
            double share = (double) thoughts / answerTokens;
            // The counter saw the scoring decisions (one per answer token) and then the generation decisions.
            CountingPolicy c = counters.get(i);
            long genAsked = c.asked() - answerTokens;
            long genThought = c.thought() - thoughts;
            double genPerToken = exactMatch && genAsked > 0 ? (double) genThought * stepsPerThought() / genAsked
                    : Double.NaN;
            double threshold = i < 3 ? Double.NaN : thresholds[i - 3];
            double paired = 0;
            for (int e = 0; e < examples.size(); e++) {
                for (int j = 0; j < always.get(e).length; j++) {
                    boolean think = switch (i) {
                        case 0 -> true;
                        case 1 -> once.get(e)[j];
                        case 2 -> false;
                        default -> gains.get(e)[j] > threshold;
                    };
                    paired -= think ? always.get(e)[j] : never.get(e)[j];
                }
            }
            CurvePoint p = new CurvePoint(names.get(i), threshold, share, share * stepsPerThought(), r.answerNll(),
                    paired / answerTokens, r.exactMatch(), genPerToken);
            (i < 3 ? refs : adaptive).add(p);
        }
        return new AdaptiveCurve("answers", description, model.thoughtLength(), refs, adaptive);
    }

    /**
     * The curve on plain texts: NLL of every token after the first.
     *
     * @param texts held-out texts
     * @param thresholds gate thresholds, or null to take quantiles of the predictions at {@link #DEFAULT_THINK_SHARES}
     * @param progress progress sink
     * @param description what was measured
     * @return the curve
     */
    public AdaptiveCurve texts(List<String> texts, double[] thresholds, EvalProgress progress, String description) {
        List<double[]> base = new ArrayList<>();
        List<double[]> think = new ArrayList<>();
        List<double[]> gains = new ArrayList<>();
        for (int s = 0; s < texts.size(); s++) {
            TextScore score = reasoner.score(texts.get(s), ThoughtSampling.SAMPLE, seed + s);
            base.add(score.baseLogProbs().stream().mapToDouble(Double::doubleValue).toArray());
            think.add(score.thinkLogProbs().stream().mapToDouble(Double::doubleValue).toArray());
            String text = texts.get(s);
            gains.add(reasoner.withStep(new SteppedReasoner.StepTask<double[]>() {
                @Override
                public <C> double[] run(DecoderStep<C> step, ThinkThenTalk loop) {
                    return new TextScorer(loop).predictedGains(step, text);
                }
            }));
            progress.update("scoring", s + 1, texts.size());
        }
        if (thresholds == null) {
            double[] all = gains.stream().flatMapToDouble(Arrays::stream).toArray();
            thresholds = AdaptiveCurve.quantileThresholds(all, DEFAULT_THINK_SHARES);
        }
        List<CurvePoint> refs = new ArrayList<>();
        refs.add(textPoint("always", Double.NaN, base, think, gains, Double.NEGATIVE_INFINITY));
        refs.add(textPoint("never", Double.NaN, base, think, gains, Double.POSITIVE_INFINITY));
        List<CurvePoint> adaptive = new ArrayList<>();
        for (double t : thresholds) {
            adaptive.add(textPoint("adaptive", t, base, think, gains, t));
        }
        return new AdaptiveCurve("text", description, model.thoughtLength(), refs, adaptive);
    }

    private CurvePoint textPoint(String name, double label, List<double[]> base, List<double[]> think,
            List<double[]> gains, double threshold) {
        double nll = 0;
        long tokens = 0;
        long thoughts = 0;
        for (int s = 0; s < base.size(); s++) {
            for (int i = 0; i < base.get(s).length; i++) {
                boolean t = gains.get(s)[i] > threshold;
                nll -= t ? think.get(s)[i] : base.get(s)[i];
                thoughts += t ? 1 : 0;
                tokens++;
            }
        }
        double share = (double) thoughts / tokens;
        return new CurvePoint(name, label, share, share * stepsPerThought(), nll / tokens, nll / tokens, Double.NaN,
                Double.NaN);
    }
}
