package dev.quietstar.core.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Layout edges of the charts and escaping of tabs and carriage returns. */
class ChartEdgesTest {

    @Test
    void tabsAndCarriageReturnsAreEntitiesInAttributesAndKeptInText() {
        assertThat(Html.attr("a\tb\rc\nd")).isEqualTo("a&#9;b&#13;c&#10;d");
        assertThat(Html.text("a\tb\rc\nd")).isEqualTo("a\tb\rc\nd");
        assertThat(Html.text("x\u007fy")).isEqualTo("x\u2421y");
    }

    @Test
    void withoutFiniteValuesTheNoticeSitsInTheMiddleOfThePlot() {
        // default 480 x 260 with one legend row: plot x 64..468, y 30..204
        String svg = SvgLineChart.builder().series("s", new double[] {1}, new double[] {Double.NaN}).build().toSvg();
        assertThat(svg).contains("<text x=\"266.0\" y=\"117.0\" text-anchor=\"middle\" font-size=\"12\" "
                + "fill=\"#888\">no finite values</text>");
    }

    @Test
    void legendRowsAreSixteenPixelsApartAndShortChartsKeepSixtyPixelsOfPlot() {
        SvgLineChart.Builder b = SvgLineChart.builder().size(200, 150);
        for (String name : List.of("a", "b", "c")) {
            b.series(name, new double[] {0, 1}, new double[] {0, 1});
        }
        String svg = b.build().toSvg();
        // 150 - 40 - 3 * 16 = 62 leaves 32 px of plot: the plot keeps 30..90, legend rows at 136, 152, 168
        assertThat(svg).contains("height=\"178\"");
        assertThat(svg).contains("y1=\"30.0\" y2=\"90.0\"");
        assertThat(svg).contains("<rect x=\"64.0\" y=\"128.0\" width=\"14\" height=\"4\" fill=\"#1f77b4\"/>"
                + "<text x=\"84.0\" y=\"133.0\">a</text>"
                + "<rect x=\"64.0\" y=\"144.0\" width=\"14\" height=\"4\" fill=\"#ff7f0e\"/>"
                + "<text x=\"84.0\" y=\"149.0\">b</text>");
    }

    @Test
    void aNearlyConstantSeriesIsPaddedLikeAConstantOne() {
        // 1e15 and 1e15 + 1 differ by less than 1e-12 of their size: padded by 1e14 to 0.9e15..1.1e15, whose ticks
        // (step 5e13) run to 1.15e15, so both points sit at 1e15, 2/5 up the plot, rather than at its two edges
        String svg = SvgLineChart.builder().size(464, 300)
                .series("s", new double[] {0, 1}, new double[] {1e15, 1e15 + 1}).build().toSvg();
        assertThat(svg).contains("points=\"64.0,158.4 452.0,158.4\"").contains(">1.15e+15</text>");
    }

    @Test
    void barLabelsChangeFormatExactlyAtOneTenAndAHundred() {
        String svg = new SvgBarChart("t", "y", List.of("a", "b", "c")).series("s", new double[] {100, 10, 1})
                .toSvg();
        assertThat(svg).contains(">100</text>").contains(">10.0</text>").contains(">1.00</text>");
    }
}
