package dev.quietstar.core.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A small line chart rendered as a standalone SVG element, with no scripts and no external assets.
 *
 * <p>The chart has an x and a y axis with tick labels at "nice" round values, one polyline per series, a legend and
 * a title. Points whose x or y is NaN or infinite are not drawn and break the line, so a series with gaps shows as
 * several pieces; a piece made of a single point is drawn as a dot. A single point or a constant series gets a
 * padded axis range, so nothing is ever divided by zero and no coordinate in the output is NaN.
 *
 * <pre>{@code
 * String svg = SvgLineChart.builder().title("loss").xLabel("step").yLabel("nats")
 *         .series("total", steps, losses).build().toSvg();
 * }</pre>
 */
public final class SvgLineChart {

    /** Colours given to the series in order (a palette readable by most colour-blind viewers). */
    private static final String[] PALETTE = {"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#d62728", "#8c564b"};
    private static final int TARGET_TICKS = 5;
    private static final int MAX_TICKS = 12;

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final int width;
    private final int height;
    private final List<Series> series;
    private final boolean integerX;

    /**
     * One named line of a chart.
     *
     * @param name the name shown in the legend
     * @param x the x values
     * @param y the y values, one per x value
     */
    public record Series(String name, double[] x, double[] y) {

        /** Checks the name and that x and y have the same length, and copies the arrays. */
        public Series {
            Objects.requireNonNull(name, "series name");
            Objects.requireNonNull(x, "x values of series " + name);
            Objects.requireNonNull(y, "y values of series " + name);
            if (x.length != y.length) {
                throw new IllegalArgumentException("series '" + name + "' has " + x.length + " x values but "
                        + y.length + " y values; give one y per x");
            }
            x = x.clone();
            y = y.clone();
        }

        /**
         * The x values.
         *
         * @return a copy of the x values
         */
        @Override
        public double[] x() {
            return x.clone();
        }

        /**
         * The y values.
         *
         * @return a copy of the y values
         */
        @Override
        public double[] y() {
            return y.clone();
        }
    }

    private SvgLineChart(Builder b) {
        this.title = b.title;
        this.xLabel = b.xLabel;
        this.yLabel = b.yLabel;
        this.width = b.width;
        this.height = b.height;
        this.series = List.copyOf(b.series);
        this.integerX = b.integerX;
    }

    /**
     * Starts a chart.
     *
     * @return a builder with an empty title, no series and a size of 480 × 260
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Collects a chart's title, labels, size and series. */
    public static final class Builder {
        private String title = "";
        private String xLabel = "";
        private String yLabel = "";
        private int width = 480;
        private int height = 260;
        private final List<Series> series = new ArrayList<>();
        private boolean integerX;

        private Builder() {}

        /**
         * Puts x ticks on whole numbers only, for counts such as optimiser steps.
         *
         * @param integerX true for whole-number x ticks
         * @return this builder
         */
        public Builder integerX(boolean integerX) {
            this.integerX = integerX;
            return this;
        }

        /**
         * Sets the title drawn above the plot.
         *
         * @param title the title
         * @return this builder
         */
        public Builder title(String title) {
            this.title = Objects.requireNonNull(title, "title");
            return this;
        }

        /**
         * Sets the label drawn under the x axis.
         *
         * @param label the label
         * @return this builder
         */
        public Builder xLabel(String label) {
            this.xLabel = Objects.requireNonNull(label, "xLabel");
            return this;
        }

        /**
         * Sets the label drawn beside the y axis.
         *
         * @param label the label
         * @return this builder
         */
        public Builder yLabel(String label) {
            this.yLabel = Objects.requireNonNull(label, "yLabel");
            return this;
        }

        /**
         * Sets the size of the SVG in pixels.
         *
         * @param width width, at least 200
         * @param height height, at least 150
         * @return this builder
         */
        public Builder size(int width, int height) {
            if (width < 200 || height < 150) {
                throw new IllegalArgumentException(
                        "chart size must be at least 200 × 150 pixels, was " + width + " × " + height);
            }
            this.width = width;
            this.height = height;
            return this;
        }

        /**
         * Adds a series.
         *
         * @param name the name shown in the legend
         * @param x the x values
         * @param y the y values, as many as x values
         * @return this builder
         */
        public Builder series(String name, double[] x, double[] y) {
            series.add(new Series(name, x, y));
            return this;
        }

        /**
         * Builds the chart.
         *
         * @return the chart
         */
        public SvgLineChart build() {
            return new SvgLineChart(this);
        }
    }

    /**
     * The series of this chart.
     *
     * @return the series, in legend order
     */
    public List<Series> series() {
        return series;
    }

    /**
     * Renders the chart as an {@code <svg>} element that can be inlined into HTML or saved as a file.
     *
     * @return the SVG markup
     */
    public String toSvg() {
        double[] xr = range(true);
        double[] yr = range(false);
        double[] xTicks = ticks(xr[0], xr[1], integerX);
        double[] yTicks = ticks(yr[0], yr[1], false);
        // Widen the axes to the outer ticks so the plot starts and ends on a labelled value.
        double xMin = Math.min(xr[0], xTicks[0]);
        double xMax = Math.max(xr[1], xTicks[xTicks.length - 1]);
        double yMin = Math.min(yr[0], yTicks[0]);
        double yMax = Math.max(yr[1], yTicks[yTicks.length - 1]);

        int legendRows = series.size();
        double left = 64;
        double right = width - 12.0;
        double top = 30;
        double bottom = height - 40.0 - 16.0 * legendRows;
        if (bottom - top < 60) {
            bottom = top + 60;
        }
        int totalHeight = (int) Math.ceil(bottom + 40 + 16.0 * legendRows);
        Mapper m = new Mapper(xMin, xMax, yMin, yMax, left, right, top, bottom);

        StringBuilder s = new StringBuilder(2048);
        s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"").append(width)
                .append("\" height=\"").append(totalHeight).append("\" viewBox=\"0 0 ").append(width).append(' ')
                .append(totalHeight).append("\" role=\"img\" aria-label=\"").append(Html.attr(title)).append("\">");
        s.append("<title>").append(Html.text(title)).append("</title>");
        s.append("<text x=\"").append(fmt(width / 2.0)).append("\" y=\"18\" text-anchor=\"middle\" "
                + "font-size=\"14\" font-weight=\"bold\" fill=\"#222\">").append(Html.text(title)).append("</text>");

        // Grid lines and tick labels.
        s.append("<g class=\"axes\" font-size=\"10\" fill=\"#444\" stroke-width=\"1\">");
        for (double t : yTicks) {
            double py = m.y(t);
            s.append("<line x1=\"").append(fmt(left)).append("\" x2=\"").append(fmt(right)).append("\" y1=\"")
                    .append(fmt(py)).append("\" y2=\"").append(fmt(py)).append("\" stroke=\"#e5e5e5\"/>");
            s.append("<text x=\"").append(fmt(left - 6)).append("\" y=\"").append(fmt(py + 3))
                    .append("\" text-anchor=\"end\">").append(tickLabel(t, yTicks)).append("</text>");
        }
        for (double t : xTicks) {
            double px = m.x(t);
            s.append("<line x1=\"").append(fmt(px)).append("\" x2=\"").append(fmt(px)).append("\" y1=\"")
                    .append(fmt(bottom)).append("\" y2=\"").append(fmt(bottom + 4)).append("\" stroke=\"#444\"/>");
            s.append("<text x=\"").append(fmt(px)).append("\" y=\"").append(fmt(bottom + 15))
                    .append("\" text-anchor=\"middle\">").append(tickLabel(t, xTicks)).append("</text>");
        }
        s.append("<line class=\"x-axis\" x1=\"").append(fmt(left)).append("\" x2=\"").append(fmt(right))
                .append("\" y1=\"").append(fmt(bottom)).append("\" y2=\"").append(fmt(bottom))
                .append("\" stroke=\"#444\"/>");
        s.append("<line class=\"y-axis\" x1=\"").append(fmt(left)).append("\" x2=\"").append(fmt(left))
                .append("\" y1=\"").append(fmt(top)).append("\" y2=\"").append(fmt(bottom))
                .append("\" stroke=\"#444\"/>");
        s.append("<text x=\"").append(fmt((left + right) / 2)).append("\" y=\"").append(fmt(bottom + 30))
                .append("\" text-anchor=\"middle\">").append(Html.text(xLabel)).append("</text>");
        s.append("<text transform=\"translate(14 ").append(fmt((top + bottom) / 2))
                .append(") rotate(-90)\" text-anchor=\"middle\">").append(Html.text(yLabel)).append("</text>");
        s.append("</g>");

        boolean anyPoint = false;
        for (int k = 0; k < series.size(); k++) {
            Series ser = series.get(k);
            String colour = PALETTE[k % PALETTE.length];
            s.append("<g class=\"series\" data-series=\"").append(Html.attr(ser.name())).append("\">");
            List<StringBuilder> pieces = new ArrayList<>();
            StringBuilder piece = null;
            int pieceLength = 0;
            double lastX = 0;
            double lastY = 0;
            for (int i = 0; i <= ser.x.length; i++) {
                boolean finite = i < ser.x.length && Double.isFinite(ser.x[i]) && Double.isFinite(ser.y[i]);
                if (finite) {
                    anyPoint = true;
                    lastX = m.x(ser.x[i]);
                    lastY = m.y(ser.y[i]);
                    if (piece == null) {
                        piece = new StringBuilder();
                        pieceLength = 0;
                    } else {
                        piece.append(' ');
                    }
                    piece.append(fmt(lastX)).append(',').append(fmt(lastY));
                    pieceLength++;
                } else if (piece != null) {
                    if (pieceLength == 1) {
                        s.append("<circle cx=\"").append(fmt(lastX)).append("\" cy=\"").append(fmt(lastY))
                                .append("\" r=\"3\" fill=\"").append(colour).append("\"/>");
                    } else {
                        pieces.add(piece);
                    }
                    piece = null;
                }
            }
            for (StringBuilder p : pieces) {
                s.append("<polyline fill=\"none\" stroke=\"").append(colour)
                        .append("\" stroke-width=\"1.8\" stroke-linejoin=\"round\" points=\"").append(p)
                        .append("\"/>");
            }
            s.append("</g>");
        }
        if (!anyPoint) {
            s.append("<text x=\"").append(fmt((left + right) / 2)).append("\" y=\"").append(fmt((top + bottom) / 2))
                    .append("\" text-anchor=\"middle\" font-size=\"12\" fill=\"#888\">no finite values</text>");
        }

        // Legend under the x-axis label, one row per series.
        s.append("<g class=\"legend\" font-size=\"11\" fill=\"#222\">");
        for (int k = 0; k < series.size(); k++) {
            double ly = bottom + 46 + 16.0 * k;
            String colour = PALETTE[k % PALETTE.length];
            s.append("<rect x=\"").append(fmt(left)).append("\" y=\"").append(fmt(ly - 8))
                    .append("\" width=\"14\" height=\"4\" fill=\"").append(colour).append("\"/>");
            s.append("<text x=\"").append(fmt(left + 20)).append("\" y=\"").append(fmt(ly - 3)).append("\">")
                    .append(Html.text(series.get(k).name())).append("</text>");
        }
        s.append("</g></svg>");
        return s.toString();
    }

    /** The finite min and max over all series, padded when empty or degenerate. */
    private double[] range(boolean xAxis) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (Series ser : series) {
            for (int i = 0; i < ser.x.length; i++) {
                if (Double.isFinite(ser.x[i]) && Double.isFinite(ser.y[i])) {
                    double v = xAxis ? ser.x[i] : ser.y[i];
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
        }
        if (min > max) {
            return new double[] {0, 1};
        }
        if (max - min <= Math.abs(max) * 1e-12 || max - min < Double.MIN_NORMAL) {
            // A single point or a constant series: give it room so the scale never divides by zero.
            double pad = Math.abs(min) > 0 ? Math.abs(min) * 0.1 : 1.0;
            return new double[] {min - pad, max + pad};
        }
        return new double[] {min, max};
    }

    /** Round tick values covering [min, max] (about five of them). */
    static double[] ticks(double min, double max, boolean integer) {
        double step = niceStep((max - min) / TARGET_TICKS);
        if (integer) {
            step = Math.max(1, step);
        }
        double first = Math.floor(min / step) * step;
        double last = Math.ceil(max / step) * step;
        int n = (int) Math.round((last - first) / step) + 1;
        if (n < 2 || n > MAX_TICKS * 2) {
            return new double[] {min, max};
        }
        double[] t = new double[n];
        for (int i = 0; i < n; i++) {
            double v = first + i * step;
            t[i] = Math.abs(v) < step * 1e-9 ? 0.0 : v;
        }
        return t;
    }

    private static double niceStep(double raw) {
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double r = raw / mag;
        double nice = r < 1.5 ? 1 : r < 3 ? 2 : r < 7 ? 5 : 10;
        return nice * mag;
    }

    private static String tickLabel(double v, double[] all) {
        double step = all.length > 1 ? Math.abs(all[1] - all[0]) : Math.abs(v);
        double largest = Math.max(Math.abs(all[0]), Math.abs(all[all.length - 1]));
        if (largest >= 1e7 || (step > 0 && step < 1e-5)) {
            return String.format(Locale.ROOT, "%.2e", v);
        }
        int decimals = step >= 1 || step == 0 ? 0 : (int) Math.ceil(-Math.log10(step) - 1e-9);
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    /** Maps data coordinates to pixels; the ranges are never empty. */
    private static final class Mapper {
        private final double xMin;
        private final double xScale;
        private final double yMin;
        private final double yScale;
        private final double left;
        private final double bottom;

        Mapper(double xMin, double xMax, double yMin, double yMax, double left, double right, double top,
                double bottom) {
            this.xMin = xMin;
            this.xScale = (right - left) / (xMax - xMin);
            this.yMin = yMin;
            this.yScale = (bottom - top) / (yMax - yMin);
            this.left = left;
            this.bottom = bottom;
        }

        double x(double v) {
            return left + (v - xMin) * xScale;
        }

        double y(double v) {
            return bottom - (v - yMin) * yScale;
        }
    }
}
