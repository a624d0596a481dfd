package dev.quietstar.examples.demo;

import dev.quietstar.api.Dataset;
import dev.quietstar.api.ModelSource;
import dev.quietstar.api.TrainingReport;
import dev.quietstar.api.spi.QuietStarBackend;
import dev.quietstar.core.data.TextDatasets;
import dev.quietstar.core.eval.EvalExample;
import dev.quietstar.core.star.AnswerChecker;
import dev.quietstar.core.star.StarCompletion;
import dev.quietstar.core.star.StarConfig;
import dev.quietstar.core.star.StarFormat;
import dev.quietstar.core.star.StarFormats;
import dev.quietstar.core.star.StarReport;
import dev.quietstar.core.star.StarRound;
import dev.quietstar.core.star.StarTrainer;
import dev.quietstar.examples.cli.StarCommand;
import dev.quietstar.examples.data.ColumnArithmeticCorpus;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code demo --star}: plain training, Quiet-STaR, STaR with visible rationales and STaR-supervised hidden thoughts,
 * from the same start and the same wall-clock budget (the Quiet-STaR run's), on the demo's held-out problems.
 *
 * <p>STaR-supervised hidden thoughts: the demo's start-of-thought token is frozen at the embedding of {@code [}, the
 * character that opens a written worked solution, so a thought at the answer start is computed exactly as the model
 * would continue {@code ...A: [} in text. STaR's filtered fine-tuning (its verified rationales as next-token targets)
 * therefore trains the thought channel itself; the method spends part of the budget on STaR rounds, then
 * Quiet-STaR-trains the result for the rest on the direct answers plus STaR's last kept documents (repeated to about
 * a quarter of the documents), whose next-token loss on the rationale is the thought's supervised loss.
 */
public final class StarComparison {

    /** Share of the budget the STaR-supervised method spends on STaR rounds. */
    static final double STAR_SHARE = 0.5;

    private final QuietStarBackend backend;
    private final DemoPlan plan;
    private final Path dir;
    private final PrintWriter out;
    private final List<String> overrides;
    private final ColumnArithmeticCorpus corpus;

    /**
     * Creates the comparison.
     *
     * @param backend a backend with TRAIN and INFER
     * @param plan the sizes (the Quiet-STaR run's steps set the budget)
     * @param dir the output folder
     * @param out where progress and results are printed
     * @param overrides {@code field=value} overrides of the Quiet-STaR recipe
     */
    public StarComparison(QuietStarBackend backend, DemoPlan plan, Path dir, PrintWriter out,
            List<String> overrides) {
        this.backend = backend;
        this.plan = plan;
        this.dir = dir;
        this.out = out;
        this.overrides = List.copyOf(overrides);
        this.corpus = QuietStarDemo.corpus(plan);
    }

    /** One method's cost. */
    record Cost(String method, double seconds, long tokens, String detail) {}

    /** Trains every method, evaluates them, prints and writes {@code star-comparison.md}. */
    public void run() {
        out.println("quietstar demo --star (" + plan.name() + "): output folder " + dir);
        out.flush();
        Path base = dir.resolve("base");
        DemoTraining.extractShippedBase(base);
        Path start = dir.resolve("start");
        DemoTraining.prepareStart(base, start);
        DemoTraining training = new DemoTraining(backend, plan, overrides);
        Dataset data = corpus.continuedDataset();
        List<EvalExample> examples = QuietStarDemo.heldOutExamples(corpus, plan.heldOutProblems());
        List<String> worked = corpus.heldOut().stream().limit(examples.size())
                .map(ColumnArithmeticCorpus.Problem::scratchpad).toList();
        int n = plan.thoughtLength();
        List<Cost> costs = new ArrayList<>();

        out.println("== Quiet-STaR, thoughtLength " + n + ", " + plan.quietStarSteps() + " steps (sets the budget)");
        out.flush();
        TrainingReport qs = training.quietStar(start, data, dir.resolve("quietstar"), n);
        double budget = qs.wallSeconds();
        costs.add(trainingCost("Quiet-STaR", qs, training));

        out.println("== control: next-token loss, equal wall time");
        out.flush();
        TrainingReport probe = training.control(start, data, dir.resolve("control-speed"), plan.quietStarSteps(),
                "control (speed)");
        double perStep = probe.wallSeconds() / Math.max(1, probe.steps().size());
        int controlSteps = (int) Math.max(1, Math.min(40L * plan.quietStarSteps(), Math.round(budget / perStep)));
        TrainingReport control = training.control(start, data, dir.resolve("control-time"), controlSteps,
                "control (equal time)");
        costs.add(trainingCost("plain control", control, training));

        StarFormat format = StarFormats.bracketed(24);
        boolean quick = plan.name().equals("quick");
        int trainQuestions = Math.min(quick ? 48 : 400, corpus.continuedProblems().size());
        var starProblems = StarCommand.toStar(corpus.continuedProblems().subList(0, trainQuestions));
        var heldOutProblems = StarCommand.toStar(corpus.heldOut().subList(0, examples.size()));
        int firstSteps = quick ? 2 : 40;
        StarConfig starConfig = new StarConfig(50, firstSteps, 1.2, true, dev.quietstar.api.Sampling.greedy(),
                StarCommand.arithmeticRecipe(), 64, budget);

        out.println("== STaR, visible rationales, within the budget (" + Math.round(budget) + " s)");
        out.flush();
        StarReport visible = new StarTrainer(backend, new ModelSource.Checkpoint(start), starConfig, format,
                AnswerChecker.exactMatch(), dir.resolve("star-visible")).run(starProblems, heldOutProblems);
        costs.add(starCost("STaR, visible rationales", visible, 0));

        out.println("== STaR-supervised hidden thoughts: STaR for " + Math.round(100 * STAR_SHARE)
                + "% of the budget, then Quiet-STaR");
        out.flush();
        StarReport supervising = new StarTrainer(backend, new ModelSource.Checkpoint(start),
                starConfig.withBudgetSeconds(budget * STAR_SHARE), format, AnswerChecker.exactMatch(),
                dir.resolve("star-supervising")).run(starProblems, heldOutProblems);
        Path supervisedStart = dir.resolve("star-supervised-start");
        DemoTraining.prepareStart(supervising.finalCheckpoint(), supervisedStart);
        // The kept worked documents make up about a quarter of the training documents (each repeated), so that the
        // rationale channel keeps its supervision next to the direct answers.
        List<String> mixed = new ArrayList<>(corpus.continued());
        int copies = (int) Math.max(1, Math.round(corpus.continued().size()
                / (3.0 * supervising.keptDocuments().size())));
        for (int c = 0; c < copies; c++) {
            mixed.addAll(supervising.keptDocuments());
        }
        double left = Math.max(0, budget - supervising.costSeconds());
        int qsSteps = (int) Math.max(1, Math.round(plan.quietStarSteps() * left / budget));
        TrainingReport supervised = training.quietStar(supervisedStart, TextDatasets.fromStrings(
                "direct answers + " + copies + " x " + supervising.keptDocuments().size()
                        + " STaR-kept worked documents", mixed),
                dir.resolve("star-supervised"), n, qsSteps, "quiet-star, STaR-supervised");
        Cost sup = trainingCost("STaR-supervised hidden thoughts", supervised, training);
        Cost supStar = starCost("", supervising, 0);
        costs.add(new Cost(sup.method(), sup.seconds() + supStar.seconds(), sup.tokens() + supStar.tokens(),
                supStar.detail() + " + " + sup.detail()));

        DemoEvaluation evaluation = new DemoEvaluation(plan, out);
        DemoResults.Row baseRow = evaluation.evaluate("base (no further training)", start, examples, worked, false)
                .rows().get(0);
        DemoResults.Row controlRow = evaluation.evaluate("plain control, equal wall time",
                control.finalCheckpoint(), examples, worked, false).rows().get(0);
        DemoEvaluation.Evaluated qsEval = evaluation.evaluate("quiet-star", qs.finalCheckpoint(), examples, worked,
                false);
        DemoEvaluation.Evaluated supEval = evaluation.evaluate("quiet-star, STaR-supervised",
                supervised.finalCheckpoint(), examples, worked, false);
        List<EvalExample> afterRationale = afterOwnRationale(examples, visible.heldOutCompletions(), format);
        DemoResults.Row visibleRow = evaluation.evaluate("STaR, visible rationales", visible.finalCheckpoint(),
                afterRationale, worked, false).rows().get(0);

        DemoResults.Row qsRow = qsEval.spans().get(SpanEvaluation.Source.SAMPLED).row();
        DemoResults.Row qsConst = qsEval.spans().get(SpanEvaluation.Source.CONSTANT).row();
        DemoResults.Row supRow = supEval.spans().get(SpanEvaluation.Source.SAMPLED).row();
        DemoResults.Row supConst = supEval.spans().get(SpanEvaluation.Source.CONSTANT).row();
        List<DemoResults.Row> rows = List.of(baseRow, controlRow, qsEval.rows().get(0), qsRow, qsConst, visibleRow,
                supEval.rows().get(0), supRow, supConst);
        List<DemoResults.Paired> paired = List.of(
                DemoResults.Paired.of("Quiet-STaR (think once) vs plain control", qsRow, controlRow),
                DemoResults.Paired.of("STaR, visible rationale vs plain control", visibleRow, controlRow),
                DemoResults.Paired.of("STaR-supervised thoughts (think once) vs plain control", supRow, controlRow),
                DemoResults.Paired.of("Quiet-STaR: constant thought vs sampled", qsConst, qsRow),
                DemoResults.Paired.of("STaR-supervised: constant thought vs sampled", supConst, supRow));

        ThoughtQuality.Point qsQuality = quality(qs.finalCheckpoint(), qs.steps().size(), examples, worked);
        ThoughtQuality.Point supQuality = quality(supervised.finalCheckpoint(), supervised.steps().size(), examples,
                worked);
        String md = StarComparisonReport.markdown(plan, budget, costs, rows, paired, visible, supervising,
                qsQuality, supQuality, qsRow, qsConst, supRow, supConst, controlRow);
        try {
            Files.writeString(dir.resolve("star-comparison.md"), md);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve("star-comparison.md"), e);
        }
        out.println();
        out.println(md);
        out.println("results: " + dir.resolve("star-comparison.md"));
        out.flush();
    }

    private ThoughtQuality.Point quality(Path checkpoint, int step, List<EvalExample> examples, List<String> worked) {
        int q = Math.min(QuietStarDemo.QUALITY_PROBLEMS, examples.size());
        return ThoughtQuality.measure(checkpoint, step, examples.subList(0, q), worked.subList(0, q), plan.seed());
    }

    /**
     * The held-out prompts extended by the rationale the model wrote, so the answer is scored after it (a direct
     * answer leaves the prompt as it was).
     */
    static List<EvalExample> afterOwnRationale(List<EvalExample> examples, List<String> completions,
            StarFormat format) {
        List<EvalExample> list = new ArrayList<>(examples.size());
        for (int i = 0; i < examples.size(); i++) {
            EvalExample e = examples.get(i);
            Optional<StarCompletion> c = format.parse(completions.get(i));
            String prompt = c.isPresent() && !c.get().rationale().isEmpty()
                    ? e.prompt() + "[" + c.get().rationale() + "]" : e.prompt();
            list.add(new EvalExample(prompt, e.gold(), e.choices(), e.kind()));
        }
        return list;
    }

    private Cost trainingCost(String method, TrainingReport r, DemoTraining training) {
        var c = training.quietStarConfig(plan.thoughtLength());
        long tokens = (long) r.steps().size() * c.training().examplesPerStep() * c.sequenceLength();
        return new Cost(method, r.wallSeconds(), tokens, r.steps().size() + " training steps");
    }

    private static Cost starCost(String method, StarReport r, double extra) {
        long tokens = 0;
        int steps = 0;
        for (StarRound round : r.rounds()) {
            tokens += round.generatedTokens() + round.trainedTokens();
            steps += round.steps();
        }
        return new Cost(method, r.costSeconds() + extra, tokens, (r.rounds().size() - 1) + " STaR rounds ("
                + steps + " fine-tuning steps)");
    }
}
