package dev.quietstar.core.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The bar chart's geometry, computed by hand from its layout rules, and its labels. */
class SvgBarChartTest {

    private static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    @Test
    void barsAreScaledToTheLargestValueAndPlacedInTheirGroup() {
        String svg = new SvgBarChart("ms <p50>", "median ms", List.of("c0", "c&1"))
                .series("A", new double[] {10, 5})
                .series("B", new double[] {2.5, Double.NaN})
                .toSvg();
        // width max(420, 90 + 2 * (30 + 34 * 2)) = 420; height 300 + 16 * 2; plot from x 64 to 408, y 30 to 250;
        // groups 172 wide, bars 34 wide, a group's bars start at its left + (172 - 68) / 2
        assertThat(svg).startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"420\" "
                + "height=\"332\" viewBox=\"0 0 420 332\" role=\"img\" aria-label=\"ms &lt;p50&gt;\">"
                + "<title>ms &lt;p50&gt;</title>"
                + "<text x=\"210.0\" y=\"18\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\" "
                + "fill=\"#222\">ms &lt;p50&gt;</text>"
                + "<line x1=\"64.0\" x2=\"408.0\" y1=\"250.0\" y2=\"250.0\" stroke=\"#444\"/>"
                + "<text transform=\"rotate(-90)\" x=\"-140.0\" y=\"14\" text-anchor=\"middle\" font-size=\"11\" "
                + "fill=\"#444\">median ms</text>");
        assertThat(svg).endsWith("</svg>");
        // A in c0: the full height 220
        assertThat(svg).contains("<rect x=\"116.0\" y=\"30.0\" width=\"32.0\" height=\"220.0\" fill=\"#4878d0\">"
                + "<title>A, c0: 10.0</title></rect>"
                + "<text x=\"132.0\" y=\"27.0\" text-anchor=\"middle\" font-size=\"9\" fill=\"#222\">10.0</text>");
        // B in c0: a quarter of it, beside A
        assertThat(svg).contains("<rect x=\"150.0\" y=\"195.0\" width=\"32.0\" height=\"55.0\" fill=\"#ee854a\">"
                + "<title>B, c0: 2.50</title></rect>"
                + "<text x=\"166.0\" y=\"192.0\" text-anchor=\"middle\" font-size=\"9\" fill=\"#222\">2.50</text>"
                + "<text x=\"150.0\" y=\"265.0\" text-anchor=\"middle\" font-size=\"10\" fill=\"#444\">c0</text>");
        // A in c&1: half height in the second group; B's NaN leaves no bar
        assertThat(svg).contains("<rect x=\"288.0\" y=\"140.0\" width=\"32.0\" height=\"110.0\" fill=\"#4878d0\">"
                + "<title>A, c&amp;1: 5.00</title></rect>"
                + "<text x=\"304.0\" y=\"137.0\" text-anchor=\"middle\" font-size=\"9\" fill=\"#222\">5.00</text>"
                + "<text x=\"322.0\" y=\"265.0\" text-anchor=\"middle\" font-size=\"10\" fill=\"#444\">c&amp;1</text>");
        assertThat(count(svg, "<title>")).isEqualTo(1 + 3);
        assertThat(svg).doesNotContain("NaN");
        // the legend: one swatch per series, 16 apart below the axis
        assertThat(svg).contains("<rect x=\"64.0\" y=\"277.0\" width=\"10\" height=\"10\" fill=\"#4878d0\"/>"
                + "<text x=\"80.0\" y=\"286.0\" font-size=\"11\" fill=\"#222\">A</text>"
                + "<rect x=\"64.0\" y=\"293.0\" width=\"10\" height=\"10\" fill=\"#ee854a\"/>"
                + "<text x=\"80.0\" y=\"302.0\" font-size=\"11\" fill=\"#222\">B</text></svg>");
    }

    @Test
    void manyCategoriesWidenTheChartAndColoursCycle() {
        double[] ones = {1, 1, 1, 1, 1};
        SvgBarChart chart = new SvgBarChart("t", "y", List.of("a", "b", "c", "d", "e"));
        for (int k = 0; k < 7; k++) {
            chart.series("s" + k, ones);
        }
        String svg = chart.toSvg();
        // 90 + 5 * (30 + 34 * 7) = 1430 wide, 300 + 16 * 7 high
        assertThat(svg).contains("width=\"1430\" height=\"412\"");
        assertThat(count(svg, "fill=\"#4878d0\"")).as("series 0 and 6 share the first colour").isEqualTo(2 * 5 + 2);
        assertThat(count(svg, "fill=\"#8c613c\"")).isEqualTo(5 + 1);
        assertThat(count(svg, ">1.00</text>")).isEqualTo(35);
    }

    @Test
    void labelsKeepThreeSignificantDigitsAndNonPositiveValuesKeepAUnitScale() {
        String svg = new SvgBarChart("t", "y", List.of("a", "b", "c", "d"))
                .series("s", new double[] {123.4, 0.01234, -5, 0}).toSvg();
        assertThat(svg).contains(">123</text>").contains(">0.0123</text>").contains(">-5.00</text>")
                .contains(">0.00</text>");
        String negative = new SvgBarChart("t", "y", List.of("a")).series("s", new double[] {-0.5}).toSvg();
        // no positive value: the scale is 1, so -0.5 draws 110 below the axis (a negative height)
        assertThat(negative).contains("y=\"360.0\"").contains("height=\"-110.0\"").contains(">-0.500</text>");
    }

    @Test
    void aChartNeedsCategoriesAndSeriesOfTheirLength() {
        assertThatThrownBy(() -> new SvgBarChart("t", "y", List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one category");
        assertThatThrownBy(() -> new SvgBarChart("t", "y", List.of("a", "b")).series("lat", new double[] {1}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'lat' has 1 values for 2 categories");
    }
}
