package dev.quietstar.spark;

import dev.quietstar.api.config.ThoughtSampling;
import dev.quietstar.core.eval.AnswerEvaluator;
import dev.quietstar.core.eval.EvalSetting;
import dev.quietstar.core.eval.EvalSummary;
import dev.quietstar.core.infer.ThinkingPolicies;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The {@code spark-submit} entry point of the {@code quietstar-spark} job jar: {@code eval}, {@code generate} and
 * {@code score} over a file on any Hadoop file system, with the options of the {@code quietstar} commands of the same
 * names, writing Parquet or JSON Lines.
 *
 * <pre>
 * spark-submit --master yarn --class dev.quietstar.spark.SparkJob quietstar-spark-job.jar \
 *     eval --model hdfs:///models/gsm8k-onnx --input hdfs:///data/gsm8k-test.jsonl --output hdfs:///out/eval
 * </pre>
 */
@Command(name = "quietstar-spark", mixinStandardHelpOptions = true, subcommands = {SparkJob.Eval.class,
    SparkJob.Generate.class, SparkJob.Score.class},
        description = "Quiet-STaR evaluation, generation and scoring on Apache Spark (docs/scale-out.md).")
public final class SparkJob implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Creates the command; picocli calls this. */
    public SparkJob() {}

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 2;
    }

    /**
     * Runs the job and exits with its status.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /**
     * Runs the job in this JVM, on the active Spark session or a new one.
     *
     * @param args the command line
     * @return the exit status: 0 on success, 1 for an error (printed without a stack trace when it names bad input),
     *     2 for a usage error
     */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /**
     * The command line with the job's error handling: errors print as one line, {@code -Dquietstar.stacktrace=true}
     * adds the stack trace.
     *
     * @return the command line
     */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new SparkJob());
        cl.setExecutionExceptionHandler((ex, line, parseResult) -> {
            Throwable root = ex;
            while (root.getCause() != null && !(root instanceof IllegalArgumentException)) {
                root = root.getCause();
            }
            line.getErr().println("error: " + (root instanceof IllegalArgumentException ? root.getMessage()
                    : ex.getClass().getSimpleName() + ": " + ex.getMessage()));
            if (Boolean.getBoolean("quietstar.stacktrace")) {
                ex.printStackTrace(line.getErr());
            }
            return 1;
        });
        return cl;
    }

    /** The options every job takes: model, backend, input, output and partitions. */
    static final class Common {
        @Option(names = "--model", required = true, paramLabel = "URI",
                description = "Checkpoint or ONNX export folder: a path every executor reads, a Hadoop URI "
                        + "(hdfs://, s3a://, ...), or a local folder shipped with --ship-model.")
        String model;

        @Option(names = "--ship-model", description = "Ship the local --model folder with the job (addFile) "
                + "instead of reading it from a shared path.")
        boolean shipModel;

        @Option(names = "--backend", defaultValue = QuietStarSpark.DEFAULT_BACKEND, paramLabel = "NAME",
                description = "Backend on the executors (default: ${DEFAULT-VALUE}; djl-pytorch needs its jar and "
                        + "natives there).")
        String backend;

        @Option(names = "--device", defaultValue = "cpu", paramLabel = "DEVICE",
                description = "cpu (default), gpu or gpu:N on every executor.")
        String device;

        @Option(names = "--input", required = true, paramLabel = "URI",
                description = "Input file or folder: JSON Lines (default), Parquet (*.parquet or --input-format) or "
                        + "text (one prompt per line, column 'value').")
        String input;

        @Option(names = "--input-format", paramLabel = "FORMAT",
                description = "json, parquet or text (default: from the file name, else json).")
        String inputFormat;

        @Option(names = "--output", required = true, paramLabel = "URI", description = "Output folder.")
        String output;

        @Option(names = "--format", defaultValue = "parquet", paramLabel = "FORMAT",
                description = "parquet (default) or jsonl.")
        String format;

        @Option(names = "--replace", description = "Replace an existing --output folder; without it an existing "
                + "folder is refused.")
        boolean replace;

        @Option(names = "--partitions", defaultValue = "0", paramLabel = "N",
                description = "Partitions to spread the work over (default: the input's).")
        int partitions;

        @Option(names = "--master", paramLabel = "URL",
                description = "Spark master when not run by spark-submit, e.g. local[2].")
        String master;

        SparkSession session() {
            SparkSession.Builder b = SparkSession.builder().appName("quietstar-spark");
            if (master != null) {
                b.master(master);
            }
            return b.getOrCreate();
        }

        QuietStarSpark jobs(SparkSession spark) {
            ModelLocation location = shipModel ? ModelLocation.shipped(spark, Path.of(model))
                    : ModelLocation.of(spark, model);
            return QuietStarSpark.builder(location).backend(backend).device(device).partitions(partitions).build();
        }

        Dataset<Row> read(SparkSession spark) {
            String f = inputFormat != null ? inputFormat.toLowerCase(Locale.ROOT)
                    : input.endsWith(".parquet") ? "parquet" : input.endsWith(".txt") ? "text" : "json";
            return switch (f) {
                case "json", "jsonl" -> spark.read().json(input);
                case "parquet" -> spark.read().parquet(input);
                case "text" -> spark.read().text(input);
                default -> throw new IllegalArgumentException("--input-format must be json, parquet or text, was '"
                        + inputFormat + "'");
            };
        }

        /** Refuses an existing output folder unless --replace; checks the format. */
        void checkOutput(SparkSession spark) throws IOException {
            if (!format.equals("parquet") && !format.equals("jsonl")) {
                throw new IllegalArgumentException("--format must be parquet or jsonl, was '" + format + "'");
            }
            org.apache.hadoop.fs.Path out = new org.apache.hadoop.fs.Path(output);
            FileSystem fs = out.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (fs.exists(out) && !replace) {
                throw new IllegalArgumentException("output " + output + " exists; choose a new folder or add "
                        + "--replace to overwrite it");
            }
        }

        void write(Dataset<Row> rows, String path) {
            var writer = rows.write().mode(replace ? SaveMode.Overwrite : SaveMode.ErrorIfExists);
            if (format.equals("parquet")) {
                writer.parquet(path);
            } else {
                writer.json(path);
            }
        }
    }

    /** {@code eval}: a question set under several thinking settings. */
    @Command(name = "eval", mixinStandardHelpOptions = true,
            description = "Evaluate a question set (GSM8K or CommonsenseQA layout) with thinking off and on; writes "
                    + "the per-question rows to OUTPUT/examples and summary.json, summary.md to OUTPUT.")
    static final class Eval implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Mixin
        Common common = new Common();

        @Option(names = "--settings", paramLabel = "LIST", description = "Comma-separated settings among off, "
                + "every, once, constant, constant-once, adaptive[:THRESHOLD] (default: off,every,once).")
        String settings;

        @Option(names = "--think", paramLabel = "MODE", description = "One thinking policy: every, never, once or "
                + "adaptive[:THRESHOLD]; same as --settings with one entry.")
        String think;

        @Option(names = "--trigger", defaultValue = EvalSetting.ANSWER_TRIGGER, paramLabel = "TEXT",
                description = "Prompt suffix after which 'once' thinks (default: '${DEFAULT-VALUE}').")
        String trigger;

        @Option(names = "--seed", defaultValue = "0", description = "Seed of the sampled thoughts.")
        long seed;

        @Option(names = "--batch-size", defaultValue = "" + AnswerEvaluator.DEFAULT_BATCH_SIZE, paramLabel = "N",
                description = "Questions generated together (default: ${DEFAULT-VALUE}).")
        int batchSize;

        @Option(names = "--margin", defaultValue = "" + AnswerEvaluator.DEFAULT_GENERATION_MARGIN, paramLabel = "N",
                description = "Tokens generation may write beyond the gold answer's length.")
        int margin;

        @Option(names = "--constant-token", paramLabel = "ID", description = "Token of the constant-thought "
                + "ablation (default: the token of a space).")
        Integer constantToken;

        @Option(names = "--no-generate", description = "Skip greedy generation: no exact match or tokens/s.")
        boolean noGenerate;

        @Option(names = "--limit", paramLabel = "N", description = "Evaluate only the first N questions.")
        Integer limit;

        @Override
        public Integer call() throws IOException {
            if (think != null && settings != null) {
                throw new IllegalArgumentException("--think and --settings both choose settings; use one");
            }
            String chosen = think != null ? (think.trim().equalsIgnoreCase("never") ? "off" : think.trim())
                    : settings != null ? settings : EvalOptions.DEFAULT_SETTINGS;
            if (think != null) {
                ThinkingPolicies.parse(chosen.equals("off") ? "never" : chosen, trigger);
            }
            EvalOptions options = new EvalOptions(chosen, trigger, seed, batchSize, margin, constantToken,
                    !noGenerate, limit);
            SparkSession spark = common.session();
            common.checkOutput(spark);
            long start = System.nanoTime();
            SparkEvaluation result = common.jobs(spark).evaluate(common.read(spark), options);
            double seconds = (System.nanoTime() - start) / 1e9;
            EvalSummary summary = new EvalSummary(common.input + " (" + result.settings().get(0).examples()
                    + " questions)", result.rows());
            common.write(result.examples(), common.output + "/examples");
            writeSummary(spark, summary, common.output);
            PrintWriter out = spec.commandLine().getOut();
            out.print(summary.toMarkdown());
            out.println();
            out.println("wrote " + common.output + "/examples, summary.json and summary.md ("
                    + String.format(Locale.ROOT, "%.1f", seconds) + " s)");
            out.flush();
            return 0;
        }

        private static void writeSummary(SparkSession spark, EvalSummary summary, String output) throws IOException {
            Path local = Files.createTempDirectory("quietstar-spark-summary");
            try {
                summary.writeJson(local.resolve("summary.json"));
                Files.writeString(local.resolve("summary.md"), summary.toMarkdown(), StandardCharsets.UTF_8);
                org.apache.hadoop.fs.Path out = new org.apache.hadoop.fs.Path(output);
                FileSystem fs = out.getFileSystem(spark.sparkContext().hadoopConfiguration());
                for (String name : List.of("summary.json", "summary.md")) {
                    fs.copyFromLocalFile(false, true, new org.apache.hadoop.fs.Path(local.resolve(name).toUri()),
                            new org.apache.hadoop.fs.Path(out, name));
                }
            } finally {
                for (String name : List.of("summary.json", "summary.md")) {
                    Files.deleteIfExists(local.resolve(name));
                }
                Files.deleteIfExists(local);
            }
        }
    }

    /** {@code generate}: a continuation of every prompt, with its thought trace. */
    @Command(name = "generate", mixinStandardHelpOptions = true,
            description = "Continue every prompt of the input, thinking before every token (or where asked), with a "
                    + "trace per token; each row's seed derives from --seed and the row's id.")
    static final class Generate implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Mixin
        Common common = new Common();

        @Option(names = "--prompt-column", defaultValue = "prompt", paramLabel = "NAME",
                description = "Column of the prompts (default: ${DEFAULT-VALUE}; 'value' for a text input).")
        String promptColumn;

        @Option(names = "--max-tokens", defaultValue = "64", paramLabel = "N", description = "Tokens per prompt.")
        int maxTokens;

        @Option(names = "--think", paramLabel = "MODE",
                description = "every (default), never, once (after --trigger) or adaptive[:THRESHOLD].")
        String think;

        @Option(names = "--trigger", defaultValue = "A: ", paramLabel = "TEXT", description = "Trigger of 'once'.")
        String trigger;

        @Option(names = "--think-after", paramLabel = "TRIGGER", description = "Think only after TRIGGER "
                + "(repeatable).")
        List<String> thinkAfter = new ArrayList<>();

        @Option(names = "--no-think", description = "Do not think.")
        boolean noThink;

        @Option(names = "--stop", paramLabel = "TEXT", description = "Stop once the text contains TEXT (repeatable).")
        List<String> stops = new ArrayList<>();

        @Option(names = "--temperature", defaultValue = "0", description = "Output temperature; 0 is greedy.")
        double temperature;

        @Option(names = "--top-k", defaultValue = "0", description = "Keep the k most likely tokens; 0 keeps all.")
        int topK;

        @Option(names = "--top-p", defaultValue = "1", description = "Nucleus sampling threshold in (0, 1].")
        double topP;

        @Option(names = "--seed", defaultValue = "0", description = "Job seed; row seeds derive from it.")
        long seed;

        @Option(names = "--greedy-thoughts", description = "Pick thought tokens greedily.")
        boolean greedyThoughts;

        @Override
        public Integer call() throws IOException {
            GenerateOptions.Builder b = GenerateOptions.builder().maxTokens(maxTokens)
                    .sampling(temperature, topK, topP).seed(seed).greedyThoughts(greedyThoughts).trigger(trigger);
            stops.forEach(b::stop);
            if (noThink && (think != null || !thinkAfter.isEmpty())) {
                throw new IllegalArgumentException("--no-think contradicts --think and --think-after; use one");
            }
            if (noThink) {
                b.think("never");
            } else if (think != null) {
                b.think(think);
            }
            b.thinkAfter(thinkAfter);
            GenerateOptions options = b.build();
            SparkSession spark = common.session();
            common.checkOutput(spark);
            Dataset<Row> rows = common.jobs(spark).generate(common.read(spark), promptColumn, options);
            common.write(rows, common.output);
            spec.commandLine().getOut().println("wrote " + common.output);
            return 0;
        }
    }

    /** {@code score}: per-token log-probabilities with and without thinking. */
    @Command(name = "score", mixinStandardHelpOptions = true,
            description = "Score every text of the input with and without thinking, per token.")
    static final class Score implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Mixin
        Common common = new Common();

        @Option(names = "--text-column", defaultValue = "text", paramLabel = "NAME",
                description = "Column of the texts (default: ${DEFAULT-VALUE}; 'value' for a text input).")
        String textColumn;

        @Option(names = "--seed", defaultValue = "0", description = "Job seed; row seeds derive from it.")
        long seed;

        @Option(names = "--greedy-thoughts", description = "Pick thought tokens greedily.")
        boolean greedyThoughts;

        @Override
        public Integer call() throws IOException {
            SparkSession spark = common.session();
            common.checkOutput(spark);
            Dataset<Row> rows = common.jobs(spark).score(common.read(spark), textColumn,
                    greedyThoughts ? ThoughtSampling.GREEDY : ThoughtSampling.SAMPLE, seed);
            common.write(rows, common.output);
            spec.commandLine().getOut().println("wrote " + common.output);
            return 0;
        }
    }
}
