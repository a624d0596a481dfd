package dev.quietstar.core.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quietstar.api.StepMetrics;
import dev.quietstar.api.TextScore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The thought report's colour scale, figures, summary wording and non-finite numbers. */
class ThoughtReportEdgesTest {

    private static ThoughtReport.Builder base() {
        return ThoughtReport.builder().title("t").score(ReportFixtures.tenTokens());
    }

    @Test
    void theColourScaleSaturatesAtTheChosenMaxDelta() {
        ThoughtReport r = base().maxDelta(1.0).build();
        String html = r.toHtml();
        // token 5 has delta -1: full red at maxDelta 1 (0.460 at the default 2)
        assertThat(html).contains("data-i=\"5\" style=\"background:rgba(220,38,38,0.800)\"");
        assertThat(html).contains("<span class=\"swatch\" style=\"background:rgba(220,38,38,0.800)\">−1.00 nats or "
                + "less (hurt)</span>");
        assertThat(html).contains("<span class=\"swatch\" style=\"background:rgba(22,163,74,0.800)\">+1.00 nats or "
                + "more (helped)</span>");
        assertThat(r.colour(0.5)).isEqualTo("rgba(22,163,74,0.460)");
        assertThat(r.colour(0.0)).isEqualTo("rgba(220,38,38,0.120)");
        for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, -1}) {
            assertThatThrownBy(() -> ThoughtReport.builder().maxDelta(bad)).hasMessageContaining("maxDelta");
        }
    }

    @Test
    void figuresAreEmbeddedWithTheirCaptionAndOnlySvgIsAccepted() {
        String svg = new SvgBarChart("bars", "ms", List.of("a")).series("s", new double[] {1}).toSvg();
        String html = base().figure("latency <p50>", "  " + svg).build().toHtml();
        assertThat(html).contains(svg).contains("latency &lt;p50&gt;");
        assertThatThrownBy(() -> ThoughtReport.builder().figure("x", "<div>no</div>"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'x' is not an SVG document");
        assertThatThrownBy(() -> ThoughtReport.builder().figure("y", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'y'");
        List<StepMetrics> withNull = new ArrayList<>(ReportFixtures.fiveSteps());
        withNull.set(1, null);
        assertThatThrownBy(() -> ThoughtReport.builder().steps(withNull))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("steps[1] is null");
    }

    @Test
    void theSummaryShowsTheMeanDeltaAndCountsTheHardestDecile() {
        String html = base().build().toHtml();
        assertThat(html).contains("<td id=\"summary-mean-delta\">+0.6450</td>");
        assertThat(html).contains("mean delta on the hardest 10% (1 token with the lowest base log-prob)");
        // twenty tokens: the hardest decile is two
        TextScore ten = ReportFixtures.tenTokens();
        List<Integer> ids = new ArrayList<>(ten.tokenIds());
        ids.addAll(ten.tokenIds());
        List<String> tokens = new ArrayList<>(ten.tokens());
        tokens.addAll(ten.tokens());
        List<Double> b = new ArrayList<>(ten.baseLogProbs());
        b.addAll(ten.baseLogProbs());
        List<Double> t = new ArrayList<>(ten.thinkLogProbs());
        t.addAll(ten.thinkLogProbs());
        List<Double> w = new ArrayList<>(ten.mixingWeights());
        w.addAll(ten.mixingWeights());
        List<String> th = new ArrayList<>(ten.thoughts());
        th.addAll(ten.thoughts());
        String twenty = ThoughtReport.builder().title("t").score(new TextScore(ids, tokens, b, t, w, th)).build()
                .toHtml();
        assertThat(twenty).contains("(2 tokens with the lowest base log-prob)");
    }

    @Test
    void nonFiniteNumbersAreWrittenAsWords() {
        TextScore s = new TextScore(List.of(1, 2, 3), Arrays.asList("a", "", "c"),
                List.of(-1.0, Double.NEGATIVE_INFINITY, -0.5), List.of(Double.NEGATIVE_INFINITY, -2.0, -0.5),
                List.of(0.5, Double.NaN, 0.25), List.of("x", "y", "z"));
        String html = ThoughtReport.builder().title("t").score(s).build().toHtml();
        assertThat(html).contains("<td id=\"summary-base-total\">-inf</td>")
                .contains("<td id=\"summary-think-total\">-inf</td>");
        // token 0: think -inf, so delta -inf: no direction, no colour; token 1: an empty token shows as a sign
        assertThat(html).contains("<span class=\"tok na\" tabindex=\"0\" data-i=\"0\" data-text=\"a\"");
        assertThat(html).contains("data-d=\"n/a\"").contains("data-w=\"n/a\"").contains(">\u2205</span>");
        assertThat(html).contains("data-pt=\"0.000\"");
    }
}
