package dev.quietstar.core.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A grouped bar chart rendered as standalone SVG: one group of bars per category, one bar per series, each labelled
 * with its value. Used for benchmark figures whose x-axis is a set of cases rather than a number.
 */
public final class SvgBarChart {

    private static final String[] COLOURS = {"#4878d0", "#ee854a", "#6acc64", "#d65f5f", "#956cb4", "#8c613c"};

    private final String title;
    private final String yLabel;
    private final List<String> categories;
    private final List<String> seriesNames = new ArrayList<>();
    private final List<double[]> values = new ArrayList<>();

    /**
     * Starts a chart.
     *
     * @param title the title
     * @param yLabel the value axis label, with its unit
     * @param categories the groups, left to right
     */
    public SvgBarChart(String title, String yLabel, List<String> categories) {
        this.title = Objects.requireNonNull(title, "title");
        this.yLabel = Objects.requireNonNull(yLabel, "yLabel");
        this.categories = List.copyOf(categories);
        if (this.categories.isEmpty()) {
            throw new IllegalArgumentException("a bar chart needs at least one category");
        }
    }

    /**
     * Adds a series: one value per category (NaN leaves the bar out).
     *
     * @param name the legend entry
     * @param perCategory values in category order
     * @return this chart
     */
    public SvgBarChart series(String name, double[] perCategory) {
        if (perCategory.length != categories.size()) {
            throw new IllegalArgumentException("series '" + name + "' has " + perCategory.length + " values for "
                    + categories.size() + " categories");
        }
        seriesNames.add(Objects.requireNonNull(name, "name"));
        values.add(perCategory.clone());
        return this;
    }

    /**
     * Renders the chart.
     *
     * @return the SVG markup
     */
    public String toSvg() {
        double max = 0;
        for (double[] v : values) {
            for (double x : v) {
                if (Double.isFinite(x)) {
                    max = Math.max(max, x);
                }
            }
        }
        if (max <= 0) {
            max = 1;
        }
        int width = Math.max(420, 90 + categories.size() * (30 + 34 * Math.max(1, values.size())));
        int legend = 16 * values.size();
        int height = 300 + legend;
        double left = 64;
        double right = width - 12.0;
        double top = 30;
        double bottom = 250;
        double groupWidth = (right - left) / categories.size();
        double barWidth = Math.min(34, (groupWidth - 16) / Math.max(1, values.size()));
        StringBuilder s = new StringBuilder(2048);
        s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"").append(width)
                .append("\" height=\"").append(height).append("\" viewBox=\"0 0 ").append(width).append(' ')
                .append(height).append("\" role=\"img\" aria-label=\"").append(Html.attr(title)).append("\">");
        s.append("<title>").append(Html.text(title)).append("</title>");
        s.append("<text x=\"").append(fmt(width / 2.0)).append("\" y=\"18\" text-anchor=\"middle\" font-size=\"14\" "
                + "font-weight=\"bold\" fill=\"#222\">").append(Html.text(title)).append("</text>");
        s.append("<line x1=\"").append(fmt(left)).append("\" x2=\"").append(fmt(right)).append("\" y1=\"")
                .append(fmt(bottom)).append("\" y2=\"").append(fmt(bottom)).append("\" stroke=\"#444\"/>");
        s.append("<text transform=\"rotate(-90)\" x=\"").append(fmt(-(top + bottom) / 2)).append("\" y=\"14\" "
                + "text-anchor=\"middle\" font-size=\"11\" fill=\"#444\">").append(Html.text(yLabel))
                .append("</text>");
        for (int c = 0; c < categories.size(); c++) {
            double gx = left + c * groupWidth;
            double start = gx + (groupWidth - barWidth * values.size()) / 2;
            for (int k = 0; k < values.size(); k++) {
                double v = values.get(k)[c];
                if (!Double.isFinite(v)) {
                    continue;
                }
                double h = (bottom - top) * v / max;
                double x = start + k * barWidth;
                s.append("<rect x=\"").append(fmt(x)).append("\" y=\"").append(fmt(bottom - h)).append("\" width=\"")
                        .append(fmt(barWidth - 2)).append("\" height=\"").append(fmt(h)).append("\" fill=\"")
                        .append(COLOURS[k % COLOURS.length]).append("\"><title>")
                        .append(Html.text(seriesNames.get(k) + ", " + categories.get(c) + ": " + label(v)))
                        .append("</title></rect>");
                s.append("<text x=\"").append(fmt(x + (barWidth - 2) / 2)).append("\" y=\"")
                        .append(fmt(bottom - h - 3)).append("\" text-anchor=\"middle\" font-size=\"9\" "
                                + "fill=\"#222\">").append(label(v)).append("</text>");
            }
            s.append("<text x=\"").append(fmt(gx + groupWidth / 2)).append("\" y=\"").append(fmt(bottom + 15))
                    .append("\" text-anchor=\"middle\" font-size=\"10\" fill=\"#444\">")
                    .append(Html.text(categories.get(c))).append("</text>");
        }
        for (int k = 0; k < values.size(); k++) {
            double y = bottom + 36 + 16 * k;
            s.append("<rect x=\"").append(fmt(left)).append("\" y=\"").append(fmt(y - 9))
                    .append("\" width=\"10\" height=\"10\" fill=\"").append(COLOURS[k % COLOURS.length])
                    .append("\"/><text x=\"").append(fmt(left + 16)).append("\" y=\"").append(fmt(y))
                    .append("\" font-size=\"11\" fill=\"#222\">").append(Html.text(seriesNames.get(k)))
                    .append("</text>");
        }
        return s.append("</svg>").toString();
    }

    private static String label(double v) {
        double a = Math.abs(v);
        String f = a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : a >= 1 ? "%.2f" : "%.3g";
        return String.format(Locale.ROOT, f, v);
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }
}
