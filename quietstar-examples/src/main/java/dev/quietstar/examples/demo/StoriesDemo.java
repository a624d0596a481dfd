package dev.quietstar.examples.demo;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.quietstar.api.Dataset;
import dev.quietstar.api.GenerationOptions;
import dev.quietstar.api.GenerationResult;
import dev.quietstar.api.ModelSource;
import dev.quietstar.api.Sampling;
import dev.quietstar.api.TextScore;
import dev.quietstar.api.ThinkingPolicy;
import dev.quietstar.api.Trainer;
import dev.quietstar.api.TrainingObjective;
import dev.quietstar.api.TrainingReport;
import dev.quietstar.api.TrainingSetup;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.api.config.TrainingConfig;
import dev.quietstar.api.spi.QuietStarBackend;
import dev.quietstar.core.data.TextDatasets;
import dev.quietstar.core.llama2c.Llama2cHeader;
import dev.quietstar.core.train.ProgressListener;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.infer.DjlReasoner;
import dev.quietstar.djl.thought.ThoughtSamplers;
import dev.quietstar.djl.train.DjlTrainerFactory;
import dev.quietstar.examples.cli.TraceLines;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Quiet-STaR on a real pretrained model: continues the shipped stories260K (llama2.c's TinyStories Llama) with
 * Quiet-STaR on story text the model sampled itself, trains an equal-steps and an equal-time plain next-token
 * control from the same start, and compares them on held-out stories, token by token.
 *
 * <p>Settings compared on every held-out token x_{i+1}: the untouched base model; the Quiet-STaR model without
 * thinking (its base pass), with a thought before every token (one sampled thought per position, the parallel
 * path of the training forward, look-ahead step 0), and with every thought replaced by one constant token (the
 * content ablation: the same extra passes and mixing, no content); the two controls. Reported: the mean NLL over
 * all tokens, over the hardest decile (the tenth of tokens the untouched base model finds least likely, as the
 * paper's Figure on difficult tokens does), and paired per-story differences with their standard error.
 */
public final class StoriesDemo {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final List<String> OPENERS = List.of("Once upon a time", "One day", "Lily", "Tom", "There was a",
            "Once there was", "Ben and", "A little", "Sara", "The sun", "Max", "Mom");

    /**
     * The sizes of one run.
     *
     * @param trainStories stories sampled for training
     * @param heldOutStories stories sampled for evaluation (other seeds)
     * @param storyTokens tokens sampled per story at most
     * @param steps Quiet-STaR optimiser steps (and the equal-steps control's)
     * @param thoughtLength sampled tokens per thought
     * @param sequenceLength training window
     * @param examplesPerStep windows per optimiser step
     * @param seed seed of sampling, training and thoughts
     */
    public record Plan(int trainStories, int heldOutStories, int storyTokens, int steps, int thoughtLength,
            int sequenceLength, int examplesPerStep, long seed) {

        /**
         * The documented run.
         *
         * @return the plan
         */
        public static Plan standard() {
            return new Plan(480, 96, 120, 150, 8, 64, 8, 7);
        }

        /**
         * Smoke-test sizes for the test suite.
         *
         * @return the plan
         */
        public static Plan quick() {
            return new Plan(16, 6, 40, 3, 4, 32, 4, 7);
        }
    }

    private final QuietStarBackend backend;
    private final Plan plan;
    private final Path dir;
    private final PrintWriter out;
    private Path storiesFile;

    /**
     * Uses the user's stories instead of sampling them from the model: the last {@code heldOutStories} documents of
     * the file are held out, up to {@code trainStories} of the others are trained on.
     *
     * @param file a {@code .txt} (documents separated by blank lines) or {@code .jsonl} ({@code {"text"}}) file
     * @return this demo
     */
    public StoriesDemo useStories(Path file) {
        this.storiesFile = Objects.requireNonNull(file, "file");
        return this;
    }

    /**
     * Creates the demo.
     *
     * @param backend a backend with TRAIN and INFER
     * @param plan the sizes
     * @param dir the output folder
     * @param out where progress and results are printed
     */
    public StoriesDemo(QuietStarBackend backend, Plan plan, Path dir, PrintWriter out) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.plan = Objects.requireNonNull(plan, "plan");
        this.dir = Objects.requireNonNull(dir, "dir");
        this.out = Objects.requireNonNull(out, "out");
    }

    /**
     * Runs everything and writes {@code results.json} and {@code results.md} into the output folder.
     *
     * @return the results
     */
    public Map<String, Object> run() {
        try {
            Files.createDirectories(dir);
            Path base = importShippedModel();
            List<String> train;
            List<String> heldOut;
            if (storiesFile != null) {
                out.println("== data: stories from " + storiesFile);
                Dataset given = TextDatasets.fromFile(storiesFile);
                int n = given.size();
                if (n < plan.heldOutStories() + 1) {
                    throw new IllegalArgumentException("--data " + storiesFile + " holds " + n + " documents; the demo "
                            + "holds out the last " + plan.heldOutStories() + " and needs at least one to train on");
                }
                heldOut = new ArrayList<>();
                train = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    (i >= n - plan.heldOutStories() ? heldOut : train).add(given.document(i));
                }
                train = train.subList(0, Math.min(train.size(), plan.trainStories()));
            } else {
                out.println("== data: stories sampled from stories260K itself at temperature 1");
                train = sampleStories(base, plan.trainStories(), 1000);
                heldOut = sampleStories(base, plan.heldOutStories(), 2_000_000);
            }
            writeJsonl(dir.resolve("stories-train.jsonl"), train);
            writeJsonl(dir.resolve("stories-heldout.jsonl"), heldOut);
            out.printf("   %d training and %d held-out stories (%s)%n", train.size(), heldOut.size(),
                    dir.resolve("stories-*.jsonl"));
            Dataset data = TextDatasets.fromStrings("stories260K samples", train);

            TrainingReport qs = train(base, data, "quiet-star", quietStarConfig(), TrainingObjective.QUIET_STAR);
            TrainingReport equalSteps = train(base, data, "control-equal-steps", controlConfig(plan.steps()),
                    TrainingObjective.NEXT_TOKEN);
            double secondsPerControlStep = equalSteps.wallSeconds() / plan.steps();
            int equalTimeSteps = Math.max(plan.steps(), (int) Math.round(qs.wallSeconds() / secondsPerControlStep));
            TrainingReport equalTime = train(base, data, "control-equal-time", controlConfig(equalTimeSteps),
                    TrainingObjective.NEXT_TOKEN);

            out.println("== evaluation on " + heldOut.size() + " held-out stories");
            Map<String, double[][]> nll = new LinkedHashMap<>();
            nll.put("base model (untrained)", scoreAll(new ModelSource.HuggingFace(base), heldOut, Mode.OFF));
            ModelSource qsModel = new ModelSource.Checkpoint(qs.finalCheckpoint());
            nll.put("Quiet-STaR, thinking off", scoreAll(qsModel, heldOut, Mode.OFF));
            nll.put("Quiet-STaR, thinking before every token", scoreAll(qsModel, heldOut, Mode.THINK));
            nll.put("Quiet-STaR, constant thought", scoreAll(qsModel, heldOut, Mode.CONSTANT));
            nll.put("control, equal steps (" + plan.steps() + ")",
                    scoreAll(new ModelSource.Checkpoint(equalSteps.finalCheckpoint()), heldOut, Mode.OFF));
            nll.put("control, equal time (" + equalTimeSteps + " steps)",
                    scoreAll(new ModelSource.Checkpoint(equalTime.finalCheckpoint()), heldOut, Mode.OFF));

            Map<String, Object> results = results(nll, qs, equalSteps, equalTime, equalTimeSteps);
            String markdown = markdown(results);
            out.println();
            out.print(markdown);
            showThoughts(qs.finalCheckpoint());
            JSON.writeValue(dir.resolve("results.json").toFile(), results);
            Files.writeString(dir.resolve("results.md"), markdown, StandardCharsets.UTF_8);
            out.println("wrote " + dir.resolve("results.json") + " and results.md");
            out.flush();
            return results;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the demo's files under " + dir, e);
        }
    }

    /** Copies the shipped llama2.c files out of the jar and converts them to a HuggingFace folder. */
    private Path importShippedModel() {
        Path base = dir.resolve("stories260K-hf");
        Llama2cHeader h = ShippedModels.stories260K(dir.resolve("stories260K-llama2c"), base);
        out.printf("== model: stories260K (llama2.c, MIT): %d layers, width %d, %d/%d heads, converted to %s%n",
                h.layers(), h.dim(), h.heads(), h.kvHeads(), base);
        return base;
    }

    /**
     * Samples stories from the plain model at temperature 1, batches of one row per opener with a seed per batch, cut
     * at the model's next document start and at the last full sentence.
     */
    private List<String> sampleStories(Path base, int count, long seedOffset) {
        List<String> stories = new ArrayList<>(count);
        try (DjlReasoner reasoner = DjlReasoner.owning(DjlTrainerFactory.openModel(new ModelSource.HuggingFace(base),
                QuietStarConfig.official(), device()))) {
            // One batch per seed, one row per opener: rows of a batch share the seed but not the prompt.
            for (int batch = 0; stories.size() < count; batch++) {
                GenerationOptions options = new GenerationOptions(plan.storyTokens(), List.of(),
                        Sampling.categorical(1.0, plan.seed() * 7919 + seedOffset + batch),
                        dev.quietstar.api.config.ThoughtSampling.SAMPLE, ThinkingPolicy.never(), false);
                List<GenerationResult> rows = reasoner.generateBatch(OPENERS, options);
                for (int i = 0; i < rows.size() && stories.size() < count; i++) {
                    stories.add(tidy(OPENERS.get(i) + rows.get(i).text()));
                }
            }
        }
        return stories;
    }

    /** Keeps one story: up to the next document start, ending at the last sentence end when there is one. */
    static String tidy(String text) {
        String s = text;
        for (String marker : List.of("<s>", "</s>")) {
            int at = s.indexOf(marker);
            if (at >= 0) {
                s = s.substring(0, at);
            }
        }
        int end = Math.max(Math.max(s.lastIndexOf('.'), s.lastIndexOf('!')), s.lastIndexOf('?'));
        if (end > 0) {
            s = s.substring(0, end + 1);
            if (end + 1 < text.length() && text.charAt(end + 1) == '"') {
                s = s + '"';
            }
        }
        return s.strip();
    }

    private static void writeJsonl(Path file, List<String> texts) throws IOException {
        StringBuilder b = new StringBuilder();
        for (String t : texts) {
            b.append(new ObjectMapper().writeValueAsString(Map.of("text", t))).append('\n');
        }
        Files.writeString(file, b.toString(), StandardCharsets.UTF_8);
    }

    /** The Quiet-STaR recipe for this model: the small-model preset at the plan's shape. */
    QuietStarConfig quietStarConfig() {
        QuietStarConfig s = QuietStarConfig.smallModel();
        return s.withShape(plan.thoughtLength(), 4, 2, plan.sequenceLength())
                .withOptimizer(s.optimizer().withWarmupSteps(Math.min(10, plan.steps())))
                .withTraining(TrainingConfig.official().withSteps(plan.steps())
                        .withBatch(plan.examplesPerStep(), plan.examplesPerStep()).withSeed(plan.seed()));
    }

    /** The plain control: the same data, batches and backbone learning rate, next-token loss only. */
    QuietStarConfig controlConfig(int steps) {
        QuietStarConfig q = quietStarConfig();
        return q.withTraining(q.training().withSteps(steps));
    }

    private TrainingReport train(Path base, Dataset data, String label, QuietStarConfig config,
            TrainingObjective objective) {
        Path runDir = dir.resolve(label);
        try (Trainer trainer = backend.newTrainer(new TrainingSetup(new ModelSource.HuggingFace(base), config, runDir,
                objective));
                ProgressListener progress = new ProgressListener(label, config.training().steps(),
                        Math.max(1, config.training().steps() / 5))) {
            trainer.addListener(progress);
            TrainingReport report = trainer.train(data);
            out.printf("== trained %s: %d steps in %.1f s -> %s%n", label, config.training().steps(),
                    report.wallSeconds(), report.finalCheckpoint());
            out.flush();
            return report;
        }
    }

    /** How the held-out tokens are scored. */
    private enum Mode { OFF, THINK, CONSTANT }

    /** Per story, per token: -log p(x_{i+1} | x_0..x_i) under the mode. */
    private double[][] scoreAll(ModelSource source, List<String> stories, Mode mode) {
        double[][] nll = new double[stories.size()][];
        try (DjlReasoner reasoner = source instanceof ModelSource.Checkpoint c ? DjlReasoner.open(c.folder(), device())
                : DjlReasoner.owning(DjlTrainerFactory.openModel(source, QuietStarConfig.official(), device()))) {
            int constant = reasoner.model().tokenizer().encode(" ")[0];
            for (int s = 0; s < stories.size(); s++) {
                TextScore score = switch (mode) {
                    case OFF, THINK -> reasoner.score(stories.get(s),
                            dev.quietstar.api.config.ThoughtSampling.SAMPLE, plan.seed() + s);
                    case CONSTANT -> reasoner.score(stories.get(s), ThoughtSamplers.constant(constant));
                };
                List<Double> logp = mode == Mode.OFF ? score.baseLogProbs() : score.thinkLogProbs();
                nll[s] = logp.stream().mapToDouble(v -> -v).toArray();
            }
        }
        return nll;
    }

    private Map<String, Object> results(Map<String, double[][]> nll, TrainingReport qs, TrainingReport equalSteps,
            TrainingReport equalTime, int equalTimeSteps) {
        double[][] reference = nll.values().iterator().next();
        double[] all = Arrays.stream(reference).flatMapToDouble(Arrays::stream).sorted().toArray();
        double threshold = all[(int) Math.floor(0.9 * (all.length - 1))];
        Function<double[][], double[]> hard = rows -> {
            List<Double> v = new ArrayList<>();
            for (int s = 0; s < rows.length; s++) {
                for (int i = 0; i < rows[s].length; i++) {
                    if (reference[s][i] >= threshold) {
                        v.add(rows[s][i]);
                    }
                }
            }
            return v.stream().mapToDouble(Double::doubleValue).toArray();
        };
        String thinking = "Quiet-STaR, thinking before every token";
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Map.Entry<String, double[][]> e : nll.entrySet()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("setting", e.getKey());
            row.put("nll", mean(Arrays.stream(e.getValue()).flatMapToDouble(Arrays::stream).toArray()));
            row.put("hardestDecileNll", mean(hard.apply(e.getValue())));
            if (!e.getKey().equals(thinking)) {
                double[] paired = pairedDifference(nll.get(thinking), e.getValue());
                row.put("thinkingMinusThisNll", paired[0]);
                row.put("thinkingMinusThisSe", paired[1]);
            }
            rows.add(row);
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("model", "stories260K (llama2.c TinyStories Llama, 260K parameters, MIT)");
        r.put("data", storiesFile == null ? "sampled from the model at temperature 1" : storiesFile.toString());
        r.put("plan", plan);
        r.put("heldOutStories", reference.length);
        r.put("heldOutTokens", all.length);
        r.put("hardestDecileThreshold", threshold);
        r.put("quietStarSeconds", qs.wallSeconds());
        r.put("equalStepsControlSeconds", equalSteps.wallSeconds());
        r.put("equalTimeControlSteps", equalTimeSteps);
        r.put("equalTimeControlSeconds", equalTime.wallSeconds());
        r.put("finalMixingWeight", qs.steps().isEmpty() ? Double.NaN
                : qs.steps().get(qs.steps().size() - 1).meanMixingWeight());
        r.put("rows", rows);
        return r;
    }

    /** Mean over stories of (thinking - other) per-story mean NLL, and its standard error. */
    static double[] pairedDifference(double[][] thinking, double[][] other) {
        int n = thinking.length;
        double[] d = new double[n];
        for (int s = 0; s < n; s++) {
            d[s] = mean(thinking[s]) - mean(other[s]);
        }
        double m = mean(d);
        double var = 0;
        for (double v : d) {
            var += (v - m) * (v - m);
        }
        double se = n > 1 ? Math.sqrt(var / (n - 1) / n) : Double.NaN;
        return new double[] {m, se};
    }

    private static double mean(double[] v) {
        return v.length == 0 ? Double.NaN : Arrays.stream(v).average().orElse(Double.NaN);
    }

    @SuppressWarnings("unchecked")
    static String markdown(Map<String, Object> r) {
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "Held-out: %d stories, %d tokens; hardest decile: tokens with base NLL "
                + ">= %.3f nats.%n%n", r.get("heldOutStories"), r.get("heldOutTokens"),
                (Double) r.get("hardestDecileThreshold")));
        md.append("| setting | NLL / token | hardest-decile NLL | thinking − this (paired, ± SE) |\n");
        md.append("|---|---:|---:|---:|\n");
        for (Map<String, Object> row : (List<Map<String, Object>>) r.get("rows")) {
            Object diff = row.get("thinkingMinusThisNll");
            md.append(String.format(Locale.ROOT, "| %s | %.4f | %.4f | %s |%n", row.get("setting"),
                    (Double) row.get("nll"), (Double) row.get("hardestDecileNll"), diff == null ? "—"
                            : String.format(Locale.ROOT, "%+.4f ± %.4f", (Double) diff,
                                    (Double) row.get("thinkingMinusThisSe"))));
        }
        md.append(String.format(Locale.ROOT, "%nTraining: Quiet-STaR %.1f s; equal-steps control %.1f s; equal-time "
                + "control %d steps, %.1f s. Final mean mixing weight %.4f.%n", (Double) r.get("quietStarSeconds"),
                (Double) r.get("equalStepsControlSeconds"), r.get("equalTimeControlSteps"),
                (Double) r.get("equalTimeControlSeconds"), (Double) r.get("finalMixingWeight")));
        return md.toString();
    }

    /** Prints a story generated with a thought before every token, as {@code generate --show-thoughts} does. */
    private void showThoughts(Path checkpoint) {
        out.println();
        out.println("== a story with its thoughts (greedy output, sampled thoughts), as generate --show-thoughts "
                + "prints it");
        try (DjlReasoner reasoner = DjlReasoner.open(checkpoint, device())) {
            out.println(TraceLines.header());
            int[] index = {0};
            GenerationResult g = reasoner.generate("Once upon a time", GenerationOptions.defaults(24),
                    t -> out.println(TraceLines.line(index[0]++, t, false)));
            out.println("Once upon a time" + g.text());
            out.println();
        }
    }

    private static Device device() {
        return DjlEngines.pytorch().defaultDevice();
    }
}
