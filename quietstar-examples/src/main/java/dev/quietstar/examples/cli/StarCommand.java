package dev.quietstar.examples.cli;

import dev.quietstar.api.ModelSource;
import dev.quietstar.api.Sampling;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.api.config.TrainingConfig;
import dev.quietstar.api.spi.Capability;
import dev.quietstar.api.spi.QuietStarBackend;
import dev.quietstar.core.backend.Backends;
import dev.quietstar.core.config.ConfigLoader;
import dev.quietstar.core.star.AnswerChecker;
import dev.quietstar.core.star.StarConfig;
import dev.quietstar.core.star.StarFormat;
import dev.quietstar.core.star.StarFormats;
import dev.quietstar.core.star.StarListener;
import dev.quietstar.core.star.StarProblem;
import dev.quietstar.core.star.StarProblems;
import dev.quietstar.core.star.StarReport;
import dev.quietstar.core.star.StarRound;
import dev.quietstar.core.star.StarTrainer;
import dev.quietstar.core.train.TrainingRuns;
import dev.quietstar.examples.data.ColumnArithmeticCorpus;
import dev.quietstar.examples.demo.DemoTraining;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Runs STaR (rationale, answer check, rationalization, fine-tuning from the original model, growing steps) through the
 * backend SPI, on the built-in column arithmetic or on GSM8K-style JSONL.
 */
@Command(name = "star", mixinStandardHelpOptions = true,
        description = "Bootstrap visible rationales with STaR: generate, keep the right ones, rationalize the wrong "
                + "ones with a hint, fine-tune the original model on what was kept; repeat.")
public final class StarCommand implements Callable<Integer> {

    /** Corpus seed of the built-in task (the demo's). */
    static final long CORPUS_SEED = 11;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--data", paramLabel = "FILE",
            description = "Training questions, GSM8K-style JSONL ({\"question\", \"answer\": \"...#### n\"}). "
                    + "Without it: the built-in column arithmetic and the demo's shipped base model.")
    Path data;

    @Option(names = "--held-out", paramLabel = "FILE", description = "Held-out questions, same format as --data.")
    Path heldOut;

    @Option(names = "--model", paramLabel = "CHECKPOINT",
            description = "The original model (a checkpoint folder). Required with --data.")
    Path model;

    @Option(names = "--rounds", defaultValue = "4", description = "Outer-loop rounds (default ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--first-steps", defaultValue = "40",
            description = "Fine-tuning steps of round 1 (default ${DEFAULT-VALUE}, the paper's).")
    int firstSteps;

    @Option(names = "--growth", defaultValue = "1.2",
            description = "Each round fine-tunes this many times longer (default ${DEFAULT-VALUE}, the paper's).")
    double growth;

    @Option(names = "--no-rationalize", description = "Skip the second try with the answer as a hint.")
    boolean noRationalize;

    @Option(names = "--temperature", defaultValue = "0",
            description = "Sampling temperature of training rationales; 0 (default) is greedy, as in the paper.")
    double temperature;

    @Option(names = "--train-questions", defaultValue = "400",
            description = "Built-in task: training questions per round (default ${DEFAULT-VALUE}).")
    int trainQuestions;

    @Option(names = "--held-out-questions", defaultValue = "200",
            description = "Built-in task: held-out questions (default ${DEFAULT-VALUE}, the demo's).")
    int heldOutQuestions;

    @Option(names = "--max-new-tokens", paramLabel = "N",
            description = "Longest continuation (default 24 for the built-in task, 256 for GSM8K).")
    Integer maxNewTokens;

    @Option(names = "--set", paramLabel = "FIELD=VALUE",
            description = "Override a field of the fine-tuning recipe, e.g. optimizer.learningRate=5e-4 (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--output", paramLabel = "DIR", description = "Output folder (default quietstar-star-<time>).")
    Path output;

    /** Creates the command; picocli calls this. */
    public StarCommand() {}

    /**
     * The built-in task's fine-tuning recipe: the small-model preset, 32-token windows (the longest worked document
     * is 31 bytes), 16 documents per step, learning rate 1e-3 after 5 warm-up steps.
     *
     * @return the recipe
     */
    public static QuietStarConfig arithmeticRecipe() {
        QuietStarConfig s = QuietStarConfig.smallModel();
        return s.withShape(s.thoughtLength(), s.lookahead(), s.thoughtsPerPosition(), 32)
                .withOptimizer(s.optimizer().withLearningRate(1e-3).withWarmupSteps(5))
                .withTraining(TrainingConfig.official().withBatch(16, 16).withSeed(CORPUS_SEED));
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        if (data == null && (heldOut != null || model != null)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--held-out and --model go with --data; without --data the built-in task and model are used");
        }
        if (data != null && (heldOut == null || model == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--data needs --held-out and --model");
        }
        Path dir = output != null ? output
                : Path.of("quietstar-star-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern(
                        "yyyyMMdd-HHmmss")));
        List<StarProblem> train;
        List<StarProblem> held;
        StarFormat format;
        QuietStarConfig recipe;
        Path base;
        if (data == null) {
            DemoTraining.useOneEngineThread();
            ColumnArithmeticCorpus corpus = ColumnArithmeticCorpus.builder().optSeed(CORPUS_SEED)
                    .optPretrainDocuments(100_000).optContinuedDocuments(Math.max(trainQuestions, 1))
                    .optHeldOutProblems(heldOutQuestions).build();
            train = toStar(corpus.continuedProblems().subList(0, trainQuestions));
            held = toStar(corpus.heldOut());
            format = StarFormats.bracketed(maxNewTokens == null ? 24 : maxNewTokens);
            recipe = ConfigLoader.override(arithmeticRecipe(), overrides);
            if (Files.exists(dir) && Files.list(dir).findAny().isPresent()) {
                throw new IllegalArgumentException("the STaR output folder " + dir + " already holds files; choose "
                        + "a new folder (nothing in it was changed)");
            }
            base = dir.resolve("base");
            DemoTraining.extractShippedBase(base);
            dir = dir.resolve("star");
        } else {
            train = StarProblems.gsm8k(data);
            held = StarProblems.gsm8k(heldOut);
            format = StarFormats.gsm8k(maxNewTokens == null ? 256 : maxNewTokens);
            recipe = TrainingRuns.resolveConfig(null, null, overrides, model);
            base = model;
        }
        StarConfig config = new StarConfig(rounds, firstSteps, growth, !noRationalize,
                temperature == 0 ? Sampling.greedy() : Sampling.categorical(temperature, CORPUS_SEED), recipe, 64, 0);
        QuietStarBackend backend = Backends.discover().select(Capability.TRAIN, Capability.INFER).create();
        out.printf(Locale.ROOT, "STaR on %d training and %d held-out questions (%s), %d rounds, backend %s%n",
                train.size(), held.size(), format, rounds, backend.name());
        out.flush();
        StarReport report = new StarTrainer(backend, new ModelSource.Checkpoint(base), config, format,
                AnswerChecker.exactMatch(), dir).addListener(new StarListener() {
                    @Override
                    public void onPhase(int round, String phase) {
                        out.printf(Locale.ROOT, "round %d: %s%n", round, phase);
                        out.flush();
                    }

                    @Override
                    public void onRound(StarRound r) {
                        out.println(row(r));
                        out.flush();
                    }
                }).run(train, held);
        String table = table(report);
        Files.writeString(dir.resolve("rounds.md"), table);
        out.println();
        out.print(table);
        out.println("final checkpoint: " + report.finalCheckpoint());
        out.println("records: " + dir.resolve("rounds.jsonl"));
        out.flush();
        return 0;
    }

    /**
     * Column-arithmetic problems as STaR problems, the worked solution as the reference rationale.
     *
     * @param problems the problems
     * @return the STaR problems, in order
     */
    public static List<StarProblem> toStar(List<ColumnArithmeticCorpus.Problem> problems) {
        List<StarProblem> list = new ArrayList<>(problems.size());
        for (ColumnArithmeticCorpus.Problem p : problems) {
            list.add(new StarProblem(p.question(), p.answer(), p.scratchpad()));
        }
        return list;
    }

    /**
     * The rounds as a Markdown table.
     *
     * @param report the run's report
     * @return the table
     */
    public static String table(StarReport report) {
        StringBuilder sb = new StringBuilder();
        sb.append("| round | steps | right unaided | rationalized | kept | kept rationales exact "
                + "| held-out exact match | held-out rationales exact | generation s | fine-tuning s |\n");
        sb.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (StarRound r : report.rounds()) {
            sb.append(row(r)).append('\n');
        }
        return sb.toString();
    }

    static String row(StarRound r) {
        return String.format(Locale.ROOT, "| %d | %d | %s | %s | %s | %s | %.3f | %s | %.1f | %.1f |", r.round(),
                r.steps(), r.round() == 0 ? "-" : r.correct() + "/" + r.attempted(),
                r.round() == 0 ? "-" : Integer.toString(r.rationalized()),
                r.round() == 0 ? "-" : Integer.toString(r.kept()), share(r.keptExact()), r.heldOutAccuracy(),
                share(r.heldOutRationaleExact()), r.generationSeconds(), r.trainingSeconds());
    }

    private static String share(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.3f", v);
    }
}
