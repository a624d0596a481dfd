package dev.quietstar.examples.demo;

import dev.quietstar.api.TrainingReport;
import dev.quietstar.api.spi.QuietStarBackend;
import dev.quietstar.examples.data.ColumnArithmeticCorpus;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.quietstar.core.eval.EvalExample;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Runs the demo: data, base model, Quiet-STaR and control runs, evaluation, results.
 */
public final class QuietStarDemo {

    /**
     * Seed of the demo's corpus. Fixed, whatever the run seed: the shipped base was pretrained on this corpus, and
     * only with it are the held-out problems guaranteed unseen.
     */
    public static final long CORPUS_SEED = 11;

    private final QuietStarBackend backend;
    private final DemoPlan plan;
    private final Path dir;
    private final boolean fromScratch;
    private final PrintWriter out;
    private final ColumnArithmeticCorpus corpus;
    private final List<String> overrides;
    private Path givenBase;

    /**
     * Creates the demo.
     *
     * @param backend a backend with TRAIN and INFER
     * @param plan the sizes
     * @param dir the output folder
     * @param fromScratch pretrain the base model here instead of using the shipped one
     * @param out where progress and results are printed
     */
    public QuietStarDemo(QuietStarBackend backend, DemoPlan plan, Path dir, boolean fromScratch, PrintWriter out) {
        this(backend, plan, dir, fromScratch, out, List.of());
    }

    /**
     * Creates the demo with overrides of the Quiet-STaR recipe.
     *
     * @param backend a backend with TRAIN and INFER
     * @param plan the sizes
     * @param dir the output folder
     * @param fromScratch pretrain the base model here instead of using the shipped one
     * @param out where progress and results are printed
     * @param overrides {@code field=value} overrides of the Quiet-STaR configuration (see ConfigLoader)
     */
    public QuietStarDemo(QuietStarBackend backend, DemoPlan plan, Path dir, boolean fromScratch, PrintWriter out,
            List<String> overrides) {
        this.overrides = List.copyOf(overrides);
        this.backend = Objects.requireNonNull(backend, "backend");
        this.plan = Objects.requireNonNull(plan, "plan");
        this.dir = Objects.requireNonNull(dir, "dir");
        this.fromScratch = fromScratch;
        this.out = Objects.requireNonNull(out, "out");
        this.corpus = corpus(plan);
    }

    /**
     * The demo's corpus for a plan's sizes (always with {@link #CORPUS_SEED}).
     *
     * @param plan the sizes
     * @return the corpus
     */
    public static ColumnArithmeticCorpus corpus(DemoPlan plan) {
        return ColumnArithmeticCorpus.builder().optSeed(CORPUS_SEED).optPretrainDocuments(plan.pretrainDocuments())
                .optContinuedDocuments(plan.continuedDocuments()).optHeldOutProblems(plan.heldOutProblems()).build();
    }

    /**
     * Starts from a given base checkpoint instead of the shipped one.
     *
     * @param checkpoint the base checkpoint folder
     */
    public void useBase(Path checkpoint) {
        if (!Files.isRegularFile(checkpoint.resolve("quietstar.json"))) {
            throw new IllegalArgumentException("--base " + checkpoint + " is not a quietstar checkpoint folder "
                    + "(no quietstar.json)");
        }
        this.givenBase = checkpoint;
    }

    /**
     * Pretrains the base model only, writing it to {@code <dir>/base} (this is how the shipped base checkpoint is
     * made).
     *
     * @return the base checkpoint folder
     */
    public Path pretrainOnly() {
        out.println("quietstar demo: pretraining the base model; output folder " + dir);
        out.flush();
        Path base = pretrain();
        out.println("base checkpoint: " + base);
        return base;
    }

    private Path pretrain() {
        DemoTraining training = new DemoTraining(backend, plan, overrides);
        TrainingReport report = training.pretrain(corpus.pretrainDataset(), dir.resolve("pretrain"));
        Path base = dir.resolve("base");
        Path chosen = report.finalCheckpoint().getParent().resolve(String.format("step-%06d", plan.baseStep()));
        copyWeights(chosen, base);
        out.printf("pretrained %d steps in %.0f s; final next-token loss %.3f; the base is the checkpoint after %d "
                + "steps (next-token loss %.3f)%n", report.steps().size(), report.wallSeconds(),
                report.steps().get(report.steps().size() - 1).baseNllPlain(), plan.baseStep(),
                report.steps().get(plan.baseStep() - 1).baseNllPlain());
        return base;
    }

    /** Copies a checkpoint's weights and metadata without its training state. */
    static void copyWeights(Path from, Path to) {
        try {
            Files.createDirectories(to);
            for (String f : DemoTraining.BASE_FILES) {
                Files.copy(from.resolve(f), to.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + from + " to " + to, e);
        }
    }

    /** Runs the whole demo. */
    public void run() {
        out.println("quietstar demo (" + plan.name() + "): output folder " + dir);
        out.flush();
        Path base;
        if (fromScratch) {
            base = pretrain();
        } else if (givenBase != null) {
            base = dir.resolve("base");
            copyWeights(givenBase, base);
        } else {
            base = dir.resolve("base");
            DemoTraining.extractShippedBase(base);
        }
        writeData(dir.resolve("data"));
        Path start = dir.resolve("start");
        DemoTraining.prepareStart(base, start);
        DemoTraining training = new DemoTraining(backend, plan, overrides);
        var data = corpus.continuedDataset();
        List<EvalExample> examples = heldOutExamples();
        List<String> worked = corpus.heldOut().stream().limit(examples.size())
                .map(ColumnArithmeticCorpus.Problem::scratchpad).toList();
        List<DemoResults.Phase> phases = new ArrayList<>();
        Map<Integer, TrainingReport> quietStar = new LinkedHashMap<>();
        for (int n : plan.thoughtLengths()) {
            out.println("== Quiet-STaR, thoughtLength " + n + ", " + plan.quietStarSteps() + " steps");
            out.flush();
            TrainingReport r = training.quietStar(start, data, dir.resolve("quietstar-n" + n), n);
            quietStar.put(n, r);
            phases.add(DemoResults.Phase.of("quiet-star n=" + n, r));
        }
        TrainingReport headline = quietStar.get(plan.thoughtLength());
        out.println("== control: next-token loss, same " + plan.quietStarSteps() + " steps");
        out.flush();
        TrainingReport control = training.control(start, data, dir.resolve("control-steps"), plan.quietStarSteps(),
                "control (equal steps)");
        phases.add(DemoResults.Phase.of("control, equal steps", control));
        double secondsPerControlStep = control.wallSeconds() / Math.max(1, control.steps().size());
        int timeSteps = (int) Math.max(plan.quietStarSteps(), Math.min(40L * plan.quietStarSteps(),
                Math.round(headline.wallSeconds() / Math.max(1e-9, secondsPerControlStep))));
        out.println("== control: next-token loss, equal wall time (" + timeSteps + " steps)");
        out.flush();
        TrainingReport controlTime = training.control(start, data, dir.resolve("control-time"), timeSteps,
                "control (equal time)");
        phases.add(DemoResults.Phase.of("control, equal wall time", controlTime));

        out.println("== thought quality over training (" + Math.min(QUALITY_PROBLEMS, examples.size())
                + " held-out problems per checkpoint)");
        out.flush();
        Path stepZero = dir.resolve("quietstar-n" + plan.thoughtLength()).resolve("step-0");
        DemoTraining.saveWithConfig(start, training.quietStarConfig(plan.thoughtLength()), stepZero);
        int q = Math.min(QUALITY_PROBLEMS, examples.size());
        List<ThoughtQuality.Point> quality = ThoughtQuality.curve(stepZero,
                dir.resolve("quietstar-n" + plan.thoughtLength()), examples.subList(0, q), worked.subList(0, q),
                plan.seed());
        List<DemoResults.LabelledPoint> controlQuality = new ArrayList<>();
        for (var c : List.of(Map.entry("control, equal steps", control), Map.entry("control, equal wall time",
                controlTime))) {
            Path withConfig = dir.resolve(c.getKey().endsWith("steps") ? "control-steps" : "control-time")
                    .resolve("final-with-thought-config");
            DemoTraining.saveWithConfig(c.getValue().finalCheckpoint(),
                    training.quietStarConfig(plan.thoughtLength()), withConfig);
            controlQuality.add(new DemoResults.LabelledPoint(c.getKey(), ThoughtQuality.measure(withConfig,
                    c.getValue().steps().size(), examples.subList(0, q), worked.subList(0, q), plan.seed())));
        }

        DemoEvaluation evaluation = new DemoEvaluation(plan, out);
        List<DemoResults.Row> rows = new ArrayList<>();
        DemoResults.Row baseRow = evaluation.evaluate("base (no further training)", start, examples, worked, false)
                .rows().get(0);
        DemoResults.Row stepsRow = evaluation.evaluate("control, equal steps", control.finalCheckpoint(), examples,
                worked, false).rows().get(0);
        DemoResults.Row timeRow = evaluation.evaluate("control, equal wall time", controlTime.finalCheckpoint(),
                examples, worked, false).rows().get(0);
        rows.addAll(List.of(baseRow, stepsRow, timeRow));
        DemoResults.ThinkingEffect effect = null;
        DemoEvaluation.Evaluated head = null;
        for (Map.Entry<Integer, TrainingReport> e : quietStar.entrySet()) {
            boolean headlineRun = e.getKey() == plan.thoughtLength();
            DemoEvaluation.Evaluated qs = evaluation.evaluate("quiet-star n=" + e.getKey(),
                    e.getValue().finalCheckpoint(), examples, worked, headlineRun);
            rows.addAll(qs.rows());
            if (headlineRun) {
                head = qs;
                effect = DemoResults.ThinkingEffect.of(qs.rows());
            }
        }
        var spans = head.spans();
        DemoResults.Row best = spans.get(SpanEvaluation.Source.SAMPLED).row();
        DemoResults.Row off = head.rows().get(0);
        List<DemoResults.Paired> paired = new ArrayList<>();
        paired.add(DemoResults.Paired.of("think once vs control, equal steps", best, stepsRow));
        paired.add(DemoResults.Paired.of("think once vs control, equal wall time", best, timeRow));
        paired.add(DemoResults.Paired.of("think once vs base", best, baseRow));
        paired.add(DemoResults.Paired.of("think once vs the same model, thinking off", best, off));
        for (SpanEvaluation.Source source : List.of(SpanEvaluation.Source.CONSTANT, SpanEvaluation.Source.SHUFFLED,
                SpanEvaluation.Source.ORACLE, SpanEvaluation.Source.GREEDY)) {
            if (spans.containsKey(source)) {
                paired.add(DemoResults.Paired.of(source.name().toLowerCase(java.util.Locale.ROOT)
                        + " thought vs sampled thought", spans.get(source).row(), best));
            }
        }
        DemoResults.Verdict verdict = DemoResults.Verdict.of(best, stepsRow, timeRow,
                row(spans, SpanEvaluation.Source.CONSTANT), row(spans, SpanEvaluation.Source.SHUFFLED),
                row(spans, SpanEvaluation.Source.ORACLE));
        List<DemoResults.Sample> samples = new ArrayList<>();
        for (int i = 0; i < Math.min(8, examples.size()); i++) {
            samples.add(new DemoResults.Sample(examples.get(i).prompt().replace("\n", " ").strip(), worked.get(i),
                    spans.get(SpanEvaluation.Source.SAMPLED).thoughts().get(i),
                    spans.get(SpanEvaluation.Source.GREEDY).thoughts().get(i), examples.get(i).gold(),
                    best.perExample().get(i).generated()));
        }
        DemoResults results = new DemoResults(plan, dir, phases, rows, effect, paired, verdict, quality, samples,
                controlQuality);
        results.write(dir);
        writeCurves(headline, control, dir.resolve("curves.svg"));
        String qualitySvg = qualityChart(quality);
        writeFile(dir.resolve("quality.svg"), qualitySvg);
        evaluation.writeReport(headline.finalCheckpoint(), examples.get(0), headline.steps(),
                dir.resolve("report.html"), qualitySvg);
        out.println();
        out.println(results.toMarkdown());
        out.println("results: " + dir.resolve("results.md") + ", " + dir.resolve("results.json") + ", "
                + dir.resolve("report.html"));
        out.flush();
    }

    /** Held-out problems whose thoughts are scored at every checkpoint of the headline run. */
    static final int QUALITY_PROBLEMS = 100;

    private static DemoResults.Row row(Map<SpanEvaluation.Source, SpanEvaluation.Result> spans,
            SpanEvaluation.Source source) {
        SpanEvaluation.Result r = spans.get(source);
        return r == null ? null : r.row();
    }

    /** The thought-quality curve as a chart: exact and per-column shares of sampled thoughts over training. */
    static String qualityChart(List<ThoughtQuality.Point> quality) {
        double[] x = quality.stream().mapToDouble(ThoughtQuality.Point::step).toArray();
        var chart = dev.quietstar.core.report.SvgLineChart.builder()
                .title("Thoughts before the answer that are the worked solution (sampled, held-out problems)")
                .xLabel("Quiet-STaR step").yLabel("share").integerX(true).size(720, 320)
                .series("exact", x, quality.stream().mapToDouble(ThoughtQuality.Point::sampledExact).toArray())
                .series("greedy, exact", x, quality.stream().mapToDouble(ThoughtQuality.Point::greedyExact)
                        .toArray());
        int columns = quality.isEmpty() ? 0 : quality.get(0).sampledColumns().length;
        for (int c = 0; c < columns; c++) {
            int col = c;
            chart.series("column " + (c + 1), x, quality.stream().mapToDouble(p -> p.sampledColumns()[col])
                    .toArray());
        }
        return chart.build().toSvg();
    }

    private static void writeFile(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Training curves of the headline Quiet-STaR run beside the equal-steps control, as a standalone SVG. */
    private static void writeCurves(TrainingReport quietStar, TrainingReport control, Path file) {
        double[] x = quietStar.steps().stream().mapToDouble(m -> m.step()).toArray();
        double[] base = quietStar.steps().stream().mapToDouble(m -> m.baseNllPlain()).toArray();
        double[] talk = quietStar.steps().stream().mapToDouble(m -> m.talkNllPlain()).toArray();
        double[] cx = control.steps().stream().mapToDouble(m -> m.step()).toArray();
        double[] cy = control.steps().stream().mapToDouble(m -> m.baseNllPlain()).toArray();
        String svg = dev.quietstar.core.report.SvgLineChart.builder()
                .title("Training NLL per token (plain mean): Quiet-STaR vs the equal-steps control")
                .xLabel("step").yLabel("nats").integerX(true).size(720, 320)
                .series("Quiet-STaR: base pass", x, base).series("Quiet-STaR: after the thought", x, talk)
                .series("control: next-token", cx, cy).build().toSvg();
        try {
            Files.writeString(file, svg);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /**
     * Writes the corpus as files the other commands read: {@code pretrain.txt} and {@code train.txt} (the
     * pretraining and the direct-answer continued-training documents, separated by blank lines, for
     * {@code quietstar train}) and {@code heldout.jsonl} (GSM8K form, for {@code quietstar eval}).
     */
    private void writeData(Path folder) {
        try {
            Files.createDirectories(folder);
            Files.writeString(folder.resolve("pretrain.txt"), String.join("\n\n", corpus.pretrain().stream()
                    .map(String::strip).toList()) + "\n");
            Files.writeString(folder.resolve("train.txt"), String.join("\n\n", corpus.continued().stream()
                    .map(String::strip).toList()) + "\n");
            com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
            StringBuilder lines = new StringBuilder();
            for (EvalExample e : heldOutExamples()) {
                String question = e.prompt().replaceFirst("^Q: ", "").replaceFirst("\nA: (#### )?$", "");
                var node = json.createObjectNode().put("question", question).put("answer", "#### " + e.gold());
                lines.append(json.writeValueAsString(node)).append('\n');
            }
            Files.writeString(folder.resolve("heldout.jsonl"), lines.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the demo data to " + folder, e);
        }
    }

    /** The held-out problems as evaluation examples. */
    List<EvalExample> heldOutExamples() {
        return heldOutExamples(corpus, plan.heldOutProblems());
    }

    /**
     * The first held-out problems of a corpus as evaluation examples: the prompt ends where the answer begins.
     *
     * @param corpus the corpus
     * @param count examples wanted at most
     * @return the examples
     */
    public static List<EvalExample> heldOutExamples(ColumnArithmeticCorpus corpus, int count) {
        return corpus.heldOut().stream().limit(count)
                .map(p -> new EvalExample(p.question(), p.answer(), List.of(), EvalExample.Kind.GSM8K)).toList();
    }
}
