package dev.quietstar.examples.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.quietstar.api.TrainingReport;
import dev.quietstar.api.spi.QuietStarBackend;
import dev.quietstar.examples.data.ColumnArithmeticCorpus;
import dev.quietstar.core.eval.EvalExample;
import dev.quietstar.core.report.SvgLineChart;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Does any training make the thoughts better? Runs the demo's Quiet-STaR recipe from the same start with each
 * training variant (reward estimators and objective options, all through the configuration and the SPI, none a
 * fork of the trainer) over several seeds, and scores the thoughts before held-out answers at every checkpoint
 * ({@link ThoughtQuality}). Also runs the thoughtLength sweep (4 / 8 / 12 at equal steps, first seed). Written as
 * {@code study.json}, {@code study.md} and {@code study-quality.svg}; {@code study.json} is rewritten after every
 * run, so an interrupted study keeps what it measured.
 */
public final class EstimatorStudy {

    /**
     * One training variant.
     *
     * @param name label
     * @param overrides {@code field=value} overrides of the demo's Quiet-STaR recipe
     * @param thoughtLength the thought length
     * @param allSeeds whether the variant runs with every seed (else with the first only)
     */
    public record Variant(String name, List<String> overrides, int thoughtLength, boolean allSeeds) {}

    /**
     * One run of a variant.
     *
     * @param variant the variant's name
     * @param seed the run seed
     * @param wallSeconds training wall time
     * @param curve thought quality per checkpoint, step 0 first
     */
    public record Run(String variant, long seed, double wallSeconds, List<ThoughtQuality.Point> curve) {}

    /** The variants: official first, then in order of interest (a stopped study keeps the first ones). */
    static List<Variant> variants(int thoughtLength) {
        return List.of(
                new Variant("official (P=2, mean baseline)", List.of(), thoughtLength, true),
                new Variant("best-of-4 filter", List.of("advantage=BEST_OF", "thoughtsPerPosition=4"), thoughtLength,
                        true),
                new Variant("official, thoughtLength 4", List.of(), 4, false),
                new Variant("official, thoughtLength 12", List.of(), 12, false),
                new Variant("leave-one-out baseline, P=4", List.of("advantage=LEAVE_ONE_OUT", "thoughtsPerPosition=4"),
                        thoughtLength, true),
                new Variant("official, thought temperature 0.5", List.of("thoughtTemperature=0.5"), thoughtLength,
                        true));
    }

    private final QuietStarBackend backend;
    private final DemoPlan plan;
    private final Path dir;
    private final PrintWriter out;
    private final List<Long> seeds;

    /**
     * Creates the study.
     *
     * @param backend a backend with TRAIN and INFER
     * @param plan the demo sizes (steps, batch, checkpoint cadence)
     * @param dir the output folder
     * @param seeds run seeds, at least one
     * @param out progress
     */
    public EstimatorStudy(QuietStarBackend backend, DemoPlan plan, Path dir, List<Long> seeds, PrintWriter out) {
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("the study needs at least one seed");
        }
        this.backend = backend;
        this.plan = plan;
        this.dir = dir;
        this.seeds = List.copyOf(seeds);
        this.out = out;
    }

    /**
     * Runs every variant and writes the results.
     *
     * @param base the base checkpoint (the shipped one when null)
     * @return the runs
     */
    public List<Run> run(Path base) {
        out.println("quietstar demo --study: output folder " + dir);
        Path baseDir = dir.resolve("base");
        if (base == null) {
            DemoTraining.extractShippedBase(baseDir);
        } else {
            QuietStarDemo.copyWeights(base, baseDir);
        }
        Path start = dir.resolve("start");
        DemoTraining.prepareStart(baseDir, start);
        ColumnArithmeticCorpus corpus = QuietStarDemo.corpus(plan);
        int q = Math.min(QuietStarDemo.QUALITY_PROBLEMS, plan.heldOutProblems());
        List<EvalExample> examples = QuietStarDemo.heldOutExamples(corpus, q);
        List<String> worked = corpus.heldOut().stream().limit(q).map(ColumnArithmeticCorpus.Problem::scratchpad)
                .toList();
        List<Run> runs = new ArrayList<>();
        for (Variant v : variants(plan.thoughtLength())) {
            for (long seed : v.allSeeds() ? seeds : seeds.subList(0, 1)) {
                String tag = slug(v.name()) + "-s" + seed;
                out.println("== " + v.name() + ", seed " + seed);
                out.flush();
                DemoPlan p = plan.withSeed(seed);
                DemoTraining training = new DemoTraining(backend, p, v.overrides());
                Path runDir = dir.resolve(tag);
                Path done = runDir.resolve("checkpoints").resolve(String.format("step-%06d", plan.quietStarSteps()));
                double wall;
                if (Files.isRegularFile(done.resolve("model.safetensors"))) {
                    // a study run again in the same folder reuses finished runs and measures them again
                    out.println("   reusing the finished run in " + runDir);
                    wall = Double.NaN;
                } else {
                    TrainingReport r = training.quietStar(start, corpus.continuedDataset(), runDir,
                            v.thoughtLength());
                    wall = r.wallSeconds();
                }
                Path stepZero = runDir.resolve("step-0");
                DemoTraining.saveWithConfig(start, training.quietStarConfig(v.thoughtLength()), stepZero);
                List<ThoughtQuality.Point> curve = ThoughtQuality.curve(stepZero, runDir, examples, worked, seed);
                runs.add(new Run(v.name(), seed, wall, curve));
                ThoughtQuality.Point last = curve.get(curve.size() - 1);
                out.printf(Locale.ROOT, "   sampled exact %.3f -> %.3f, greedy exact %.3f -> %.3f, think-once NLL "
                        + "%.4f -> %.4f%n", curve.get(0).sampledExact(), last.sampledExact(),
                        curve.get(0).greedyExact(), last.greedyExact(), curve.get(0).answerNll(), last.answerNll());
                write(runs);
            }
        }
        out.println();
        out.println(toMarkdown(runs));
        out.println("results: " + dir.resolve("study.md") + ", " + dir.resolve("study.json"));
        out.flush();
        return runs;
    }

    private void write(List<Run> runs) {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .configure(com.fasterxml.jackson.core.json.JsonWriteFeature.WRITE_NAN_AS_STRINGS.mappedFeature(),
                        true);
        Map<String, Object> node = new LinkedHashMap<>();
        node.put("created", Instant.now().toString());
        node.put("plan", plan);
        node.put("seeds", seeds);
        node.put("variants", variants(plan.thoughtLength()));
        node.put("runs", runs);
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("study.json"), json.writeValueAsString(node));
            Files.writeString(dir.resolve("study.md"), toMarkdown(runs));
            Files.writeString(dir.resolve("study-quality.svg"), chart(runs));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the study to " + dir, e);
        }
    }

    /**
     * The summary: per variant, mean and spread over seeds of the first and last checkpoint's numbers.
     *
     * @param runs the runs
     * @return Markdown
     */
    static String toMarkdown(List<Run> runs) {
        StringBuilder sb = new StringBuilder("## Does training make the thoughts better?\n\n");
        int problems = runs.isEmpty() ? 0 : runs.get(0).curve().get(0).problems();
        sb.append("Thoughts sampled before the answer of ").append(problems).append(" held-out problems, scored "
                + "against the worked solution, at the start (step 0) and after the last step; mean over seeds "
                + "(min..max in brackets). Think-once answer NLL uses the sampled thought, kept for the look-ahead."
                + "\n\n");
        sb.append("(train s: mean training wall time of the runs this invocation trained; '-' when every run was "
                + "reused from an earlier invocation.)\n\n");
        sb.append("| variant | seeds | sampled exact, start | sampled exact, end | greedy exact, end | think-once "
                + "answer NLL, start | think-once answer NLL, end | mean w, end | train s |\n");
        sb.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        Map<String, List<Run>> byVariant = new LinkedHashMap<>();
        for (Run r : runs) {
            byVariant.computeIfAbsent(r.variant(), k -> new ArrayList<>()).add(r);
        }
        for (Map.Entry<String, List<Run>> e : byVariant.entrySet()) {
            List<Run> rs = e.getValue();
            sb.append("| ").append(e.getKey()).append(" | ").append(rs.size()).append(" | ")
                    .append(stat(rs, true, ThoughtQuality.Point::sampledExact, "%.3f")).append(" | ")
                    .append(stat(rs, false, ThoughtQuality.Point::sampledExact, "%.3f")).append(" | ")
                    .append(stat(rs, false, ThoughtQuality.Point::greedyExact, "%.3f")).append(" | ")
                    .append(stat(rs, true, ThoughtQuality.Point::answerNll, "%.4f")).append(" | ")
                    .append(stat(rs, false, ThoughtQuality.Point::answerNll, "%.4f")).append(" | ")
                    .append(stat(rs, false, ThoughtQuality.Point::meanMixingWeight, "%.3f")).append(" | ")
                    .append(trainSeconds(rs)).append(" |\n");
        }
        sb.append("\nSampled-thought exact share per checkpoint (mean over seeds):\n\n| variant |");
        List<Integer> steps = runs.isEmpty() ? List.of()
                : runs.get(0).curve().stream().map(ThoughtQuality.Point::step).toList();
        for (int s : steps) {
            sb.append(" step ").append(s).append(" |");
        }
        sb.append("\n|---|").append("---:|".repeat(steps.size())).append('\n');
        for (Map.Entry<String, List<Run>> e : byVariant.entrySet()) {
            sb.append("| ").append(e.getKey()).append(" |");
            for (int i = 0; i < steps.size(); i++) {
                int idx = i;
                sb.append(String.format(Locale.ROOT, " %.3f |", e.getValue().stream()
                        .filter(r -> r.curve().size() > idx).mapToDouble(r -> r.curve().get(idx).sampledExact())
                        .average().orElse(Double.NaN)));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** Mean training time of the runs trained in this study (a reused run has no time). */
    private static String trainSeconds(List<Run> runs) {
        var timed = runs.stream().mapToDouble(Run::wallSeconds).filter(Double::isFinite).summaryStatistics();
        return timed.getCount() == 0 ? "-" : String.format(Locale.ROOT, "%.0f", timed.getAverage());
    }

    private static String stat(List<Run> runs, boolean first,
            java.util.function.ToDoubleFunction<ThoughtQuality.Point> f, String format) {
        double[] v = runs.stream().mapToDouble(r -> f.applyAsDouble(first ? r.curve().get(0)
                : r.curve().get(r.curve().size() - 1))).toArray();
        double mean = java.util.Arrays.stream(v).average().orElse(Double.NaN);
        if (v.length == 1) {
            return String.format(Locale.ROOT, format, mean);
        }
        double min = java.util.Arrays.stream(v).min().orElse(Double.NaN);
        double max = java.util.Arrays.stream(v).max().orElse(Double.NaN);
        return String.format(Locale.ROOT, format + " (" + format + ".." + format + ")", mean, min, max);
    }

    private static String chart(List<Run> runs) {
        SvgLineChart.Builder c = SvgLineChart.builder()
                .title("Sampled thoughts before the answer that are the worked solution (mean over seeds)")
                .xLabel("Quiet-STaR step").yLabel("share exactly right").integerX(true).size(760, 340);
        Map<String, List<Run>> byVariant = new LinkedHashMap<>();
        for (Run r : runs) {
            byVariant.computeIfAbsent(r.variant(), k -> new ArrayList<>()).add(r);
        }
        for (Map.Entry<String, List<Run>> e : byVariant.entrySet()) {
            if (e.getKey().contains("thoughtLength")) {
                continue;
            }
            List<ThoughtQuality.Point> first = e.getValue().get(0).curve();
            double[] x = first.stream().mapToDouble(ThoughtQuality.Point::step).toArray();
            double[] y = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                int idx = i;
                y[i] = e.getValue().stream().filter(r -> r.curve().size() > idx)
                        .mapToDouble(r -> r.curve().get(idx).sampledExact()).average().orElse(Double.NaN);
            }
            c.series(e.getKey(), x, y);
        }
        return c.build().toSvg();
    }

    private static String slug(String name) {
        return name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
    }
}
