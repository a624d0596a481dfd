package dev.quietstar.examples.demo;

import dev.quietstar.api.StepMetrics;
import dev.quietstar.api.TextScore;
import dev.quietstar.core.eval.EvalExample;
import dev.quietstar.core.report.ThoughtReport;
import dev.quietstar.djl.eval.AnswerEvaluator;
import dev.quietstar.djl.eval.EvalSetting;
import dev.quietstar.djl.eval.SettingResult;
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
     * The settings a model is evaluated with: thinking off for the controls; for a Quiet-STaR model also thinking
     * before every answer token, once at the start of the answer, and the constant-thought ablation of both.
     */
    static List<EvalSetting> settings(boolean quietStar, boolean headline) {
        List<EvalSetting> list = new ArrayList<>();
        list.add(EvalSetting.thinkingOff());
        if (quietStar) {
            list.add(EvalSetting.everyToken());
            list.add(EvalSetting.atAnswerStart(EvalSetting.ANSWER_TRIGGER));
            if (headline) {
                list.add(EvalSetting.everyToken().withConstantThought());
                list.add(EvalSetting.atAnswerStart(EvalSetting.ANSWER_TRIGGER).withConstantThought());
            }
        }
        return list;
    }

    List<DemoResults.Row> evaluate(String label, Path checkpoint, List<EvalExample> examples, boolean headline) {
        boolean quietStar = label.startsWith("quiet-star");
        List<EvalSetting> settings = settings(quietStar, headline);
        out.println("== evaluating " + label + " on " + examples.size() + " held-out problems ("
                + settings.stream().map(EvalSetting::name).toList() + ")");
        out.flush();
        try (QuietStarModel model = QuietStarModel.load(checkpoint, DemoTraining.device());
                var progress = new dev.quietstar.examples.cli.CommandProgress("eval " + label, out,
                        System.console() != null)) {
            AnswerEvaluator evaluator = AnswerEvaluator.builder(model).optSeed(plan.seed()).build();
            List<DemoResults.Row> rows = new ArrayList<>();
            for (SettingResult r : evaluator.evaluate(examples, settings, progress)) {
                rows.add(DemoResults.Row.of(label, r));
            }
            if (quietStar) {
                rows.add(SpanEvaluation.evaluate(label, model, examples, plan.seed(), false,
                        evaluator.constantThoughtId()));
                if (headline) {
                    rows.add(SpanEvaluation.evaluate(label, model, examples, plan.seed(), true,
                            evaluator.constantThoughtId()));
                }
            }
            return rows;
        }
    }

    /** Writes the thought report of one held-out problem (question and gold answer) under the model. */
    void writeReport(Path checkpoint, EvalExample example, List<StepMetrics> steps, Path file) {
        try (DjlReasoner reasoner = DjlReasoner.open(checkpoint, DemoTraining.device())) {
            TextScore score = reasoner.score(example.prompt() + example.gold() + "\n");
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("checkpoint", checkpoint.toString());
            info.put("preset", plan.name());
            info.put("thoughtLength", plan.thoughtLength());
            ThoughtReport.builder().title("quietstar demo: what thinking changed on a held-out problem")
                    .score(score).steps(steps).runInfo(info).build().writeTo(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
