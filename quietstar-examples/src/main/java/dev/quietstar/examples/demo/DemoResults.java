package dev.quietstar.examples.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.quietstar.api.StepMetrics;
import dev.quietstar.api.TrainingReport;
import dev.quietstar.djl.eval.ExampleResult;
import dev.quietstar.djl.eval.SettingResult;
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
 * What the demo measured: the training phases, one row per model and evaluation setting, and the per-token effect
 * of thinking for the headline Quiet-STaR model. Written as {@code results.json} and {@code results.md}.
 *
 * @param plan the sizes
 * @param folder the output folder
 * @param phases the training runs
 * @param rows the evaluation rows
 * @param thinking the per-token effect of thinking for the headline model, or null
 */
public record DemoResults(DemoPlan plan, Path folder, List<Phase> phases, List<Row> rows, ThinkingEffect thinking) {

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
            String offName = dev.quietstar.djl.eval.EvalSetting.thinkingOff().name();
            String everyName = dev.quietstar.djl.eval.EvalSetting.everyToken().name();
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
        sb.append("## Held-out answers (").append(rows.isEmpty() ? 0 : rows.get(0).examples())
                .append(" direct-answer problems, numbers unseen in training)\n\n");
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
        sb.append("\n## Training phases\n\n| phase | steps | wall s | tokens/s | fed tokens/s | final base NLL |\n");
        sb.append("|---|---:|---:|---:|---:|---:|\n");
        for (Phase p : phases) {
            sb.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %.0f | %.0f | %.4f |%n", p.name(), p.steps(),
                    p.wallSeconds(), p.tokensPerSecond(), p.fedTokensPerSecond(), p.finalBaseNll()));
        }
        return sb.toString();
    }
}
