package dev.quietstar.examples.adaptive;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.quietstar.core.io.OutputFolder;
import dev.quietstar.core.io.OutputKind;
import dev.quietstar.core.report.SvgLineChart;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The measured curve and its summary against the goal: at least {@value #GOAL_SAVING_PERCENT}% fewer thought tokens
 * than always-think while losing at most {@value #GOAL_LOSS_PERCENT}% of always-think's NLL gain over never-think.
 *
 * @param task what was measured, such as {@code "answers"} or {@code "text"}
 * @param description the data and model
 * @param thoughtLength the model's thought length
 * @param references always, once (when measured) and never
 * @param adaptive the adaptive points, ordered by threshold from high to low
 */
public record AdaptiveCurve(String task, String description, int thoughtLength, List<CurvePoint> references,
        List<CurvePoint> adaptive) {

    /** Share of always-think's thought tokens the goal asks to save, percent. */
    public static final int GOAL_SAVING_PERCENT = 50;
    /** Share of always-think's gain the goal allows to lose, percent. */
    public static final int GOAL_LOSS_PERCENT = 10;

    /** Copies the lists. */
    public AdaptiveCurve {
        references = List.copyOf(references);
        adaptive = List.copyOf(adaptive);
    }

    private CurvePoint reference(String name) {
        return references.stream().filter(p -> p.setting().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no '" + name + "' reference point"));
    }

    /**
     * Always-think's NLL gain over never-think.
     *
     * @return nats, positive when thinking helps
     */
    public double alwaysGain() {
        return reference("never").pairedNll() - reference("always").pairedNll();
    }

    /**
     * The share of always-think's gain a point keeps.
     *
     * @param p the point
     * @return (NLL_never - NLL_p) / gain on the paired NLL, NaN when always-think gains nothing
     */
    public double gainKept(CurvePoint p) {
        double gain = alwaysGain();
        return gain > 0 ? (reference("never").pairedNll() - p.pairedNll()) / gain : Double.NaN;
    }

    /**
     * The share of always-think's thought tokens a point saves.
     *
     * @param p the point
     * @return 1 - tokens_p / tokens_always
     */
    public double tokensSaved(CurvePoint p) {
        double always = reference("always").thoughtTokensPerToken();
        return always > 0 ? 1 - p.thoughtTokensPerToken() / always : Double.NaN;
    }

    /**
     * The adaptive point that keeps the most gain among those saving at least the goal's share of thought tokens.
     *
     * @return the point, or null when none saves that much
     */
    public CurvePoint bestAtGoalSaving() {
        CurvePoint best = null;
        for (CurvePoint p : adaptive) {
            if (tokensSaved(p) >= GOAL_SAVING_PERCENT / 100.0 - 1e-12
                    && (best == null || p.pairedNll() < best.pairedNll())) {
                best = p;
            }
        }
        return best;
    }

    /**
     * Whether some adaptive point meets the goal.
     *
     * @return true when a point saves at least half the thought tokens and keeps at least 90% of the gain
     */
    public boolean goalMet() {
        CurvePoint best = bestAtGoalSaving();
        return best != null && alwaysGain() > 0 && gainKept(best) >= 1 - GOAL_LOSS_PERCENT / 100.0;
    }

    /**
     * A plain-text verdict on the goal, with the numbers.
     *
     * @return one paragraph
     */
    public String verdict() {
        double gain = alwaysGain();
        CurvePoint best = bestAtGoalSaving();
        String bestText = best == null ? "no adaptive point saved " + GOAL_SAVING_PERCENT + "% of the thought tokens"
                : String.format(Locale.ROOT, "at threshold %.4g the gate thinks before %.1f%% of tokens (%.1f%% fewer "
                        + "thought tokens than always) with paired NLL %.4f", best.threshold(),
                        100 * best.thinkFraction(), 100 * tokensSaved(best), best.pairedNll());
        if (!(gain > 0)) {
            return String.format(Locale.ROOT, "Always-think does not improve NLL here (never %.4f, always %.4f, gain "
                    + "%.4f nats), so the goal's 'share of the gain kept' is undefined; %s.",
                    reference("never").pairedNll(), reference("always").pairedNll(), gain, bestText);
        }
        String kept = best == null ? "" : String.format(Locale.ROOT, ", keeping %.0f%% of always-think's gain of %.4f "
                + "nats", 100 * gainKept(best), gain);
        return (goalMet() ? "Goal met: " : "Goal not met: ") + bestText + kept + " (goal: >= " + GOAL_SAVING_PERCENT
                + "% fewer thought tokens at <= " + GOAL_LOSS_PERCENT + "% loss of the gain).";
    }

    /**
     * The curve as Markdown: a table of every point and the verdict.
     *
     * @param chartFiles chart file names to link, or empty
     * @return the Markdown
     */
    public String toMarkdown(List<String> chartFiles) {
        boolean em = references.stream().anyMatch(p -> !Double.isNaN(p.exactMatch()));
        StringBuilder md = new StringBuilder();
        md.append("# Adaptive thinking curve (").append(task).append(")\n\n").append(description).append("\n\n");
        md.append("Thought tokens per token = share of tokens preceded by a thought x (thoughtLength ")
                .append(thoughtLength).append(" + 2). Paired NLL: always-think's per-token log-probability where the "
                        + "setting thinks, never-think's elsewhere (the same thoughts for every point); gain kept is "
                        + "measured on it. Own-run NLL: the setting evaluated on its own, with its own thought "
                        + "samples.\n\n");
        md.append("| setting | threshold | thinks before | thought tokens / token | saved vs always | paired NLL | "
                + "gain kept | own-run NLL |");
        md.append(em ? " exact match | thought tokens / generated token |\n" : "\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|").append(em ? "---:|---:|\n" : "\n");
        List<CurvePoint> all = new ArrayList<>(references);
        all.addAll(adaptive);
        for (CurvePoint p : all) {
            md.append("| ").append(p.setting()).append(" | ")
                    .append(Double.isNaN(p.threshold()) ? "—" : fmt("%.4g", p.threshold())).append(" | ")
                    .append(fmt("%.1f%%", 100 * p.thinkFraction())).append(" | ")
                    .append(fmt("%.2f", p.thoughtTokensPerToken())).append(" | ")
                    .append(pct(tokensSaved(p))).append(" | ")
                    .append(fmt("%.4f", p.pairedNll())).append(" | ")
                    .append(pct(gainKept(p))).append(" | ")
                    .append(fmt("%.4f", p.nll())).append(" |");
            if (em) {
                md.append(' ').append(Double.isNaN(p.exactMatch()) ? "—" : fmt("%.3f", p.exactMatch())).append(" | ")
                        .append(Double.isNaN(p.generatedThoughtTokensPerToken()) ? "—"
                                : fmt("%.2f", p.generatedThoughtTokensPerToken())).append(" |");
            }
            md.append('\n');
        }
        md.append('\n').append(verdict()).append('\n');
        for (String f : chartFiles) {
            md.append("\n![").append(f).append("](").append(f).append(")\n");
        }
        return md.toString();
    }

    private static String pct(double v) {
        return Double.isNaN(v) ? "—" : fmt("%.0f%%", 100 * v);
    }

    private static String fmt(String f, double v) {
        return String.format(Locale.ROOT, f, v);
    }

    /**
     * A chart of one measurement against thought tokens per token: the adaptive sweep as a line, each reference as
     * a point.
     *
     * @param what {@code "nll"} or {@code "exactMatch"}
     * @return the SVG markup
     */
    public String chart(String what) {
        return chartOf(what).toSvg();
    }

    /**
     * The chart {@link #chart} renders, for embedding in a thought report.
     *
     * @param what {@code "nll"} or {@code "exactMatch"}
     * @return the chart
     */
    public SvgLineChart chartOf(String what) {
        boolean nll = what.equals("nll");
        SvgLineChart.Builder b = SvgLineChart.builder()
                .title("adaptive thinking (" + task + "): " + (nll ? "paired NLL" : "exact match") + " vs thought tokens")
                .xLabel("thought tokens per token").yLabel(nll ? "held-out NLL (nats)" : "exact match");
        List<CurvePoint> sorted = new ArrayList<>(adaptive);
        sorted.sort((a, c) -> Double.compare(a.thoughtTokensPerToken(), c.thoughtTokensPerToken()));
        b.series("adaptive (gate threshold sweep)", sorted.stream().mapToDouble(CurvePoint::thoughtTokensPerToken)
                .toArray(), sorted.stream().mapToDouble(p -> nll ? p.pairedNll() : p.exactMatch()).toArray());
        for (CurvePoint r : references) {
            b.series(r.setting(), new double[] {r.thoughtTokensPerToken()},
                    new double[] {nll ? r.pairedNll() : r.exactMatch()});
        }
        return b.build();
    }

    /**
     * What {@link #write(Path, Map, boolean)} writes; folders written before the marker existed are recognised by
     * {@code curve.json} and {@code curve.md}.
     */
    public static final OutputKind KIND = OutputKind.folder("adaptive-curve", "adaptive-curve output", "curve.json",
            "curve.md");

    /**
     * Writes {@code curve.json}, {@code curve.md} and the charts into a new or empty folder, atomically.
     *
     * @param folder the output folder
     * @param extra more fields for the JSON file (model, data, command)
     * @return the files written
     * @throws IOException when a file cannot be written
     * @throws IllegalArgumentException when the folder exists and is not empty
     */
    public List<Path> write(Path folder, Map<String, Object> extra) throws IOException {
        return write(folder, extra, false);
    }

    /**
     * Writes {@code curve.json}, {@code curve.md} and the charts into a folder under core's {@link OutputFolder}
     * policy: atomically; an earlier curve is replaced only when {@code replaceExisting}; any other non-empty folder is
     * refused and left untouched.
     *
     * @param folder the output folder
     * @param extra more fields for the JSON file (model, data, command)
     * @param replaceExisting whether an earlier curve in {@code folder} is replaced instead of refused
     * @return the files written
     * @throws IOException when a file cannot be written; the folder is then left as it was
     * @throws IllegalArgumentException naming the folder when the policy refuses it
     * @throws IllegalStateException when another writer is writing the folder
     */
    public List<Path> write(Path folder, Map<String, Object> extra, boolean replaceExisting) throws IOException {
        List<String> names = new ArrayList<>();
        try (OutputFolder.Claim claim = OutputFolder.builder(folder, KIND).replaceExisting(replaceExisting).build()
                .claim()) {
            claim.write(tmp -> names.addAll(writeInto(tmp, extra)));
        }
        return names.stream().map(folder::resolve).toList();
    }

    /**
     * Writes {@code curve.json}, {@code curve.md} and the charts into a folder the caller owns, for example the
     * temporary folder of an {@link OutputFolder.Claim}; files of the same names are overwritten.
     *
     * @param folder the folder, existing
     * @param extra more fields for the JSON file (model, data, command)
     * @return the names of the files written
     * @throws IOException when a file cannot be written
     */
    public List<String> writeInto(Path folder, Map<String, Object> extra) throws IOException {
        List<String> charts = new ArrayList<>();
        Files.writeString(folder.resolve("adaptive-curve-nll.svg"), chart("nll"), StandardCharsets.UTF_8);
        charts.add("adaptive-curve-nll.svg");
        if (references.stream().anyMatch(p -> !Double.isNaN(p.exactMatch()))) {
            Files.writeString(folder.resolve("adaptive-curve-exact-match.svg"), chart("exactMatch"),
                    StandardCharsets.UTF_8);
            charts.add("adaptive-curve-exact-match.svg");
        }
        Files.writeString(folder.resolve("curve.md"), toMarkdown(charts), StandardCharsets.UTF_8);
        Map<String, Object> json = new LinkedHashMap<>(extra);
        json.put("task", task);
        json.put("description", description);
        json.put("thoughtLength", thoughtLength);
        json.put("references", references);
        json.put("adaptive", adaptive);
        json.put("alwaysGain", alwaysGain());
        CurvePoint best = bestAtGoalSaving();
        json.put("bestAtGoalSaving", best);
        json.put("gainKeptAtGoalSaving", best == null ? null : finite(gainKept(best)));
        json.put("goalMet", goalMet());
        json.put("verdict", verdict());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(folder.resolve("curve.json").toFile(),
                sanitise(json));
        List<String> files = new ArrayList<>(List.of("curve.json", "curve.md"));
        files.addAll(charts);
        return files;
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    /** JSON has no NaN: points become maps with NaN as null. */
    private static Object sanitise(Object o) {
        if (o instanceof CurvePoint p) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("setting", p.setting());
            double t = p.threshold();
            m.put("threshold", Double.isNaN(t) ? null : Double.isInfinite(t) ? String.valueOf(t) : (Object) t);
            m.put("thinkFraction", finite(p.thinkFraction()));
            m.put("thoughtTokensPerToken", finite(p.thoughtTokensPerToken()));
            m.put("nll", finite(p.nll()));
            m.put("pairedNll", finite(p.pairedNll()));
            m.put("exactMatch", finite(p.exactMatch()));
            m.put("generatedThoughtTokensPerToken", finite(p.generatedThoughtTokensPerToken()));
            return m;
        }
        if (o instanceof List<?> l) {
            return l.stream().map(AdaptiveCurve::sanitise).toList();
        }
        if (o instanceof Map<?, ?> m) {
            Map<Object, Object> out = new LinkedHashMap<>();
            m.forEach((k, v) -> out.put(k, sanitise(v)));
            return out;
        }
        if (o instanceof Double d) {
            return finite(d);
        }
        return o;
    }

    /**
     * Reads a {@code curve.json} written by {@link #write}.
     *
     * @param file the file
     * @return the curve
     * @throws IllegalArgumentException when the file is not such a curve
     */
    public static AdaptiveCurve read(Path file) {
        com.fasterxml.jackson.databind.JsonNode n;
        try {
            n = new ObjectMapper().readTree(dev.quietstar.core.io.BoundedFiles.readUtf8(file,
                    dev.quietstar.core.io.BoundedFiles.MAX_METADATA_BYTES, "adaptive curve"));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the adaptive curve " + file + ": " + e.getMessage(), e);
        }
        if (n == null || !n.hasNonNull("task") || !n.path("references").isArray() || !n.path("adaptive").isArray()) {
            throw new IllegalArgumentException(file + " is not a curve.json written by quietstar adaptive-curve "
                    + "(it needs task, references and adaptive)");
        }
        return new AdaptiveCurve(n.get("task").asText(), n.path("description").asText(""),
                n.path("thoughtLength").asInt(), points(n.get("references")), points(n.get("adaptive")));
    }

    private static List<CurvePoint> points(com.fasterxml.jackson.databind.JsonNode array) {
        List<CurvePoint> out = new ArrayList<>();
        for (com.fasterxml.jackson.databind.JsonNode p : array) {
            out.add(new CurvePoint(p.path("setting").asText(), number(p.get("threshold")),
                    number(p.get("thinkFraction")), number(p.get("thoughtTokensPerToken")), number(p.get("nll")),
                    number(p.get("pairedNll")), number(p.get("exactMatch")),
                    number(p.get("generatedThoughtTokensPerToken"))));
        }
        return out;
    }

    private static double number(com.fasterxml.jackson.databind.JsonNode v) {
        if (v == null || v.isNull()) {
            return Double.NaN;
        }
        return v.isTextual() ? Double.parseDouble(v.asText()) : v.asDouble();
    }

    /**
     * Thresholds that make the gate think before roughly the given shares of tokens: quantiles of the predictions.
     *
     * @param predictions the gate's predictions on the data
     * @param thinkShares shares in (0, 1)
     * @return thresholds, one per share, from high to low, duplicates removed
     */
    public static double[] quantileThresholds(double[] predictions, double[] thinkShares) {
        double[] sorted = predictions.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return Arrays.stream(thinkShares).sorted().map(share -> {
            // think before share * n tokens: the threshold sits just below the (n - k)-th smallest prediction
            int k = (int) Math.round(share * n);
            if (k <= 0) {
                return Double.POSITIVE_INFINITY;
            }
            if (k >= n) {
                return Double.NEGATIVE_INFINITY;
            }
            return (sorted[n - k - 1] + sorted[n - k]) / 2;
        }).distinct().toArray();
    }
}
