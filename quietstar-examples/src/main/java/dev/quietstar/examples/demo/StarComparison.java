package dev.quietstar.examples.demo;

import dev.quietstar.api.Dataset;
import dev.quietstar.api.ModelSource;
import dev.quietstar.api.TrainingReport;
import dev.quietstar.api.config.PositionsConfig;
import dev.quietstar.api.config.QuietStarConfig;
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
 * {@code demo --star}: plain training, Quiet-STaR (thinking everywhere, and thinking at the answer start only), STaR
 * with visible rationales and STaR-supervised hidden thoughts, from the same start and the same wall-clock budget (the
 * Quiet-STaR run's), on the demo's held-out problems.
 *
 * <p>STaR-supervised hidden thoughts: the demo's start-of-thought token is frozen at the embedding of {@code [}, the
 * character that opens a written worked solution, so a thought at the answer start is computed exactly as the model
 * would continue {@code ...A: [} in text. STaR's filtered fine-tuning (its verified rationales as next-token targets)
 * therefore trains the thought channel itself; the method spends part of the budget on STaR rounds, then
 * Quiet-STaR-trains the result for the rest on the direct answers plus STaR's last kept documents (repeated to about
 * a quarter of the documents), whose next-token loss on the rationale is the thought's supervised loss.
 */
public final class StarComparison {

    /** Share of the budget the first STaR-supervised variant spends on STaR rounds (the test checks it). */
    static final double STAR_SHARE = 0.5;

    /**
     * A STaR-supervised variant: the share of the budget spent on STaR rounds, and the share of the Quiet-STaR
     * phase's documents that are STaR's kept worked documents.
     */
    record Supervision(String label, double starShare, double keptShare) {}

    /** The variants run, in order. */
    static final List<Supervision> SUPERVISIONS = List.of(
            new Supervision("Quiet-STaR, STaR-supervised thoughts (50% STaR, kept 1/4)", STAR_SHARE, 0.25),
            new Supervision("Quiet-STaR, STaR-supervised thoughts (25% STaR, kept 1/10)", 0.25, 0.10));

    /** The thinking marker of the answer-start variant: the thought sits right before the answer. */
    static final String ANSWER_MARKER = "A: ";

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

    /** A trained method with hidden thoughts, evaluated. */
    record Hidden(String method, Cost cost, DemoEvaluation.Evaluated evaluated, ThoughtQuality.Point quality,
            StarReport star) {

        DemoResults.Row sampled() {
            return evaluated.spans().get(SpanEvaluation.Source.SAMPLED).row();
        }

        DemoResults.Row constant() {
            return evaluated.spans().get(SpanEvaluation.Source.CONSTANT).row();
        }
    }

    private void say(String line) {
        out.println(line);
        out.flush();
    }

    /** Trains every method, evaluates them, prints and writes {@code star-comparison.md}. */
    public void run() {
        say("quietstar demo --star (" + plan.name() + "): output folder " + dir);
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
        DemoEvaluation evaluation = new DemoEvaluation(plan, out);
        List<Cost> costs = new ArrayList<>();
        List<Hidden> hidden = new ArrayList<>();

        say("== Quiet-STaR, thoughtLength " + n + ", " + plan.quietStarSteps() + " steps (sets the budget)");
        TrainingReport qs = training.quietStar(start, data, dir.resolve("quietstar"), n);
        double budget = qs.wallSeconds();
        String everywhere = "Quiet-STaR, thinking everywhere";
        hidden.add(hidden(everywhere, trainingCost(everywhere, qs, training), qs, null, evaluation, examples,
                worked));

        say("== Quiet-STaR thinking at the answer start only (positions MARKER \"" + ANSWER_MARKER.strip()
                + " \"), equal wall time");
        QuietStarConfig markerConfig = training.quietStarConfig(n)
                .withPositions(PositionsConfig.marker(ANSWER_MARKER));
        int probeSteps = Math.max(1, plan.quietStarSteps() / 5);
        TrainingReport markerProbe = training.quietStar(start, data, dir.resolve("quietstar-answer-speed"),
                markerConfig.withTraining(markerConfig.training().withSteps(probeSteps).withCheckpointEvery(0)),
                "speed of thinking at the answer start");
        int markerSteps = stepsFor(budget, markerProbe, 40L * plan.quietStarSteps());
        TrainingReport marker = training.quietStar(start, data, dir.resolve("quietstar-answer"),
                markerConfig.withTraining(markerConfig.training().withSteps(markerSteps)
                        .withCheckpointEvery(markerSteps)), "quiet-star at the answer start");
        String markerLabel = "Quiet-STaR, thinking at the answer start";
        hidden.add(hidden(markerLabel, trainingCost(markerLabel, marker, training), marker, null, evaluation,
                examples, worked));

        say("== control: next-token loss, equal wall time");
        TrainingReport probe = training.control(start, data, dir.resolve("control-speed"), plan.quietStarSteps(),
                "control (speed)");
        int controlSteps = stepsFor(budget, probe, 40L * plan.quietStarSteps());
        TrainingReport control = training.control(start, data, dir.resolve("control-time"), controlSteps,
                "control (equal time)");
        costs.add(trainingCost("plain control", control, training));

        StarFormat format = StarFormats.bracketed(24);
        boolean quick = plan.name().equals("quick");
        int trainQuestions = Math.min(quick ? 48 : 400, corpus.continuedProblems().size());
        var starProblems = StarCommand.toStar(corpus.continuedProblems().subList(0, trainQuestions));
        var heldOutProblems = StarCommand.toStar(corpus.heldOut().subList(0, examples.size()));
        StarConfig starConfig = new StarConfig(50, quick ? 2 : 40, 1.2, true, dev.quietstar.api.Sampling.greedy(),
                StarCommand.arithmeticRecipe(), 64, budget);

        say("== STaR, visible rationales, within the budget (" + Math.round(budget) + " s)");
        StarReport visible = new StarTrainer(backend, new ModelSource.Checkpoint(start), starConfig, format,
                AnswerChecker.exactMatch(), dir.resolve("star-visible")).run(starProblems, heldOutProblems);
        costs.add(starCost("STaR, visible rationales", visible));

        for (int v = 0; v < SUPERVISIONS.size(); v++) {
            Supervision sv = SUPERVISIONS.get(v);
            String tag = v == 0 ? "" : "-" + (v + 1);
            say("== " + sv.label() + ": STaR for " + Math.round(100 * sv.starShare()) + "% of the budget, then "
                    + "Quiet-STaR");
            StarReport supervising = new StarTrainer(backend, new ModelSource.Checkpoint(start),
                    starConfig.withBudgetSeconds(budget * sv.starShare()), format, AnswerChecker.exactMatch(),
                    dir.resolve("star-supervising" + tag)).run(starProblems, heldOutProblems);
            Path supervisedStart = dir.resolve("star-supervised-start" + tag);
            DemoTraining.prepareStart(supervising.finalCheckpoint(), supervisedStart);
            // STaR's kept worked documents, repeated to the variant's share of the documents, next to the direct
            // answers: their next-token loss on the rationale is the thought's supervised loss.
            List<String> mixed = new ArrayList<>(corpus.continued());
            int copies = (int) Math.max(1, Math.round(sv.keptShare() / (1 - sv.keptShare())
                    * corpus.continued().size() / supervising.keptDocuments().size()));
            for (int c = 0; c < copies; c++) {
                mixed.addAll(supervising.keptDocuments());
            }
            double left = Math.max(0, budget - supervising.costSeconds());
            int qsSteps = (int) Math.max(1, Math.round(plan.quietStarSteps() * left / budget));
            TrainingReport supervised = training.quietStar(supervisedStart, TextDatasets.fromStrings(
                    "direct answers + " + copies + " x " + supervising.keptDocuments().size()
                            + " STaR-kept worked documents", mixed),
                    dir.resolve("star-supervised" + tag), n, qsSteps, "quiet-star, " + sv.label());
            Cost qsCost = trainingCost(sv.label(), supervised, training);
            Cost starPart = starCost(sv.label(), supervising);
            hidden.add(hidden(sv.label(), new Cost(sv.label(), qsCost.seconds() + starPart.seconds(),
                    qsCost.tokens() + starPart.tokens(), starPart.detail() + " + " + qsCost.detail()), supervised,
                    supervising, evaluation, examples, worked));
        }

        DemoResults.Row baseRow = evaluation.evaluate("base (no further training)", start, examples, worked, false)
                .rows().get(0);
        DemoResults.Row controlRow = evaluation.evaluate("plain control, equal wall time",
                control.finalCheckpoint(), examples, worked, false).rows().get(0);
        List<EvalExample> afterRationale = afterOwnRationale(examples, visible.heldOutCompletions(), format);
        DemoResults.Row visibleRow = evaluation.evaluate("STaR, visible rationales", visible.finalCheckpoint(),
                afterRationale, worked, false).rows().get(0);

        List<DemoResults.Row> rows = new ArrayList<>(List.of(baseRow, controlRow, visibleRow));
        List<DemoResults.Paired> paired = new ArrayList<>();
        paired.add(DemoResults.Paired.of("STaR, visible rationale vs plain control", visibleRow, controlRow));
        for (Hidden h : hidden) {
            costs.add(h.cost());
            rows.addAll(h.evaluated().rows());
            paired.add(DemoResults.Paired.of(h.method() + " (think once) vs plain control", h.sampled(),
                    controlRow));
            paired.add(DemoResults.Paired.of(h.method() + ": constant thought vs sampled", h.constant(),
                    h.sampled()));
        }
        String md = StarComparisonReport.markdown(plan, budget, costs, rows, paired, visible, hidden, controlRow);
        try {
            Files.writeString(dir.resolve("star-comparison.md"), md);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve("star-comparison.md"), e);
        }
        say("");
        say(md);
        say("results: " + dir.resolve("star-comparison.md"));
    }

    private Hidden hidden(String method, Cost cost, TrainingReport trained, StarReport star,
            DemoEvaluation evaluation, List<EvalExample> examples, List<String> worked) {
        // the evaluation treats a label that starts with "quiet-star" as a model that thinks
        String label = "quiet-star" + method.substring("Quiet-STaR".length());
        DemoEvaluation.Evaluated evaluated = evaluation.evaluate(label, trained.finalCheckpoint(), examples, worked,
                false);
        return new Hidden(method, cost, evaluated, quality(trained.finalCheckpoint(), trained.steps().size(),
                examples, worked), star);
    }

    /** Steps that fill the budget at the speed a probe run showed. */
    private static int stepsFor(double budget, TrainingReport probe, long cap) {
        double perStep = probe.wallSeconds() / Math.max(1, probe.steps().size());
        return (int) Math.max(1, Math.min(cap, Math.round(budget / Math.max(1e-9, perStep))));
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

    private static Cost starCost(String method, StarReport r) {
        long tokens = 0;
        int steps = 0;
        for (StarRound round : r.rounds()) {
            tokens += round.generatedTokens() + round.trainedTokens();
            steps += round.steps();
        }
        return new Cost(method, r.costSeconds(), tokens, (r.rounds().size() - 1) + " STaR rounds ("
                + steps + " fine-tuning steps)");
    }
}
