package dev.quietstar.examples.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.quietstar.api.StepMetrics;
import dev.quietstar.api.TrainingReport;
import dev.quietstar.core.eval.ExampleResult;
import dev.quietstar.core.eval.SettingResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * What the demo measured: the training phases, one row per model and evaluation setting, paired per-problem
 * comparisons of the headline result with the controls and the ablations, the thought-quality curve of the
 * headline run, and the per-token effect of thinking. Written as {@code results.json} and {@code results.md}.
 *
 * @param plan the sizes
 * @param folder the output folder
 * @param phases the training runs
 * @param rows the evaluation rows
 * @param thinking the per-token effect of thinking for the headline model, or null
 * @param comparisons paired per-problem differences of answer NLL
 * @param verdict the headline numbers against the demo's targets, or null
 * @param quality the thought-quality curve of the headline run (step 0 is the start)
 * @param samples a few held-out problems with the thoughts the headline model had before their answer
 * @param controlQuality the thoughts the plain controls would write at the same places (does plain training alone
 *     change them?)
 */
public record DemoResults(DemoPlan plan, Path folder, List<Phase> phases, List<Row> rows, ThinkingEffect thinking,
        List<Paired> comparisons, Verdict verdict, List<ThoughtQuality.Point> quality, List<Sample> samples,
        List<LabelledPoint> controlQuality) {

    /**
     * The thought quality of a model that is not the headline run.
     *
     * @param model which model
     * @param point its thoughts
     */
    public record LabelledPoint(String model, ThoughtQuality.Point point) {}

    /**
     * A paired comparison over the same problems: for each problem, its mean answer NLL per token under {@code a}
     * minus under {@code b}; negative means {@code a} is better.
     *
     * @param name what is compared
     * @param a the first row (model and setting)
     * @param b the second row
     * @param problems problems compared
     * @param meanDelta mean over problems of NLL(a) - NLL(b), nats per token
     * @param standardError standard error of that mean
     * @param relativeChange answer NLL (per token, all problems) of a relative to b, minus 1
     */
    public record Paired(String name, String a, String b, int problems, double meanDelta, double standardError,
            double relativeChange) {

        static Paired of(String name, Row a, Row b) {
            int n = Math.min(a.perExample().size(), b.perExample().size());
            double[] d = new double[n];
            for (int i = 0; i < n; i++) {
                d[i] = problemNll(a.perExample().get(i)) - problemNll(b.perExample().get(i));
            }
            double mean = java.util.Arrays.stream(d).average().orElse(Double.NaN);
            double var = 0;
            for (double x : d) {
                var += (x - mean) * (x - mean);
            }
            double se = n > 1 ? Math.sqrt(var / (n - 1) / n) : Double.NaN;
            return new Paired(name, a.model() + ", " + a.setting(), b.model() + ", " + b.setting(), n, mean, se,
                    a.answerNll() / b.answerNll() - 1);
        }

        private static double problemNll(ExampleResult r) {
            return -r.answerLogProbs().stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        }
    }

    /**
     * The headline against the targets: think-once Quiet-STaR at least 15% below both plain controls in held-out
     * answer NLL, and the constant-thought ablation losing at least half of that gain.
     *
     * @param headline the headline row's setting
     * @param headlineNll its answer NLL
     * @param gainVsEqualSteps 1 - NLL(headline) / NLL(control, equal steps)
     * @param gainVsEqualTime 1 - NLL(headline) / NLL(control, equal wall time)
     * @param constantLoss share of the gain over the better control that the constant thought loses
     * @param shuffledLoss share of that gain that a thought of another problem loses
     * @param oracleGain 1 - NLL(true worked solution as thought) / NLL(better control), NaN when not measured
     * @param met whether both targets hold
     */
    public record Verdict(String headline, double headlineNll, double gainVsEqualSteps, double gainVsEqualTime,
            double constantLoss, double shuffledLoss, double oracleGain, boolean met) {

        static final double GAIN_TARGET = 0.15;
        static final double CONSTANT_LOSS_TARGET = 0.5;

        static Verdict of(Row headline, Row steps, Row time, Row constant, Row shuffled, Row oracle) {
            double best = Math.min(steps.answerNll(), time.answerNll());
            double gain = best - headline.answerNll();
            double gs = 1 - headline.answerNll() / steps.answerNll();
            double gt = 1 - headline.answerNll() / time.answerNll();
            double cl = gain > 0 && constant != null ? 1 - (best - constant.answerNll()) / gain : Double.NaN;
            double sl = gain > 0 && shuffled != null ? 1 - (best - shuffled.answerNll()) / gain : Double.NaN;
            double og = oracle != null ? 1 - oracle.answerNll() / best : Double.NaN;
            return new Verdict(headline.setting(), headline.answerNll(), gs, gt, cl, sl, og,
                    gs >= GAIN_TARGET && gt >= GAIN_TARGET && cl >= CONSTANT_LOSS_TARGET);
        }
    }

    /**
     * One held-out problem and the headline model's thoughts before its answer.
     *
     * @param question the question
     * @param workedSolution the true worked solution
     * @param sampledThought the thought sampled at the training temperature
     * @param greedyThought the greedy thought
     * @param answer the gold answer
     * @param generated the answer generated after the sampled thought
     */
    public record Sample(String question, String workedSolution, String sampledThought, String greedyThought,
            String answer, String generated) {}

    /**
     * One training run.
     *
     * @param name what ran
     * @param steps optimiser steps
     * @param wallSeconds wall time
     * @param tokensPerSecond real tokens per second (mean over steps)
     * @param fedTokensPerSecond tokens fed to the decoder per second, thoughts included
     * @param finalBaseNll plain mean next-token NLL of the last step
     */
    public record Phase(String name, int steps, double wallSeconds, double tokensPerSecond,
            double fedTokensPerSecond, double finalBaseNll) {

        static Phase of(String name, TrainingReport r) {
            List<StepMetrics> s = r.steps();
            return new Phase(name, s.size(), r.wallSeconds(),
                    s.stream().mapToDouble(StepMetrics::tokensPerSecond).average().orElse(Double.NaN),
                    s.stream().mapToDouble(StepMetrics::thoughtTokensPerSecond).average().orElse(Double.NaN),
                    s.isEmpty() ? Double.NaN : s.get(s.size() - 1).baseNllPlain());
        }
    }

    /**
     * One model under one evaluation setting.
     *
     * @param model which checkpoint
     * @param setting thinking off / every token / once at the answer start / constant-thought ablations
     * @param examples held-out problems
     * @param answerNll mean NLL per answer token, nats
     * @param tokenAccuracy share of answer tokens that are the arg-max
     * @param exactMatch share of problems whose greedy answer is right
     * @param answerProbability mean probability of the gold answer renormalised over digits, '-' and newline (a
     *     probability, not an accuracy)
     * @param meanMixingWeight mean mixing weight where the model thought
     * @param tokensPerSecond generated tokens per second
     * @param perExample each problem's result (JSON only)
     */
    public record Row(String model, String setting, int examples, double answerNll, double tokenAccuracy,
            double exactMatch, double answerProbability, double meanMixingWeight, double tokensPerSecond,
            List<ExampleResult> perExample) {

        static Row of(String model, SettingResult r) {
            return new Row(model, r.setting(), r.examples(), r.answerNll(), r.tokenAccuracy(), r.exactMatch(),
                    r.answerProbability(), r.meanMixingWeight(), r.tokensPerSecond(), r.perExample());
        }
    }

    /**
     * Which answer tokens thinking (before every token) helped, for the headline model: the same model with and
     * without thoughts on the same tokens.
     *
     * @param tokens answer tokens compared
     * @param improvedShare share of tokens whose log-probability rose with thinking
     * @param meanDelta mean change of log-probability (nats)
     * @param hardestDecileDelta mean change over the 10% of tokens hardest for the model without thinking
     * @param generationSlowdown tokens/s without thinking divided by tokens/s with thinking before every token
     */
    public record ThinkingEffect(int tokens, double improvedShare, double meanDelta, double hardestDecileDelta,
            double generationSlowdown) {

        static ThinkingEffect of(List<Row> rows) {
            String offName = dev.quietstar.core.eval.EvalSetting.thinkingOff().name();
            String everyName = dev.quietstar.core.eval.EvalSetting.everyToken().name();
            Row off = rows.stream().filter(r -> r.setting().equals(offName)).findFirst().orElseThrow();
            Row every = rows.stream().filter(r -> r.setting().equals(everyName)).findFirst().orElseThrow();
            List<double[]> pairs = new ArrayList<>();
            for (int e = 0; e < off.perExample().size(); e++) {
                List<Double> a = off.perExample().get(e).answerLogProbs();
                List<Double> b = every.perExample().get(e).answerLogProbs();
                for (int t = 0; t < a.size(); t++) {
                    pairs.add(new double[] {a.get(t), b.get(t)});
                }
            }
            if (pairs.isEmpty()) {
                return new ThinkingEffect(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
            }
            double improved = pairs.stream().filter(p -> p[1] > p[0]).count() / (double) pairs.size();
            double mean = pairs.stream().mapToDouble(p -> p[1] - p[0]).average().orElse(Double.NaN);
            pairs.sort(Comparator.comparingDouble(p -> p[0]));
            int decile = Math.max(1, (int) Math.ceil(pairs.size() / 10.0));
            double hardest = pairs.subList(0, decile).stream().mapToDouble(p -> p[1] - p[0]).average()
                    .orElse(Double.NaN);
            return new ThinkingEffect(pairs.size(), improved, mean, hardest,
                    off.tokensPerSecond() / every.tokensPerSecond());
        }
    }

    /**
     * Writes {@code results.json} and {@code results.md}.
     *
     * @param dir the folder
     */
    public void write(Path dir) {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .configure(com.fasterxml.jackson.core.json.JsonWriteFeature.WRITE_NAN_AS_STRINGS.mappedFeature(), true);
        try {
            Files.createDirectories(dir);
            var node = json.createObjectNode();
            node.put("created", Instant.now().toString());
            node.set("result", json.valueToTree(this));
            Files.writeString(dir.resolve("results.json"), json.writeValueAsString(node));
            Files.writeString(dir.resolve("results.md"), toMarkdown());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the demo results to " + dir, e);
        }
    }

    /**
     * The comparison tables.
     *
     * @return Markdown
     */
    public String toMarkdown() {
        StringBuilder sb = new StringBuilder();
        int problems = rows.isEmpty() ? 0 : rows.get(0).examples();
        if (verdict != null) {
            sb.append("## Headline: thinking once before the answer\n\n");
            sb.append(String.format(Locale.ROOT, "%s: answer NLL %.4f, %.1f%% below the equal-steps control and "
                    + "%.1f%% below the equal-wall-time control (target: at least 15%% below both; a negative "
                    + "number means worse). ", verdict.headline(), verdict.headlineNll(),
                    100 * verdict.gainVsEqualSteps(), 100 * verdict.gainVsEqualTime()));
            if (Double.isNaN(verdict.constantLoss())) {
                sb.append("There is no gain over the better control, so the ablations have none to lose. ");
            } else {
                sb.append(String.format(Locale.ROOT, "The constant thought loses %.0f%% of the gain over the better "
                        + "control (target: at least 50%%), a thought of another problem loses %.0f%%. ",
                        100 * verdict.constantLoss(), 100 * verdict.shuffledLoss()));
            }
            if (!Double.isNaN(verdict.oracleGain())) {
                sb.append(String.format(Locale.ROOT, "The true worked solution as the thought gives %.1f%% below the "
                        + "better control. ", 100 * verdict.oracleGain()));
            }
            sb.append("Targets ").append(verdict.met() ? "met" : "NOT met").append(".\n\n");
        }
        if (!comparisons.isEmpty()) {
            sb.append("Paired over the same ").append(problems).append(" held-out problems (per problem: mean answer "
                    + "NLL per token; negative = the first is better):\n\n");
            sb.append("| comparison | mean difference (nats) | standard error | relative answer NLL |\n");
            sb.append("|---|---:|---:|---:|\n");
            for (Paired p : comparisons) {
                sb.append(String.format(Locale.ROOT, "| %s | %+.4f | %.4f | %+.1f%% |%n", p.name(), p.meanDelta(),
                        p.standardError(), 100 * p.relativeChange()));
            }
            sb.append('\n');
        }
        sb.append("## Held-out answers (").append(problems)
                .append(" direct-answer problems, operands unseen in training)\n\n");
        sb.append("| model | thinking | answer NLL | token acc. | exact match | answer probability | mean w |"
                + " tokens/s |\n");
        sb.append("|---|---|---:|---:|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "| %s | %s | %.4f | %.3f | %.3f | %.4f | %s | %.1f |%n",
                    r.model(), r.setting(), r.answerNll(), r.tokenAccuracy(), r.exactMatch(),
                    r.answerProbability(), Double.isNaN(r.meanMixingWeight()) ? "-"
                            : String.format(Locale.ROOT, "%.3f", r.meanMixingWeight()), r.tokensPerSecond()));
        }
        if (thinking != null) {
            sb.append(String.format(Locale.ROOT, "%nThinking before every token, headline model, %d answer tokens: "
                    + "%.1f%% of tokens more likely, mean change %+.4f nats, hardest decile %+.4f nats; "
                    + "generation %.1fx slower than without thinking.%n", thinking.tokens(),
                    100 * thinking.improvedShare(), thinking.meanDelta(), thinking.hardestDecileDelta(),
                    thinking.generationSlowdown()));
        }
        if (!quality.isEmpty()) {
            sb.append("\n## Thought quality over training (headline run)\n\n");
            sb.append("Share of thoughts before the answer that are exactly the worked solution, and per column "
                    + "(least-significant first), on ").append(quality.get(0).problems())
                    .append(" held-out problems; sampled at the training temperature and greedy.\n\n");
            sb.append("| step | sampled exact | sampled columns | greedy exact | greedy columns | think-once answer NLL "
                    + "| mean w |\n|---:|---:|---|---:|---|---:|---:|\n");
            for (ThoughtQuality.Point q : quality) {
                sb.append(String.format(Locale.ROOT, "| %d | %.3f | %s | %.3f | %s | %.4f | %.3f |%n", q.step(),
                        q.sampledExact(), columns(q.sampledColumns()), q.greedyExact(), columns(q.greedyColumns()),
                        q.answerNll(), q.meanMixingWeight()));
            }
            if (!controlQuality.isEmpty()) {
                sb.append("\nThe same measure on the plain controls' final weights (their thoughts are never "
                        + "trained or used; this shows what plain training alone does to them; NLL and w are not "
                        + "meaningful there, the mixing head is untrained):\n\n| model | steps | sampled exact | "
                        + "sampled columns | greedy exact | greedy columns |\n|---|---:|---:|---|---:|---|\n");
                for (LabelledPoint l : controlQuality) {
                    ThoughtQuality.Point q = l.point();
                    sb.append(String.format(Locale.ROOT, "| %s | %d | %.3f | %s | %.3f | %s |%n", l.model(),
                            q.step(), q.sampledExact(), columns(q.sampledColumns()), q.greedyExact(),
                            columns(q.greedyColumns())));
                }
            }
        }
        if (!samples.isEmpty()) {
            sb.append("\n## Thoughts before the answer (headline model, first held-out problems)\n\n");
            sb.append("| question | worked solution | sampled thought | greedy thought | answer | generated |\n");
            sb.append("|---|---|---|---|---|---|\n");
            for (Sample x : samples) {
                sb.append("| `").append(x.question()).append("` | `").append(x.workedSolution()).append("` | `")
                        .append(printable(x.sampledThought())).append("` | `").append(printable(x.greedyThought()))
                        .append("` | ").append(x.answer()).append(" | `").append(printable(x.generated()))
                        .append("` |\n");
            }
        }
        sb.append("\n## Training phases\n\n| phase | steps | wall s | tokens/s | fed tokens/s | final base NLL |\n");
        sb.append("|---|---:|---:|---:|---:|---:|\n");
        for (Phase p : phases) {
            sb.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %.0f | %.0f | %.4f |%n", p.name(), p.steps(),
                    p.wallSeconds(), p.tokensPerSecond(), p.fedTokensPerSecond(), p.finalBaseNll()));
        }
        return sb.toString();
    }

    private static String columns(double[] shares) {
        StringBuilder b = new StringBuilder();
        for (double x : shares) {
            b.append(b.length() == 0 ? "" : " / ").append(String.format(Locale.ROOT, "%.2f", x));
        }
        return b.toString();
    }

    /** Makes a thought or generated text safe inside a Markdown code span. */
    static String printable(String text) {
        StringBuilder b = new StringBuilder();
        for (char c : text.toCharArray()) {
            b.append(c == '\n' ? "\\n" : c == '|' ? "\\|" : c == '`' ? "'" : c < 32 || c == 0xFFFD ? "?" : c);
        }
        return b.toString();
    }
}
