package dev.quietstar.examples.demo;

import dev.quietstar.core.star.StarReport;
import dev.quietstar.examples.cli.StarCommand;
import java.util.List;
import java.util.Locale;

/** The Markdown of {@code demo --star}. */
final class StarComparisonReport {

    private StarComparisonReport() {}

    static String markdown(DemoPlan plan, double budget, List<StarComparison.Cost> costs, List<DemoResults.Row> rows,
            List<DemoResults.Paired> paired, StarReport visible, List<StarComparison.Hidden> hidden,
            DemoResults.Row control) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "## STaR and Quiet-STaR at equal wall time (%s preset)%n%n",
                plan.name()));
        sb.append(String.format(Locale.ROOT, "Every method starts from the same base (the shipped checkpoint, "
                + "meta-tokens from `[` and `]`) and gets the Quiet-STaR run's wall time, %.1f s, for its training "
                + "(STaR: rationale writing and fine-tuning; a round that starts within the budget ends). Held-out: "
                + "%d problems with unseen operands.%n%n", budget, control.examples()));
        sb.append("| method | wall s | tokens processed | what |\n|---|---:|---:|---|\n");
        for (StarComparison.Cost c : costs) {
            sb.append(String.format(Locale.ROOT, "| %s | %.1f | %,d | %s |%n", c.method(), c.seconds(), c.tokens(),
                    c.detail()));
        }
        sb.append("\nTokens processed: training windows (steps x examples x window, thought tokens not counted) "
                + "plus, for STaR, the tokens it generated.\n\n");
        sb.append("### Held-out answers\n\n| model | setting | answer NLL | token acc. | exact match "
                + "| answer probability |\n|---|---|---:|---:|---:|---:|\n");
        for (DemoResults.Row r : rows) {
            sb.append(String.format(Locale.ROOT, "| %s | %s | %.4f | %.3f | %.3f | %.4f |%n", r.model(), r.setting(),
                    r.answerNll(), r.tokenAccuracy(), r.exactMatch(), r.answerProbability()));
        }
        sb.append("\nThe STaR row scores the answer after the rationale the model wrote itself (greedy); its exact "
                + "match is the greedy answer after that rationale.\n\n");
        sb.append("### Paired over the held-out problems (per problem: mean answer NLL per token; negative = the "
                + "first is better)\n\n| comparison | mean difference (nats) | standard error | relative answer NLL |\n"
                + "|---|---:|---:|---:|\n");
        for (DemoResults.Paired p : paired) {
            sb.append(String.format(Locale.ROOT, "| %s | %+.4f | %.4f | %+.1f%% |%n", p.name(), p.meanDelta(),
                    p.standardError(), 100 * p.relativeChange()));
        }
        sb.append('\n').append(verdict(hidden, control)).append("\n\n");
        sb.append("### STaR rounds, visible rationales\n\n").append(StarCommand.table(visible)).append('\n');
        for (StarComparison.Hidden h : hidden) {
            if (h.star() != null) {
                sb.append("### STaR rounds of ").append(h.method()).append("\n\n").append(StarCommand.table(h.star()))
                        .append('\n');
            }
        }
        sb.append("### Hidden thoughts before the answer (first " + QuietStarDemo.QUALITY_PROBLEMS
                + " held-out problems at most)\n\n| model | Quiet-STaR steps | sampled exact | greedy exact |\n"
                + "|---|---:|---:|---:|\n");
        for (StarComparison.Hidden h : hidden) {
            sb.append(String.format(Locale.ROOT, "| %s | %d | %.3f | %.3f |%n", h.method(), h.quality().step(),
                    h.quality().sampledExact(), h.quality().greedyExact()));
        }
        return sb.toString();
    }

    /** The target of the comparison, checked for each hidden-thought method. */
    static String verdict(List<StarComparison.Hidden> hidden, DemoResults.Row control) {
        StringBuilder sb = new StringBuilder("Target: a hidden-thought method at least 15% below the plain control's "
                + "answer NLL, with its constant-thought ablation losing at least 50% of that gain.");
        boolean met = false;
        for (StarComparison.Hidden h : hidden) {
            DemoResults.Row s = h.sampled();
            DemoResults.Row c = h.constant();
            double gain = 1 - s.answerNll() / control.answerNll();
            double lost = (c.answerNll() - s.answerNll()) / (control.answerNll() - s.answerNll());
            met |= gain >= 0.15 && lost >= 0.5;
            String ablation = lost >= 1
                    ? String.format(Locale.ROOT, "the constant thought loses all of it (its answer NLL is %.1f%% "
                            + "%s the control's)", 100 * Math.abs(c.answerNll() / control.answerNll() - 1),
                            c.answerNll() >= control.answerNll() ? "above" : "below")
                    : String.format(Locale.ROOT, "the constant thought loses %.0f%% of it", 100 * lost);
            sb.append(gain > 0
                    ? String.format(Locale.ROOT, " %s: %.1f%% below the control; %s.", h.method(), 100 * gain,
                            ablation)
                    : String.format(Locale.ROOT, " %s: %.1f%% above (worse than) the control, no gain to lose.",
                            h.method(), -100 * gain));
        }
        return sb.append(met ? " Target met." : " Target NOT met.").toString();
    }
}
