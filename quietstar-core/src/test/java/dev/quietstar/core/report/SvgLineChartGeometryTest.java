package dev.quietstar.core.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Pixel positions of the line chart computed by hand from its layout rules, tick steps and tick labels. */
class SvgLineChartGeometryTest {

    @Test
    void pointsGridAndLabelsSitWhereTheLayoutPutsThem() {
        // 464 x 300 with one legend row: plot x 64..452 (388 px), y 30..244 (214 px). The data (2.5..11.5,
        // 12..58) widens to the outer ticks 2..12 (step 2) and 10..60 (step 10): 38.8 px per x, 4.28 per y.
        SvgLineChart chart = SvgLineChart.builder().title("T").xLabel("step").yLabel("loss").size(464, 300)
                .series("s", new double[] {2.5, 7, 11.5}, new double[] {12, 35, 58}).build();
        assertThat(chart.series()).hasSize(1);
        assertThat(chart.series().get(0).name()).isEqualTo("s");
        String svg = chart.toSvg();
        assertThat(svg).startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"464\" "
                + "height=\"300\" viewBox=\"0 0 464 300\" role=\"img\" aria-label=\"T\"><title>T</title>"
                + "<text x=\"232.0\" y=\"18\"");
        assertThat(svg).contains("points=\"83.4,235.4 258.0,137.0 432.6,38.6\"");
        // y grid: 10 at the bottom, 60 at the top, 20 at 244 - 42.8
        assertThat(svg).contains("<line x1=\"64.0\" x2=\"452.0\" y1=\"244.0\" y2=\"244.0\" stroke=\"#e5e5e5\"/>"
                + "<text x=\"58.0\" y=\"247.0\" text-anchor=\"end\">10</text>");
        assertThat(svg).contains("<line x1=\"64.0\" x2=\"452.0\" y1=\"201.2\" y2=\"201.2\" stroke=\"#e5e5e5\"/>"
                + "<text x=\"58.0\" y=\"204.2\" text-anchor=\"end\">20</text>");
        assertThat(svg).contains("y1=\"30.0\" y2=\"30.0\" stroke=\"#e5e5e5\"/><text x=\"58.0\" y=\"33.0\" "
                + "text-anchor=\"end\">60</text>");
        // x ticks: 2 at the left edge, 4 at 64 + 77.6, 12 at the right edge
        assertThat(svg).contains("<line x1=\"64.0\" x2=\"64.0\" y1=\"244.0\" y2=\"248.0\" stroke=\"#444\"/>"
                + "<text x=\"64.0\" y=\"259.0\" text-anchor=\"middle\">2</text>");
        assertThat(svg).contains("<line x1=\"141.6\" x2=\"141.6\" y1=\"244.0\" y2=\"248.0\" stroke=\"#444\"/>"
                + "<text x=\"141.6\" y=\"259.0\" text-anchor=\"middle\">4</text>");
        assertThat(svg).contains("<text x=\"452.0\" y=\"259.0\" text-anchor=\"middle\">12</text>");
        assertThat(svg).contains("<line class=\"x-axis\" x1=\"64.0\" x2=\"452.0\" y1=\"244.0\" y2=\"244.0\"");
        assertThat(svg).contains("<line class=\"y-axis\" x1=\"64.0\" x2=\"64.0\" y1=\"30.0\" y2=\"244.0\"");
        assertThat(svg).contains("<text x=\"258.0\" y=\"274.0\" text-anchor=\"middle\">step</text>");
        assertThat(svg).contains("<text transform=\"translate(14 137.0) rotate(-90)\" text-anchor=\"middle\">"
                + "loss</text>");
        assertThat(svg).contains("<g class=\"legend\" font-size=\"11\" fill=\"#222\"><rect x=\"64.0\" y=\"282.0\" "
                + "width=\"14\" height=\"4\" fill=\"#1f77b4\"/><text x=\"84.0\" y=\"287.0\">s</text></g></svg>");
    }

    @Test
    void aSinglePointIsADotInTheMiddleOfItsPaddedRange() {
        // x 5 pads to 4.5..5.5 (ticks 4.4..5.6), y 0.25 to 0.225..0.275 (ticks 0.22..0.28): the centre of the plot
        String svg = SvgLineChart.builder().title("one").size(464, 300)
                .series("s", new double[] {5}, new double[] {0.25}).build().toSvg();
        assertThat(svg).contains("<circle cx=\"258.0\" cy=\"137.0\" r=\"3\" fill=\"#1f77b4\"/>");
        assertThat(svg).contains(">0.22</text>").contains(">0.28</text>").contains(">4.4</text>")
                .contains(">5.6</text>");
        String zero = SvgLineChart.builder().title("zero").size(464, 300)
                .series("s", new double[] {0, 1}, new double[] {0, 0}).build().toSvg();
        // a constant 0 pads by 1 on each side: the line runs through the middle
        assertThat(zero).contains("points=\"64.0,137.0 452.0,137.0\"");
        assertThat(zero).contains(">-1.0</text>").contains(">1.0</text>");
    }

    @Test
    void manyLegendRowsKeepAMinimumPlotHeight() {
        SvgLineChart.Builder b = SvgLineChart.builder().title("t").size(200, 150);
        for (int k = 0; k < 7; k++) {
            b.series("s" + k, new double[] {0, 1}, new double[] {0, 1});
        }
        String svg = b.build().toSvg();
        // 150 - 40 - 7 * 16 leaves less than 60 px: the plot keeps 30..90 and the SVG grows to 90 + 40 + 112
        assertThat(svg).contains("width=\"200\" height=\"242\"");
        assertThat(svg).contains("<line class=\"y-axis\" x1=\"64.0\" x2=\"64.0\" y1=\"30.0\" y2=\"90.0\"");
        assertThat(svg).contains("fill=\"#8c564b\"").contains("stroke=\"#1f77b4\"");
        assertThatThrownBy(() -> SvgLineChart.builder().size(199, 150)).hasMessageContaining("at least 200");
        assertThatThrownBy(() -> SvgLineChart.builder().size(200, 149)).hasMessageContaining("at least 200");
    }

    @Test
    void tickStepsAreOneTwoOrFiveTimesAPowerOfTen() {
        // raw steps of exactly 1.5, 3 and 7 round up to 2, 5 and 10
        assertThat(SvgLineChart.ticks(0, 7.5, false)).containsExactly(0, 2, 4, 6, 8);
        assertThat(SvgLineChart.ticks(0, 15, false)).containsExactly(0, 5, 10, 15);
        assertThat(SvgLineChart.ticks(0, 35, false)).containsExactly(0, 10, 20, 30, 40);
        assertThat(SvgLineChart.ticks(0, 7.4, false)).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8);
        // integer axes step at least 1; two ticks are enough
        assertThat(SvgLineChart.ticks(0.5, 1, true)).containsExactly(0, 1);
        assertThat(SvgLineChart.ticks(5, 5, false)).containsExactly(5, 5);
    }

    @Test
    void tickLabelsShowTheDecimalsOfTheStepOrSwitchToScientific() {
        String tenths = SvgLineChart.builder().series("s", new double[] {0, 1}, new double[] {0, 0.5}).build()
                .toSvg();
        assertThat(tenths).contains(">0.3</text>").doesNotContain(">0.30</text>");
        String big = SvgLineChart.builder().series("s", new double[] {0, 1}, new double[] {0, 1e7}).build()
                .toSvg();
        assertThat(big).contains(">1.00e+07</text>").contains(">2.00e+06</text>");
        String tiny = SvgLineChart.builder().series("s", new double[] {0, 1}, new double[] {0, 4.6e-6}).build()
                .toSvg();
        assertThat(tiny).contains(">1.00e-06</text>");
    }
}
