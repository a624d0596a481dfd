package dev.quietstar.examples.bench;

import dev.quietstar.core.report.SvgBarChart;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders benchmark figures: a plain-text table per figure for the console, and {@code docs/benchmarks.md} with
 * its bar charts.
 */
public final class Report {

    private Report() {}

    /**
     * One figure as a console table: case, metric, min/median/max, then its ratios.
     *
     * @param figure the figure
     * @return the table
     */
    @SuppressWarnings("unchecked")
    public static String figureTable(Map<String, Object> figure) {
        StringBuilder b = new StringBuilder();
        b.append("== ").append(figure.get("title")).append('\n');
        b.append(String.format(Locale.ROOT, "%-44s %-18s %12s %12s %12s%n", "case", "metric", "min", "median",
                "max"));
        for (Map<String, Object> r : (List<Map<String, Object>>) figure.get("rows")) {
            Stats s = (Stats) r.get("stats");
            String metric = r.get("metric") + " (" + r.get("unit") + ")";
            if (s == null) {
                b.append(String.format(Locale.ROOT, "%-44s %-18s %s%n", r.get("case"), metric,
                        "not measured: " + r.get("error")));
            } else {
                b.append(String.format(Locale.ROOT, "%-44s %-18s %12s %12s %12s%s%n", r.get("case"), metric,
                        num(s.min()), num(s.median()), num(s.max()), extras(r)));
            }
        }
        for (Map<String, Object> q : (List<Map<String, Object>>) figure.get("ratios")) {
            b.append(String.format(Locale.ROOT, "  %s: %s%s%n", q.get("name"), num((Double) q.get("value")),
                    q.containsKey("target") ? "  (target " + q.get("target") + ": "
                            + (Boolean.TRUE.equals(q.get("reached")) ? "reached" : "not reached") + ")" : ""));
        }
        return b.toString();
    }

    private static String extras(Map<String, Object> row) {
        StringBuilder b = new StringBuilder();
        if (row.containsKey("peakRssGiB")) {
            b.append(String.format(Locale.ROOT, "  peak RSS %.2f GiB", (Double) row.get("peakRssGiB")));
        }
        if (row.containsKey("sameTokensAsRecompute")) {
            b.append("  same tokens as recompute: ").append(row.get("sameTokensAsRecompute"));
        }
        if (row.containsKey("note")) {
            b.append("  ").append(row.get("note"));
        }
        return b.toString();
    }

    static String num(double v) {
        double a = Math.abs(v);
        return String.format(Locale.ROOT, a >= 1000 ? "%.0f" : a >= 10 ? "%.1f" : a >= 0.1 ? "%.3f" : "%.4g", v);
    }

    /**
     * The Markdown page and its charts.
     *
     * @param environment machine, JVM and versions
     * @param figures the figures
     * @param command the command that produced them
     * @return the page and, by file name, the SVG of each chart
     */
    @SuppressWarnings("unchecked")
    /**
     * The line after which benchmarks.md holds text written by hand (what the profiles found, measurements made
     * with other commands): a bench run that rewrites the file keeps everything from this line on.
     */
    public static final String HAND_WRITTEN_MARKER =
            "<!-- Written by hand from here on; quietstar bench keeps this part when it rewrites the file. -->";

    /**
     * The generated report followed by the hand-written part of the file it replaces, if that file has one.
     *
     * @param generated the new report
     * @param previous the earlier file's content, or null when there is none
     * @return the text to write
     */
    public static String withHandWritten(String generated, String previous) {
        int at = previous == null ? -1 : previous.indexOf(HAND_WRITTEN_MARKER);
        if (at < 0) {
            return generated;
        }
        return generated.stripTrailing() + "\n\n" + previous.substring(at);
    }

    public static Map<String, String> markdown(Map<String, Object> environment, List<Map<String, Object>> figures,
            String command) {
        Map<String, String> files = new LinkedHashMap<>();
        StringBuilder md = new StringBuilder();
        md.append("# Benchmarks\n\n");
        md.append("Produced by `").append(command).append("`, which also wrote `bench.json` with every run. Each ")
                .append("row is the min / median / max over repeated runs after warm-up runs; every ratio is ")
                .append("between medians measured side by side in this one run. Nothing here is asserted by a ")
                .append("unit test: timings depend on the machine and on what else runs on it.\n\n");
        md.append("| environment | |\n|---|---|\n");
        environment.forEach((k, v) -> md.append("| ").append(k).append(" | ").append(v).append(" |\n"));
        md.append('\n');
        int index = 1;
        for (Map<String, Object> f : figures) {
            md.append("## ").append(index).append(". ").append(f.get("title")).append("\n\n");
            md.append(f.get("description")).append("\n\n");
            md.append("| case | metric | min | median | max | |\n|---|---|---:|---:|---:|---|\n");
            List<String> categories = new ArrayList<>();
            Map<String, double[]> chartRows = new LinkedHashMap<>();
            String chartUnit = null;
            for (Map<String, Object> r : (List<Map<String, Object>>) f.get("rows")) {
                Stats s = (Stats) r.get("stats");
                String metric = r.get("metric") + " (" + r.get("unit") + ")";
                if (s == null) {
                    md.append("| ").append(r.get("case")).append(" | ").append(metric)
                            .append(" | | | | not measured: ").append(r.get("error")).append(" |\n");
                    continue;
                }
                md.append("| ").append(r.get("case")).append(" | ").append(metric).append(" | ").append(num(s.min()))
                        .append(" | ").append(num(s.median())).append(" | ").append(num(s.max())).append(" | ")
                        .append(extras(r).strip()).append(" |\n");
                if (chartUnit == null) {
                    chartUnit = metric;
                }
                if (metric.equals(chartUnit)) {
                    categories.add(r.get("case").toString());
                    chartRows.put(r.get("case").toString(), new double[] {s.median()});
                }
            }
            md.append('\n');
            List<Map<String, Object>> ratios = (List<Map<String, Object>>) f.get("ratios");
            if (!ratios.isEmpty()) {
                md.append("| ratio | measured | target | reached |\n|---|---:|---|---|\n");
                for (Map<String, Object> q : ratios) {
                    md.append("| ").append(q.get("name")).append(" | ").append(num((Double) q.get("value")))
                            .append(" | ").append(q.getOrDefault("target", "—")).append(" | ")
                            .append(q.containsKey("reached") ? (Boolean.TRUE.equals(q.get("reached")) ? "yes" : "no")
                                    : "—").append(" |\n");
                }
                md.append('\n');
            }
            if (!categories.isEmpty()) {
                double[] medians = categories.stream().mapToDouble(c -> chartRows.get(c)[0]).toArray();
                SvgBarChart chart = new SvgBarChart(f.get("title").toString(), "median " + chartUnit, categories)
                        .series("median " + chartUnit, medians);
                String file = "bench-" + f.get("id") + ".svg";
                files.put(file, chart.toSvg());
                md.append("![").append(f.get("title")).append("](images/").append(file).append(")\n\n");
            }
            index++;
        }
        files.put("benchmarks.md", md.toString());
        return files;
    }
}
