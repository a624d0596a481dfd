package dev.quietstar.core.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class SvgLineChartTest {

    private static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    @Test
    void drawsAxesTicksTitleLegendAndOnePolylinePerSeries() {
        String svg = SvgLineChart.builder().title("loss <a>").xLabel("step").yLabel("nats").integerX(true)
                .series("train", new double[] {1, 2, 3, 4}, new double[] {4, 3, 2.5, 2})
                .series("eval", new double[] {1, 2, 3, 4}, new double[] {4.2, 3.1, 2.9, 2.8}).build().toSvg();
        assertThat(svg).startsWith("<svg ").endsWith("</svg>");
        assertThat(count(svg, "<polyline")).isEqualTo(2);
        assertThat(svg).contains("class=\"x-axis\"").contains("class=\"y-axis\"");
        assertThat(svg).contains(">loss &lt;a&gt;</text>").contains(">train</text>").contains(">eval</text>");
        assertThat(svg).contains(">step</text>").contains(">nats</text>");
        // Nice tick labels: y from 2 to 4.2 gives 2.0, 2.5, ... 4.5 and x gives integer steps.
        assertThat(svg).contains(">2.0</text>").contains(">4.5</text>").contains(">1</text>").contains(">4</text>");
    }

    @Test
    void nanBreaksTheLineAndAnIsolatedPointBecomesADot() {
        String svg = SvgLineChart.builder().title("t")
                .series("s", new double[] {1, 2, 3, 4, 5, 6, 7},
                        new double[] {1, 2, Double.NaN, 3, 4, Double.NaN, 5})
                .build().toSvg();
        assertThat(count(svg, "<polyline")).isEqualTo(2);
        assertThat(count(svg, "<circle")).isEqualTo(1);
        assertThat(svg).doesNotContain("NaN").doesNotContain("Infinity");
    }

    @Test
    void singlePointAndConstantSeriesDoNotDivideByZero() {
        String one = SvgLineChart.builder().title("one").series("s", new double[] {5}, new double[] {0.25})
                .build().toSvg();
        assertThat(one).contains("<circle").doesNotContain("NaN").doesNotContain("Infinity");

        String flat = SvgLineChart.builder().title("flat").series("s", new double[] {1, 2, 3},
                new double[] {0, 0, 0}).build().toSvg();
        assertThat(flat).contains("<polyline").doesNotContain("NaN").doesNotContain("Infinity");

        String none = SvgLineChart.builder().title("none")
                .series("s", new double[] {1}, new double[] {Double.NaN}).build().toSvg();
        assertThat(none).contains("no finite values").doesNotContain("NaN");
    }

    @Test
    void ticksAreRoundValuesCoveringTheRange() {
        assertThat(SvgLineChart.ticks(0.13, 0.91, false))
                .containsExactly(new double[] {0.0, 0.2, 0.4, 0.6, 0.8, 1.0}, within(1e-12));
        assertThat(SvgLineChart.ticks(1, 100, false)).containsExactly(0, 20, 40, 60, 80, 100);
        assertThat(SvgLineChart.ticks(1, 3, true)).containsExactly(1, 2, 3);
        assertThat(SvgLineChart.ticks(1, 3, false)).containsExactly(1.0, 1.5, 2.0, 2.5, 3.0);
    }

    @Test
    void mismatchedSeriesLengthsAreRejectedWithTheSeriesName() {
        assertThatThrownBy(() -> SvgLineChart.builder().series("reward", new double[] {1, 2}, new double[] {1}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reward")
                .hasMessageContaining("2 x values but 1 y values");
    }
}
