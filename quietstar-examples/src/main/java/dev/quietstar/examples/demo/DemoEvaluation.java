package dev.quietstar.examples.demo;

import dev.quietstar.api.StepMetrics;
import dev.quietstar.api.TextScore;
import dev.quietstar.examples.data.ColumnArithmeticCorpus;
import dev.quietstar.core.eval.EvalExample;
import dev.quietstar.core.report.ThoughtReport;
import dev.quietstar.core.eval.AnswerEvaluator;
import dev.quietstar.core.eval.EvalSetting;
import dev.quietstar.core.eval.SettingResult;
import dev.quietstar.djl.infer.DjlReasoner;
import dev.quietstar.djl.thought.QuietStarModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Evaluates the demo's checkpoints on the held-out problems with the project's {@link AnswerEvaluator}.
 */
final class DemoEvaluation {

    private final DemoPlan plan;
    private final PrintWriter out;

    DemoEvaluation(DemoPlan plan, PrintWriter out) {
        this.plan = plan;
        this.out = out;
    }

    /**
     * The per-token settings a model is evaluated with through {@link AnswerEvaluator}: thinking off for the
     * controls; for the headline Quiet-STaR model also thinking before every answer token and once at the start of
     * the answer (the thought dropped after one token, as the reasoner does).
     */
    static List<EvalSetting> settings(boolean quietStar, boolean headline) {
        List<EvalSetting> list = new ArrayList<>();
        list.add(EvalSetting.thinkingOff());
        if (quietStar && headline) {
            list.add(EvalSetting.everyToken());
            list.add(EvalSetting.atAnswerStart(EvalSetting.ANSWER_TRIGGER));
        }
        return list;
    }

    /**
     * Evaluates a checkpoint: the per-token settings, and for a Quiet-STaR model thinking once before the answer
     * with the thought kept for the look-ahead, from each thought source (every source for the headline model,
     * sampled and constant for the others).
     *
     * @param label the model's label
     * @param checkpoint the checkpoint
     * @param examples held-out problems
     * @param workedSolutions their worked solutions (for the oracle)
     * @param headline whether this is the headline model
     * @return the rows; the span rows carry their thoughts
     */
    Evaluated evaluate(String label, Path checkpoint, List<EvalExample> examples, List<String> workedSolutions,
            boolean headline) {
        boolean quietStar = label.startsWith("quiet-star");
        List<EvalSetting> settings = settings(quietStar, headline);
        out.println("== evaluating " + label + " on " + examples.size() + " held-out problems");
        out.flush();
        try (QuietStarModel model = QuietStarModel.load(checkpoint, DemoTraining.device());
                var progress = new dev.quietstar.examples.cli.CommandProgress("eval " + label, out,
                        System.console() != null)) {
            AnswerEvaluator evaluator = AnswerEvaluator.builder(dev.quietstar.djl.infer.DjlReasoner.wrap(model)).optSeed(plan.seed()).build();
            List<DemoResults.Row> rows = new ArrayList<>();
            for (SettingResult r : evaluator.evaluate(examples, settings, progress)) {
                rows.add(DemoResults.Row.of(label, r));
            }
            Map<SpanEvaluation.Source, SpanEvaluation.Result> spans = new LinkedHashMap<>();
            if (quietStar) {
                boolean oracleFits = model.config().thoughtLength() == ColumnArithmeticCorpus.WIDTH;
                List<SpanEvaluation.Source> sources = headline
                        ? List.of(SpanEvaluation.Source.values())
                        : List.of(SpanEvaluation.Source.SAMPLED, SpanEvaluation.Source.CONSTANT);
                for (SpanEvaluation.Source source : sources) {
                    if (source == SpanEvaluation.Source.ORACLE && !oracleFits) {
                        continue;
                    }
                    SpanEvaluation.Result r = SpanEvaluation.evaluate(label, model, examples, workedSolutions,
                            spans.get(SpanEvaluation.Source.SAMPLED), source, plan.seed(),
                            evaluator.constantThoughtId());
                    spans.put(source, r);
                    rows.add(r.row());
                }
            }
            return new Evaluated(rows, spans);
        }
    }

    /**
     * What one checkpoint's evaluation gave.
     *
     * @param rows every row
     * @param spans the think-once rows by thought source, with their thoughts
     */
    record Evaluated(List<DemoResults.Row> rows, Map<SpanEvaluation.Source, SpanEvaluation.Result> spans) {}

    /** Writes the thought report of one held-out problem (question and gold answer) under the model. */
    void writeReport(Path checkpoint, EvalExample example, List<StepMetrics> steps, Path file, String qualitySvg) {
        try (DjlReasoner reasoner = DjlReasoner.open(checkpoint, DemoTraining.device())) {
            TextScore score = reasoner.score(example.prompt() + example.gold() + "\n");
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("checkpoint", checkpoint.toString());
            info.put("preset", plan.name());
            info.put("thoughtLength", plan.thoughtLength());
            ThoughtReport.builder().title("quietstar demo: what thinking changed on a held-out problem")
                    .score(score).steps(steps).runInfo(info)
                    .figure("Thought quality over training", qualitySvg).build().writeTo(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
