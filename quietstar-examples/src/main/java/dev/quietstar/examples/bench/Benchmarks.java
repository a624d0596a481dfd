package dev.quietstar.examples.bench;

import static dev.quietstar.examples.bench.Figures.figure;
import static dev.quietstar.examples.bench.Figures.ratio;
import static dev.quietstar.examples.bench.Figures.row;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import dev.quietstar.api.GenerationOptions;
import dev.quietstar.api.GenerationResult;
import dev.quietstar.api.ModelSource;
import dev.quietstar.api.Reasoner;
import dev.quietstar.api.ThinkingPolicy;
import dev.quietstar.api.TinyModelSpec;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.api.config.ThoughtSampling;
import dev.quietstar.api.spi.BackendProvider;
import dev.quietstar.api.spi.Capability;
import dev.quietstar.core.backend.Backends;
import dev.quietstar.core.eval.AnswerEvaluator;
import dev.quietstar.core.eval.EvalExample;
import dev.quietstar.core.eval.EvalSetting;
import dev.quietstar.core.infer.DecoderStep;
import dev.quietstar.core.infer.OutputSampler;
import dev.quietstar.core.infer.ThinkThenTalk;
import dev.quietstar.core.infer.ThoughtBranch;
import dev.quietstar.core.infer.ThoughtTokenSampler;
import dev.quietstar.core.io.OutputKind;
import dev.quietstar.core.text.ByteTokenizer;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.infer.DjlDecoderStep;
import dev.quietstar.djl.infer.DjlReasoner;
import dev.quietstar.djl.infer.NoGradScope;
import dev.quietstar.djl.thought.ParallelThoughtGenerator;
import dev.quietstar.djl.thought.QuietStarModel;
import dev.quietstar.djl.thought.ThoughtSamplers;
import dev.quietstar.djl.train.DjlTrainerFactory;
import dev.quietstar.examples.data.ArithmeticCorpus;
import dev.quietstar.examples.data.ColumnArithmeticCorpus;
import dev.quietstar.examples.demo.QuietStarDemo;
import dev.quietstar.examples.demo.ShippedModels;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The benchmark figures of {@code quietstar bench} (docs/benchmarks.md), each a set of measured rows and the ratios
 * between them, measured side by side in one run.
 *
 * <ol>
 *   <li>training step s/step, thought tokens/s and peak RSS, dense mask vs element-wise diagonal, at L 64 and
 *       256 (each configuration in a process of its own);</li>
 *   <li>parallel thought generation vs a per-position sequential rollout (each position's prefix through the
 *       decoder, then its thought on the cache), at L 16/64/128;</li>
 *   <li>thinking generation with the branched key/value cache vs recomputing everything per token (the official
 *       code's way), at context 64 and 256;</li>
 *   <li>thinking overhead per output token, in plain one-token decode steps;</li>
 *   <li>plain decode tokens/s of every available backend on the demo model and on stories260K;</li>
 *   <li>evaluation throughput (examples/s) with thinking off and before every token;</li>
 *   <li>decode at real model shapes against llama2.c's run.c and the memory bandwidth ({@link RealShapeDecode}).</li>
 * </ol>
 */
public final class Benchmarks {

    /** The model of figures 1 to 3: a byte-level GPT-2, V 261, H 128, 4 layers, 4 heads. */
    static final TinyModelSpec BENCH_MODEL = new TinyModelSpec("gpt2", ByteTokenizer.VOCAB_SIZE, 128, 4, 4, 512,
            11);

    /**
     * The sizes of one run.
     *
     * @param quick smoke-test sizes (a subset of the cases)
     * @param warmup unmeasured runs before each measured case
     * @param runs measured runs per case (at least 5 for the full run)
     * @param figures the figures to run (1 to 7), all when empty
     */
    public record Options(boolean quick, int warmup, int runs, java.util.Set<Integer> figures) {

        /** Copies the set and checks the figure numbers. */
        public Options {
            figures = java.util.Set.copyOf(figures);
            for (int f : figures) {
                if (f < 1 || f > 7) {
                    throw new IllegalArgumentException("figure numbers are 1 to 7, was " + f);
                }
            }
        }

        /**
         * A copy that runs only some figures.
         *
         * @param only figure numbers, 1 to 7
         * @return the copy
         */
        public Options withFigures(java.util.Set<Integer> only) {
            return new Options(quick, warmup, runs, only);
        }

        boolean includes(int figure) {
            return figures.isEmpty() || figures.contains(figure);
        }

        /**
         * The full run.
         *
         * @return the options
         */
        public static Options full() {
            return new Options(false, 2, 7, java.util.Set.of());
        }

        /**
         * The quick run.
         *
         * @return the options
         */
        public static Options quickRun() {
            return new Options(true, 1, 5, java.util.Set.of());
        }
    }

    /**
     * The scratch folder {@code quietstar bench --work}: a cache of models that a later run continues; folders made
     * before the marker existed are recognised by the {@code demo-base} every run extracts.
     */
    public static final OutputKind WORK_KIND = OutputKind.folder("bench-work", "bench scratch folder", "demo-base");

    private final Options options;
    private final Path work;
    private final PrintWriter out;

    /**
     * Creates the benchmarks.
     *
     * @param options sizes
     * @param work a scratch folder (models, worker outputs)
     * @param out where progress is printed
     */
    public Benchmarks(Options options, Path work, PrintWriter out) {
        this.options = options;
        this.work = work;
        this.out = out;
    }

    /**
     * Runs every figure.
     *
     * @return the figures, in order, as JSON-ready maps
     */
    public List<Map<String, Object>> run() {
        try {
            Files.createDirectories(work);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + work, e);
        }
        DjlEngines.pytorch();
        List<Map<String, Object>> figures = new ArrayList<>();
        if (options.includes(1)) {
            figures.add(progress(trainingStep()));
        }
        if (options.includes(2)) {
            figures.add(progress(parallelVsSequential()));
        }
        if (options.includes(3)) {
            figures.add(progress(cachedVsRecompute()));
        }
        Path demoBase = ShippedModels.demoBase(work.resolve("demo-base"));
        Path stories = BenchModels.storiesCheckpoint(work);
        if (options.includes(4)) {
            figures.add(progress(thinkingOverhead(demoBase)));
        }
        if (options.includes(5)) {
            figures.add(progress(decodeByBackend(demoBase, stories)));
        }
        if (options.includes(6)) {
            figures.add(progress(evalThroughput(demoBase)));
        }
        if (options.includes(7)) {
            figures.add(progress(new RealShapeDecode(options, work).run(stories)));
        }
        return figures;
    }

    private Map<String, Object> progress(Map<String, Object> figure) {
        out.println(Report.figureTable(figure));
        out.flush();
        return figure;
    }

    // ---- figure 1 -------------------------------------------------------------------------------------------

    private Map<String, Object> trainingStep() {
        Map<String, Object> f = figure("training-step", "Training step",
                "One full Quiet-STaR optimiser step (parallel thoughts, losses, backward, gradient clip, AdamW) of a "
                        + "byte-level GPT-2 (V 261, H 128, 4 layers, 4 heads), B 4, thoughtLength 5, lookahead 4, "
                        + "P 2; each configuration in a JVM of its own, whose peak RSS is reported.");
        int[] lengths = options.quick() ? new int[] {64} : new int[] {64, 256};
        for (int len : lengths) {
            Map<String, Double> median = new LinkedHashMap<>();
            for (String layout : List.of("DENSE", "DIAGONAL")) {
                JsonNode r = TrainStepWorker.launch(layout, len, options.warmup(), options.runs(),
                        work.resolve("train-" + layout.toLowerCase(Locale.ROOT) + "-" + len));
                double[] seconds = TrainStepWorker.doubles(r.get("stepSeconds"));
                double[] rates = TrainStepWorker.doubles(r.get("thoughtTokensPerSecond"));
                long rss = r.get("peakRssBytes").asLong();
                String label = ("DENSE".equals(layout) ? "dense mask" : "element-wise diagonal") + ", L " + len;
                Stats s = Stats.of(seconds);
                row(f, label, "step time", "s/step", s, Map.of("peakRssGiB", rss / (double) (1L << 30)));
                row(f, label, "thought tokens/s", "tokens/s", Stats.of(rates), null);
                median.put(layout, s.median());
                if ("DIAGONAL".equals(layout)) {
                    double step = len == 64 ? 0.42 : 2.1;
                    double gib = len == 64 ? 0.9 : 2.5;
                    ratio(f, "library step time at L " + len + " (element-wise), s/step", s.median(), step, false,
                            "<= " + step + " s/step");
                    ratio(f, "peak RSS at L " + len + " (element-wise), GiB", rss / (double) (1L << 30), gib, false,
                            "<= " + gib + " GiB");
                }
            }
            ratio(f, "dense / element-wise step time at L " + len, median.get("DENSE") / median.get("DIAGONAL"),
                    Double.NaN, true, null);
        }
        return f;
    }

    // ---- figure 2 -------------------------------------------------------------------------------------------

    private QuietStarModel benchModel(int thoughtLength) {
        QuietStarConfig c = QuietStarConfig.smallModel().withShape(thoughtLength, 1, 1, 256);
        return DjlTrainerFactory.openModel(new ModelSource.Tiny(BENCH_MODEL), c, Device.cpu());
    }

    @SuppressWarnings("try")
    private Map<String, Object> parallelVsSequential() {
        Map<String, Object> f = figure("parallel-generation", "Parallel thought generation vs per-position rollout",
                "One thought (thoughtLength 5, greedy) after every one of L positions of one sequence, no gradient. "
                        + "Parallel: thoughtLength + 2 batched passes over all positions (docs/algorithm.md section 2). Sequential: "
                        + "for each position, its prefix through the decoder, then its thought token by token on "
                        + "that key/value cache.");
        int[] lengths = options.quick() ? new int[] {16, 64} : new int[] {16, 64, 128};
        int n = 5;
        try (QuietStarModel model = benchModel(n); NoGradScope ignored = NoGradScope.enter()) {
            // The sequential rollout runs the library's inference branch (core's) on this backend's step.
            ThoughtBranch branch = new ThoughtBranch(new ThinkThenTalk.Settings(model.tokenizer(), n,
                    model.config().thoughtTemperature(), model.metaTokens().startId(), model.metaTokens().endId()),
                    null);
            for (int len : lengths) {
                long[] ids = syntheticIds(len, 3);
                Stats parallel = Stats.time(options.warmup(), options.runs(), () -> {
                    try (NDManager m = model.manager().newSubManager()) {
                        NDArray idArray = m.create(ids, new Shape(1, len));
                        NDArray attn = m.ones(new Shape(1, len), DataType.INT32);
                        new ParallelThoughtGenerator(model, n, 1).generate(idArray, attn, ThoughtSamplers.greedy())
                                .talkHidden().get(0).toFloatArray();
                    }
                });
                ThoughtTokenSampler greedy = (logits, rows, vocab, k) -> new long[] {
                    OutputSampler.argMax(logits, 0, vocab)};
                Stats sequential = Stats.time(options.warmup(), Math.max(3, options.runs() / 2), () -> {
                    try (DjlDecoderStep step = new DjlDecoderStep(model)) {
                        for (int i = 0; i < len; i++) {
                            long[] positions = new long[i + 1];
                            boolean[][] valid = new boolean[1][i + 1];
                            for (int k = 0; k <= i; k++) {
                                positions[k] = k;
                                valid[0][k] = true;
                            }
                            DecoderStep.Output<DjlDecoderStep.Cache> o = step.forward(Arrays.copyOf(ids, i + 1),
                                    positions, 1, i + 1, ThinkThenTalk.causalWithPadding(valid, i + 1), null);
                            branch.think(step, o, new long[] {i + 1}, valid, greedy);
                            step.release(o.cache());
                        }
                    }
                });
                row(f, "parallel, L " + len, "time", "s", parallel, null);
                row(f, "sequential, L " + len, "time", "s", sequential, null);
                double r = sequential.median() / parallel.median();
                ratio(f, "sequential / parallel at L " + len, r, len == 128 ? len / 2.0 : Double.NaN, true,
                        ">= L/2 = " + len / 2);
            }
        }
        return f;
    }

    private static long[] syntheticIds(int len, long seed) {
        String text = ArithmeticCorpus.builder().optSeed(seed).optTrainDocuments(200).build().train().stream()
                .reduce("", (a, b) -> a + b + "\n");
        int[] enc = ByteTokenizer.instance().withDocumentStart(ByteTokenizer.instance().encode(text));
        long[] ids = new long[len];
        for (int i = 0; i < len; i++) {
            ids[i] = enc[i % enc.length];
        }
        return ids;
    }

    // ---- figure 3 -------------------------------------------------------------------------------------------

    @SuppressWarnings("try")
    private Map<String, Object> cachedVsRecompute() {
        Map<String, Object> f = figure("cached-thinking", "Thinking generation: branched cache vs recompute",
                "Greedy think-then-talk generation of 8 tokens after a prompt of C tokens, a thought (thoughtLength 5,"
                        + " greedy) before every token. Cached: the library's Reasoner (real cache kept, thought in a "
                        + "temporary branch). Recompute: every forward runs over the whole sequence without a cache, "
                        + "as the official code generates.");
        int[] contexts = options.quick() ? new int[] {64} : new int[] {64, 256};
        int n = 5;
        int newTokens = 8;
        try (QuietStarModel model = benchModel(n)) {
            Reasoner reasoner = DjlReasoner.wrap(model);
            for (int ctx : contexts) {
                String prompt = new String(Arrays.stream(syntheticIds(ctx, 4)).skip(1).mapToInt(v -> (int) v)
                        .map(v -> v < 256 ? v : ' ').collect(StringBuilder::new, StringBuilder::appendCodePoint,
                                StringBuilder::append));
                GenerationOptions opts = GenerationOptions.defaults(newTokens)
                        .withThoughtSampling(ThoughtSampling.GREEDY);
                List<Integer>[] cachedTokens = new List[1];
                Stats cached = Stats.time(options.warmup(), options.runs(), () ->
                        cachedTokens[0] = reasoner.generate(prompt, opts).tokenIds());
                List<Integer>[] recomputed = new List[1];
                Stats recompute = Stats.time(1, Math.max(3, options.runs() / 2), () ->
                        recomputed[0] = RecomputeGeneration.generate(model, prompt, newTokens));
                row(f, "cached, context " + ctx, "throughput", "tokens/s", cached.inverse(newTokens),
                        Map.of("sameTokensAsRecompute", cachedTokens[0].equals(recomputed[0])));
                row(f, "recompute, context " + ctx, "throughput", "tokens/s", recompute.inverse(newTokens), null);
                double r = recompute.median() / cached.median();
                ratio(f, "cached / recompute throughput at context " + ctx, r, ctx == 256 ? 10 : Double.NaN, true,
                        ">= 10x");
            }
        }
        return f;
    }

    // ---- figure 4 -------------------------------------------------------------------------------------------

    private Map<String, Object> thinkingOverhead(Path demoBase) {
        Map<String, Object> f = figure("thinking-overhead", "Thinking overhead per output token",
                "Greedy generation of 32 tokens with the demo's base model (byte-level GPT-2, H 128, 3 layers), a "
                        + "greedy thought before every token vs no thought; the overhead is the time per thinking "
                        + "token in plain decode steps. A thinking step feeds thoughtLength + 2 branch tokens and "
                        + "one real token, so the ideal is about thoughtLength + 3 plain steps.");
        int tokens = 32;
        try (DjlReasoner reasoner = DjlReasoner.open(demoBase, Device.cpu())) {
            int n = reasoner.model().config().thoughtLength();
            GenerationOptions think = GenerationOptions.defaults(tokens).withThoughtSampling(ThoughtSampling.GREEDY);
            GenerationOptions plain = think.withThinking(ThinkingPolicy.never());
            String prompt = "Q: 12+34=?\nA: ";
            Stats plainStats = Stats.time(options.warmup(), options.runs(), () -> reasoner.generate(prompt, plain));
            Stats thinkStats = Stats.time(options.warmup(), options.runs(), () -> reasoner.generate(prompt, think));
            row(f, "plain decode", "time per token", "ms", scale(plainStats, 1000.0 / tokens), null);
            row(f, "thinking (thoughtLength " + n + ")", "time per token", "ms", scale(thinkStats, 1000.0 / tokens),
                    null);
            double steps = thinkStats.median() / plainStats.median();
            ratio(f, "thinking token / plain token, in plain steps", steps, 1.2 * (n + 2), false,
                    "<= 1.2 x (thoughtLength + 2) = " + String.format(Locale.ROOT, "%.1f", 1.2 * (n + 2)));
        }
        return f;
    }

    private static Stats scale(Stats s, double factor) {
        double[] v = Arrays.stream(s.runs()).map(x -> x * factor).toArray();
        return Stats.of(v);
    }

    // ---- figure 5 -------------------------------------------------------------------------------------------

    private Map<String, Object> decodeByBackend(Path demoBase, Path stories) {
        Map<String, Object> f = figure("decode-by-backend", "Plain decode by backend",
                "Greedy generation of 64 tokens without thinking through each available backend's Reasoner, on the "
                        + "demo's base checkpoint and on stories260K (as a checkpoint: its converted HuggingFace folder "
                        + "with the two meta-tokens appended). The ONNX backend exports each checkpoint in memory when "
                        + "it opens it.");
        int tokens = 64;
        Map<String, Map<String, Double>> medians = new LinkedHashMap<>();
        for (BackendProvider provider : Backends.discover().providers()) {
            if (!provider.isAvailable() || !provider.capabilities().contains(Capability.INFER)) {
                continue;
            }
            Map<String, ModelSource> models = new LinkedHashMap<>();
            models.put("demo model", new ModelSource.Checkpoint(demoBase));
            models.put("stories260K", new ModelSource.Checkpoint(stories));
            for (Map.Entry<String, ModelSource> e : models.entrySet()) {
                String prompt = e.getKey().equals("stories260K") ? "Once upon a time" : "Q: 12+34=?\nA: ";
                GenerationOptions plain = GenerationOptions.defaults(tokens).withThinking(ThinkingPolicy.never());
                try (Reasoner r = provider.create().openReasoner(e.getValue())) {
                    int[] produced = {tokens};
                    Stats s = Stats.time(options.warmup(), options.runs(), () -> {
                        GenerationResult g = r.generate(prompt, plain);
                        produced[0] = g.tokenIds().size();
                    });
                    Stats rate = s.inverse(produced[0]);
                    row(f, provider.name() + ", " + e.getKey(), "decode", "tokens/s", rate, null);
                    medians.computeIfAbsent(e.getKey(), k -> new LinkedHashMap<>()).put(provider.name(),
                            rate.median());
                } catch (RuntimeException ex) {
                    row(f, provider.name() + ", " + e.getKey(), "decode", "tokens/s", null,
                            Map.of("error", String.valueOf(ex.getMessage())));
                }
            }
        }
        for (Map.Entry<String, Map<String, Double>> e : medians.entrySet()) {
            Double onnx = e.getValue().get("onnxruntime");
            Double djl = e.getValue().get("djl-pytorch");
            if (onnx != null && djl != null) {
                ratio(f, "onnxruntime / djl-pytorch decode on " + e.getKey(), onnx / djl, 2.0, true, ">= 2x");
            }
        }
        return f;
    }

    // ---- figure 6 -------------------------------------------------------------------------------------------

    private Map<String, Object> evalThroughput(Path demoBase) {
        Map<String, Object> f = figure("eval-throughput", "Evaluation throughput",
                "AnswerEvaluator on held-out arithmetic problems with the demo's base checkpoint: answer NLL with "
                        + "the cached thought branch, token accuracy and greedy exact-match generation, batch 8.");
        int count = options.quick() ? 8 : 32;
        List<EvalExample> examples = QuietStarDemo.heldOutExamples(ColumnArithmeticCorpus.builder()
                .optSeed(9).optPretrainDocuments(10).optContinuedDocuments(0).optHeldOutProblems(count).build(), count);
        try (QuietStarModel model = QuietStarModel.load(demoBase, Device.cpu())) {
            AnswerEvaluator evaluator = AnswerEvaluator.builder(dev.quietstar.djl.infer.DjlReasoner.wrap(model)).optSeed(1).build();
            for (EvalSetting setting : List.of(EvalSetting.thinkingOff(), EvalSetting.everyToken())) {
                Stats s = Stats.time(1, Math.max(3, options.runs() / 2), () ->
                        evaluator.evaluate(examples, List.of(setting)));
                row(f, setting.name(), "throughput", "examples/s", s.inverse(examples.size()), null);
            }
        }
        return f;
    }
}
