package dev.quietstar.core.report;

import dev.quietstar.api.StepMetrics;
import dev.quietstar.api.TextScore;
import java.util.ArrayList;
import java.util.List;

/** Hand-made inputs shared by the report tests. */
final class ReportFixtures {

    private ReportFixtures() {}

    /**
     * Ten tokens with known log-probabilities; token 2 holds a script tag and token 4 a newline.
     *
     * <p>Deltas (think − base): +0.5, −0.25, +1, 0, +2, −1, +0.1, +0.3, −0.2, +4.
     * The lowest base log-prob is token 9 (−6.0), so the hardest decile is that one token, delta +4.
     */
    static TextScore tenTokens() {
        List<String> tokens = List.of("The", " cat", "<script>alert('tok')</script>", " sat", "\n", "on", " the",
                " mat", " &", " 42");
        double[] base = {-1.0, -0.5, -2.0, -0.1, -3.0, -1.5, -0.2, -0.8, -0.4, -6.0};
        double[] delta = {0.5, -0.25, 1.0, 0.0, 2.0, -1.0, 0.1, 0.3, -0.2, 4.0};
        List<Integer> ids = new ArrayList<>();
        List<Double> b = new ArrayList<>();
        List<Double> t = new ArrayList<>();
        List<Double> w = new ArrayList<>();
        List<String> thoughts = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) {
            ids.add(100 + i);
            b.add(base[i]);
            t.add(base[i] + delta[i]);
            w.add(0.1 * i);
            thoughts.add(i == 2 ? "<img src=x onerror=\"document.body.dataset.pwned='1'\">" : "thought " + i);
        }
        return new TextScore(ids, tokens, b, t, w, thoughts);
    }

    /** Five training steps; step 3 has NaN everywhere to exercise line breaks. */
    static List<StepMetrics> fiveSteps() {
        List<StepMetrics> steps = new ArrayList<>();
        for (int s = 1; s <= 5; s++) {
            double v = s == 3 ? Double.NaN : 1.0 / s;
            steps.add(new StepMetrics(s, 3 * v, 2 * v, v, 2.5 * v, 2.4 * v, 2.6 * v, 2.5 * v, 0.1 * s, 0.05 * s,
                    1e-6, 1.0, 100, 1200));
        }
        return steps;
    }
}
