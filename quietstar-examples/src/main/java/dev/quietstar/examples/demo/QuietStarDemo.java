package dev.quietstar.examples.demo;

import dev.quietstar.api.TrainingReport;
import dev.quietstar.api.spi.QuietStarBackend;
import dev.quietstar.core.data.ArithmeticCorpus;
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

    private final QuietStarBackend backend;
    private final DemoPlan plan;
    private final Path dir;
    private final boolean fromScratch;
    private final PrintWriter out;
    private final ArithmeticCorpus corpus;
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
        this.corpus = ArithmeticCorpus.builder().optSeed(plan.seed()).optTrainDocuments(plan.trainDocuments())
                .optHeldOutProblems(4 * plan.heldOutProblems()).build();
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
        TrainingReport report = training.pretrain(corpus.trainDataset(), dir.resolve("pretrain"));
        Path base = dir.resolve("base");
        copyWeights(report.finalCheckpoint(), base);
        out.printf("pretrained %d steps in %.0f s; final next-token loss %.3f%n", report.steps().size(),
                report.wallSeconds(), report.steps().get(report.steps().size() - 1).baseNllPlain());
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
        var data = corpus.trainDataset();
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
        int timeSteps = (int) Math.max(plan.quietStarSteps(), Math.min(20L * plan.quietStarSteps(),
                Math.round(headline.wallSeconds() / Math.max(1e-9, secondsPerControlStep))));
        out.println("== control: next-token loss, equal wall time (" + timeSteps + " steps)");
        out.flush();
        TrainingReport controlTime = training.control(start, data, dir.resolve("control-time"), timeSteps,
                "control (equal time)");
        phases.add(DemoResults.Phase.of("control, equal wall time", controlTime));

        List<EvalExample> examples = heldOutExamples();
        DemoEvaluation evaluation = new DemoEvaluation(plan, out);
        List<DemoResults.Row> rows = new ArrayList<>();
        rows.addAll(evaluation.evaluate("base (no further training)", start, examples, false));
        rows.addAll(evaluation.evaluate("control, equal steps", control.finalCheckpoint(), examples, false));
        rows.addAll(evaluation.evaluate("control, equal wall time", controlTime.finalCheckpoint(), examples, false));
        DemoResults.ThinkingEffect effect = null;
        for (Map.Entry<Integer, TrainingReport> e : quietStar.entrySet()) {
            boolean headlineRun = e.getKey() == plan.thoughtLength();
            List<DemoResults.Row> qs = evaluation.evaluate("quiet-star n=" + e.getKey(),
                    e.getValue().finalCheckpoint(), examples, headlineRun);
            rows.addAll(qs);
            if (headlineRun) {
                effect = DemoResults.ThinkingEffect.of(qs);
            }
        }
        DemoResults results = new DemoResults(plan, dir, phases, rows, effect);
        results.write(dir);
        writeCurves(headline, control, dir.resolve("curves.svg"));
        evaluation.writeReport(headline.finalCheckpoint(), examples.get(0), headline.steps(),
                dir.resolve("report.html"));
        out.println();
        out.println(results.toMarkdown());
        out.println("results: " + dir.resolve("results.md") + ", " + dir.resolve("results.json") + ", "
                + dir.resolve("report.html"));
        out.flush();
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
     * Writes the corpus as files the other commands read: {@code train.txt} (documents separated by blank lines,
     * for {@code quietstar train}) and {@code heldout.jsonl} (GSM8K form, for {@code quietstar eval}).
     */
    private void writeData(Path folder) {
        try {
            Files.createDirectories(folder);
            Files.writeString(folder.resolve("train.txt"), String.join("\n\n", corpus.train().stream()
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

    /**
     * The held-out sums and products as evaluation examples: the prompt ends where the answer digits begin. Word
     * problems are left out: they are longer than the training window, so the model never saw their positions.
     */
    List<EvalExample> heldOutExamples() {
        return heldOutExamples(corpus, plan.heldOutProblems());
    }

    /**
     * The first held-out sums and products of a corpus as evaluation examples, as the demo evaluates them.
     *
     * @param corpus the corpus
     * @param count examples wanted at most
     * @return the examples
     */
    public static List<EvalExample> heldOutExamples(ArithmeticCorpus corpus, int count) {
        List<EvalExample> list = new ArrayList<>();
        for (ArithmeticCorpus.Problem p : corpus.heldOut()) {
            if (list.size() == count) {
                break;
            }
            if (!p.kind().equals(ArithmeticCorpus.ADDITION) && !p.kind().equals(ArithmeticCorpus.MULTIPLICATION)) {
                continue;
            }
            String answer = p.answer();
            String prompt = p.question();
            if (answer.startsWith("#### ")) {
                prompt = prompt + "#### ";
                answer = answer.substring(5);
            }
            list.add(new EvalExample(prompt, answer, List.of(), EvalExample.Kind.GSM8K));
        }
        return list;
    }
}
