package dev.quietstar.core.report;

import dev.quietstar.api.StepMetrics;
import dev.quietstar.api.TextScore;
import dev.quietstar.core.io.DiskFull;
import dev.quietstar.core.io.OutputFile;
import dev.quietstar.core.io.OutputKind;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * A self-contained HTML page that shows where thinking helped on a scored text, and how a training run went.
 *
 * <p>Every token of the {@link TextScore} is a {@code <span class="tok">} coloured by its delta
 * {@code thinkLogProb − baseLogProb}: green when the thought made the true token more likely, red when it made it
 * less likely, the intensity growing with {@code |delta|} up to {@link Builder#maxDelta(double)} nats. Hovering a
 * token shows, and clicking it puts into a details panel, the thought that preceded it, the mixing weight, the
 * probability without and with the thought, and the delta. A summary block gives the totals, the share of
 * improved tokens, the mean mixing weight and the mean delta on the hardest decile (see {@link ScoreSummary}).
 * Training curves ({@link StepMetrics}) are drawn as inline SVG charts by {@link SvgLineChart}.
 *
 * <p>The file needs nothing else: styles, script and charts are inline, no font, image or script is fetched (a
 * content security policy in the page forbids it), and every piece of text from the model or the caller is
 * HTML-escaped. The inline script marks {@code <body>} with {@code data-ready="yes"} and the number of token spans
 * it found once it has run, and writes any script error into the element {@code #js-errors}.
 *
 * <pre>{@code
 * ThoughtReport.builder().title("GSM8K sample").score(score).steps(report.steps())
 *         .runInfo(Map.of("model", "gpt2")).build().writeTo(Path.of("report.html"));
 * }</pre>
 */
public final class ThoughtReport {

    /** Default {@code |delta|} in nats at which a token's colour reaches full intensity. */
    public static final double DEFAULT_MAX_DELTA = 2.0;

    private final String title;
    private final TextScore score;
    private final List<StepMetrics> steps;
    private final Map<String, String> runInfo;
    private final double maxDelta;
    private final List<Map.Entry<String, String>> figures;

    private ThoughtReport(Builder b) {
        this.figures = List.copyOf(b.figures);
        this.title = b.title;
        this.score = b.score;
        this.steps = List.copyOf(b.steps);
        this.runInfo = Collections.unmodifiableMap(new LinkedHashMap<>(b.runInfo));
        this.maxDelta = b.maxDelta;
    }

    /**
     * Starts a report.
     *
     * @return a builder; {@code title} and {@code score} are required
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Collects the parts of a report; {@link #build()} checks that the required ones are there. */
    public static final class Builder {
        private String title;
        private TextScore score;
        private List<StepMetrics> steps = List.of();
        private Map<String, String> runInfo = new LinkedHashMap<>();
        private double maxDelta = DEFAULT_MAX_DELTA;
        private final List<Map.Entry<String, String>> figures = new java.util.ArrayList<>();

        private Builder() {}

        /**
         * Sets the page title (required).
         *
         * @param title the title, not blank
         * @return this builder
         */
        public Builder title(String title) {
            this.title = title;
            return this;
        }

        /**
         * Sets the scored text (required).
         *
         * @param score per-token log-probabilities with and without thinking
         * @return this builder
         */
        public Builder score(TextScore score) {
            this.score = score;
            return this;
        }

        /**
         * Sets the training metrics to chart; an empty list (the default) shows "no training metrics".
         *
         * @param steps one entry per optimiser step, in order
         * @return this builder
         */
        public Builder steps(List<StepMetrics> steps) {
            Objects.requireNonNull(steps, "steps (pass an empty list when there are none)");
            for (int i = 0; i < steps.size(); i++) {
                if (steps.get(i) == null) {
                    throw new IllegalArgumentException("steps[" + i + "] is null; pass only recorded steps");
                }
            }
            this.steps = List.copyOf(steps);
            return this;
        }

        /**
         * Sets free-form facts about the run (model, config, seed, ...), shown as a table in the given order.
         *
         * @param info keys and values; values are shown with {@link String#valueOf(Object)}
         * @return this builder
         */
        public Builder runInfo(Map<String, ?> info) {
            Objects.requireNonNull(info, "runInfo (pass an empty map when there is none)");
            Map<String, String> copy = new LinkedHashMap<>();
            info.forEach((k, v) -> copy.put(Objects.requireNonNull(k, "runInfo key"), String.valueOf(v)));
            this.runInfo = copy;
            return this;
        }

        /**
         * Sets the {@code |delta|} in nats at which a token's colour reaches full intensity.
         *
         * @param nats a positive finite number, {@value ThoughtReport#DEFAULT_MAX_DELTA} by default
         * @return this builder
         */
        public Builder maxDelta(double nats) {
            if (!(nats > 0) || !Double.isFinite(nats)) {
                throw new IllegalArgumentException("maxDelta must be a positive finite number of nats, was " + nats);
            }
            this.maxDelta = nats;
            return this;
        }

        /**
         * Adds a figure below the training charts: an SVG document made by this project's chart classes (for
         * example {@link SvgLineChart}), with a caption. The SVG is embedded as given, so pass only SVG you made.
         *
         * @param caption what the figure shows
         * @param svg the SVG markup
         * @return this builder
         */
        public Builder figure(String caption, String svg) {
            Objects.requireNonNull(caption, "caption");
            if (svg == null || !svg.stripLeading().startsWith("<svg")) {
                throw new IllegalArgumentException("figure '" + caption + "' is not an SVG document");
            }
            figures.add(Map.entry(caption, svg));
            return this;
        }

        /**
         * Builds the report.
         *
         * @return the report
         * @throws IllegalStateException when the title or the score is missing
         */
        public ThoughtReport build() {
            if (title == null || title.isBlank()) {
                throw new IllegalStateException("ThoughtReport needs a title: call title(..) before build()");
            }
            if (score == null) {
                throw new IllegalStateException("ThoughtReport needs a TextScore: call score(..) before build()");
            }
            return new ThoughtReport(this);
        }
    }

    /**
     * The generator tag every report carries in its head, by which a later write recognises it as a report.
     */
    public static final String GENERATOR_META = "<meta name=\"generator\" content=\"quietstar report\">";

    /**
     * What {@link #writeTo(Path, boolean)} writes: a file recognised by {@link #GENERATOR_META}, or, for pages written
     * before the tag existed, by the error box and the offline content policy every report has.
     */
    public static final OutputKind KIND = OutputKind.file("report", "thought report",
            head -> head.contains(GENERATOR_META) || (head.contains("<div id=\"js-errors\" class=\"js-errors\">")
                    && head.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'")));

    /**
     * Writes the page to a new (or empty) file as UTF-8, creating missing parent folders; an existing report is
     * refused, see {@link #writeTo(Path, boolean)}.
     *
     * @param file where to write, usually ending in {@code .html}
     * @throws IOException when the file cannot be written
     * @throws IllegalArgumentException when the file exists and is not empty
     */
    public void writeTo(Path file) throws IOException {
        writeTo(file, false);
    }

    /**
     * Writes the page as UTF-8 under core's {@link OutputFile} policy: atomically (a temporary file beside it, moved
     * into place), creating missing parent folders; an earlier report is replaced only when {@code replaceExisting};
     * any other file is refused and left untouched.
     *
     * @param file where to write, usually ending in {@code .html}
     * @param replaceExisting whether an earlier report at {@code file} is replaced instead of refused
     * @throws IOException when the file cannot be written; an earlier file is then left as it was
     * @throws IllegalArgumentException naming the file when the policy refuses it
     * @throws IllegalStateException when another writer is writing the file
     */
    public void writeTo(Path file, boolean replaceExisting) throws IOException {
        try {
            OutputFile.builder(file, KIND).replaceExisting(replaceExisting).build().write(toHtml());
        } catch (IOException e) {
            throw DiskFull.describe(e, file, "an earlier file there is left as it was");
        }
    }

    /**
     * Renders the page.
     *
     * @return the complete HTML document
     */
    public String toHtml() {
        StringBuilder h = new StringBuilder(8192 + score.tokens().size() * 300);
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append(GENERATOR_META).append('\n')
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                // Nothing may be fetched: the page must work as a single file, offline.
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                        + "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n")
                .append("<title>").append(Html.text(title)).append("</title>\n")
                .append("<style>").append(ReportPageAssets.CSS).append("</style>\n")
                .append("<script>").append(ReportPageAssets.ERROR_SCRIPT).append("</script>\n")
                .append("</head>\n<body>\n")
                .append("<h1>").append(Html.text(title)).append("</h1>\n")
                .append("<div id=\"js-errors\" class=\"js-errors\"></div>\n");
        appendSummary(h);
        appendRunInfo(h);
        appendText(h);
        appendTraining(h);
        for (Map.Entry<String, String> f : figures) {
            h.append("<section class=\"figure\">\n<h2>").append(Html.text(f.getKey())).append("</h2>\n")
                    .append(f.getValue()).append("\n</section>\n");
        }
        h.append("<script>").append(ReportPageAssets.PAGE_SCRIPT).append("</script>\n</body>\n</html>\n");
        return h.toString();
    }

    private void appendSummary(StringBuilder h) {
        ScoreSummary s = ScoreSummary.of(score);
        h.append("<section id=\"summary\">\n<h2>Summary</h2>\n<table class=\"kv\">\n");
        row(h, "summary-tokens", "scored tokens", Integer.toString(s.tokens()));
        row(h, "summary-base-total", "total log-prob without thinking", num(s.baseTotal(), "%.3f"));
        row(h, "summary-think-total", "total log-prob with thinking", num(s.thinkTotal(), "%.3f"));
        row(h, "summary-mean-delta", "mean delta per token (nats)", num(s.meanDelta(), "%+.4f"));
        row(h, "summary-improved", "tokens improved by thinking",
                Double.isNaN(s.improvedShare()) ? "n/a" : num(100 * s.improvedShare(), "%.1f") + "%");
        row(h, "summary-mean-weight", "mean mixing weight", num(s.meanMixingWeight(), "%.4f"));
        row(h, "summary-hardest-decile", "mean delta on the hardest 10% (" + s.hardestDecileTokens()
                + (s.hardestDecileTokens() == 1 ? " token" : " tokens") + " with the lowest base log-prob)",
                num(s.hardestDecileMeanDelta(), "%+.4f"));
        h.append("</table>\n</section>\n");
    }

    private static void row(StringBuilder h, String id, String label, String value) {
        h.append("<tr><th>").append(Html.text(label)).append("</th><td id=\"").append(id).append("\">")
                .append(Html.text(value)).append("</td></tr>\n");
    }

    private void appendRunInfo(StringBuilder h) {
        if (runInfo.isEmpty()) {
            return;
        }
        h.append("<section id=\"run-info\">\n<h2>Run</h2>\n<table class=\"kv\">\n");
        runInfo.forEach((k, v) -> h.append("<tr><th>").append(Html.text(k)).append("</th><td>")
                .append(Html.text(v)).append("</td></tr>\n"));
        h.append("</table>\n</section>\n");
    }

    private void appendText(StringBuilder h) {
        String max = num(maxDelta, "%.2f");
        h.append("<section id=\"text\">\n<h2>Text</h2>\n")
                .append("<p class=\"legend\">delta = log p with thought − log p without thought: ")
                .append("<span class=\"swatch\" style=\"background:").append(colour(-maxDelta))
                .append("\">−").append(max).append(" nats or less (hurt)</span> ")
                .append("<span class=\"ramp\" aria-hidden=\"true\"></span> ")
                .append("<span class=\"swatch\" style=\"background:").append(colour(maxDelta))
                .append("\">+").append(max).append(" nats or more (helped)</span>")
                .append(" — hover a token for its thought, click it for details.</p>\n")
                .append("<div id=\"tokens\" class=\"tokens\">");
        List<String> tokens = score.tokens();
        for (int i = 0; i < tokens.size(); i++) {
            double base = score.baseLogProbs().get(i);
            double think = score.thinkLogProbs().get(i);
            double delta = think - base;
            double w = score.mixingWeights().get(i);
            String thought = score.thoughts().get(i);
            String visible = visible(tokens.get(i));
            String direction = !Double.isFinite(delta) ? "na" : delta > 0 ? "up" : delta < 0 ? "down" : "flat";
            String pb = prob(base);
            String pt = prob(think);
            String d = Double.isFinite(delta) ? num(delta, "%+.4f") + " nats" : "n/a";
            String ws = num(w, "%.4f");
            String tooltip = "thought: " + thought + "\nmixing weight: " + ws + "\np without thought: " + pb
                    + "\np with thought: " + pt + "\ndelta: " + d;
            h.append("<span class=\"tok ").append(direction).append("\" tabindex=\"0\" data-i=\"").append(i)
                    .append('"');
            if (Double.isFinite(delta) && delta != 0) {
                h.append(" style=\"background:").append(colour(delta)).append('"');
            }
            h.append(" data-text=\"").append(Html.attr(visible)).append("\" data-thought=\"")
                    .append(Html.attr(thought)).append("\" data-w=\"").append(ws).append("\" data-pb=\"")
                    .append(pb).append("\" data-pt=\"").append(pt).append("\" data-d=\"").append(d)
                    .append("\" title=\"").append(Html.attr(tooltip)).append("\">")
                    .append(Html.text(visible)).append("</span>");
        }
        h.append("</div>\n");
        h.append("<div id=\"details\" class=\"details\" aria-live=\"polite\">\n")
                .append("<p class=\"hint\">Click a token to see the thought before it.</p>\n<dl>\n");
        for (String[] f : new String[][] {{"d-index", "token"}, {"d-token", "text"}, {"d-thought", "thought before it"},
                {"d-w", "mixing weight"}, {"d-pb", "p without thought"}, {"d-pt", "p with thought"},
                {"d-delta", "delta"}}) {
            h.append("<dt>").append(f[1]).append("</dt><dd id=\"").append(f[0]).append("\"></dd>\n");
        }
        h.append("</dl>\n</div>\n</section>\n");
    }

    private void appendTraining(StringBuilder h) {
        h.append("<section id=\"training\">\n<h2>Training</h2>\n");
        if (steps.isEmpty()) {
            h.append("<p class=\"empty\">no training metrics</p>\n</section>\n");
            return;
        }
        StepMetrics last = steps.get(steps.size() - 1);
        h.append("<p>").append(steps.size()).append(" optimiser steps; last step ").append(last.step())
                .append(": total loss ").append(num(last.totalLoss(), "%.4f")).append(", base NLL ")
                .append(num(last.baseNllPlain(), "%.4f")).append(", talk NLL ")
                .append(num(last.talkNllPlain(), "%.4f")).append(".</p>\n<div class=\"charts\">\n");
        double[] x = series(StepMetrics::step);
        h.append(SvgLineChart.builder().title("total loss").xLabel("step").integerX(true).yLabel("loss")
                .series("total loss", x, series(StepMetrics::totalLoss)).build().toSvg()).append('\n');
        h.append(SvgLineChart.builder().title("NLL without vs with thinking (plain mean)").xLabel("step").integerX(true)
                .yLabel("nats per token")
                .series("base NLL", x, series(StepMetrics::baseNllPlain))
                .series("talk NLL (after thought)", x, series(StepMetrics::talkNllPlain)).build().toSvg())
                .append('\n');
        h.append(SvgLineChart.builder().title("mean reward").xLabel("step").integerX(true).yLabel("nats")
                .series("mean reward", x, series(StepMetrics::meanReward)).build().toSvg()).append('\n');
        h.append(SvgLineChart.builder().title("mean mixing weight").xLabel("step").integerX(true).yLabel("w")
                .series("mean mixing weight", x, series(StepMetrics::meanMixingWeight)).build().toSvg())
                .append('\n');
        h.append("</div>\n</section>\n");
    }

    private double[] series(ToDoubleFunction<StepMetrics> f) {
        return steps.stream().mapToDouble(f).toArray();
    }

    /** Makes whitespace visible: a newline shows as ↵ and still breaks the line, a tab as → plus the tab. */
    private static String visible(String token) {
        if (token == null || token.isEmpty()) {
            return "\u2205";
        }
        String t = token.replace("\r\n", "\n").replace('\r', '\n');
        StringBuilder b = new StringBuilder(t.length() + 4);
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (c == '\n') {
                b.append("\u21b5\n");
            } else if (c == '\t') {
                b.append("\u2192\t");
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** Green for a positive delta, red for a negative one, more opaque as |delta| approaches maxDelta. */
    String colour(double delta) {
        double strength = Math.min(Math.abs(delta), maxDelta) / maxDelta;
        double alpha = 0.12 + 0.68 * strength;
        String rgb = delta > 0 ? "22,163,74" : "220,38,38";
        return "rgba(" + rgb + "," + String.format(Locale.ROOT, "%.3f", alpha) + ")";
    }

    private static String prob(double logProb) {
        return Double.isNaN(logProb) ? "n/a" : String.format(Locale.ROOT, "%.4g", Math.exp(logProb));
    }

    private static String num(double v, String format) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, format, v) : Double.isNaN(v) ? "n/a"
                : v > 0 ? "+inf" : "-inf";
    }
}
