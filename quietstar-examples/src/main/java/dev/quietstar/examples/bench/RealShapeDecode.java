package dev.quietstar.examples.bench;

import static dev.quietstar.examples.bench.Figures.figure;
import static dev.quietstar.examples.bench.Figures.ratio;
import static dev.quietstar.examples.bench.Figures.row;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import dev.quietstar.api.ModelSource;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.api.spi.BackendProvider;
import dev.quietstar.api.spi.Capability;
import dev.quietstar.core.backend.Backends;
import dev.quietstar.core.llama2c.Llama2cCheckpoint;
import dev.quietstar.core.llama2c.Llama2cConverter;
import dev.quietstar.core.llama2c.Llama2cHeader;
import dev.quietstar.djl.thought.QuietStarModel;
import dev.quietstar.djl.train.DjlTrainerFactory;
import dev.quietstar.examples.demo.ShippedModels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Figure 7: greedy decode at batch 1 without thinking at three real model shapes, through the library's backends
 * and llama2.c's {@code run.c} on the same weights, against the memory bandwidth measured in the same run.
 *
 * <p>The models are stories260K (the shipped pretrained model) and two random llama2.c models of the "6M" and "85M"
 * shapes of llama2.c's model table with the 512-token vocabulary, all with stories260K's tokenizer. Each library
 * backend generates in a JVM of its own ({@link GenerationWorker}), whose peak resident memory is reported; run.c is
 * compiled from the shipped source when gcc is on the PATH. The quick run measures stories260K only.
 */
final class RealShapeDecode {

    /** The prompt of every engine. */
    static final String PROMPT = "Once upon a time";
    /** llama2.c's "6M" shape with the 512-token vocabulary. */
    static final Llama2cHeader SHAPE_6M = new Llama2cHeader(288, 768, 6, 6, 6, 512, 256, true);
    /** llama2.c's "85M" shape (110M's width) with the 512-token vocabulary. */
    static final Llama2cHeader SHAPE_85M = new Llama2cHeader(768, 2048, 12, 12, 12, 512, 256, true);
    /** Seed of the random weights. */
    static final long SEED = 7;
    /**
     * Positions run.c runs beyond the tokens to generate: its {@code -n} counts the prompt's tokens (BOS included),
     * which are fewer than this for {@link #PROMPT}, so it decodes at least as many tokens as the library.
     */
    static final int RUN_C_PROMPT_ALLOWANCE = 8;
    private static final double GIB = 1L << 30;

    /**
     * One model of the figure.
     *
     * @param name its label
     * @param bin the llama2.c weight file
     * @param tokenizer the llama2.c tokenizer file
     * @param checkpoint the same weights as a Quiet-STaR checkpoint
     * @param header its shape
     * @param tokens tokens generated per run
     * @param warmup unmeasured runs
     * @param runs measured runs
     */
    record Model(String name, Path bin, Path tokenizer, Path checkpoint, Llama2cHeader header, int tokens,
            int warmup, int runs) {

        long weightBytes() {
            return Bandwidth.weightBytes(header);
        }
    }

    private final Benchmarks.Options options;
    private final Path work;

    /**
     * Creates the figure.
     *
     * @param options sizes
     * @param work the scratch folder (models, run.c, worker logs)
     */
    RealShapeDecode(Benchmarks.Options options, Path work) {
        this.options = options;
        this.work = work;
    }

    /**
     * Measures the figure.
     *
     * @param storiesCheckpoint stories260K as a Quiet-STaR checkpoint
     * @return the figure
     */
    Map<String, Object> run(Path storiesCheckpoint) {
        Map<String, Object> f = figure("real-shape-decode", "Decode at real shapes, side by side with llama2.c's run.c",
                "Greedy generation without thinking, batch 1, after the prompt \"" + PROMPT + "\", on the same "
                        + "weights: stories260K (dim 64, 5 layers), and random llama2.c models of the 6M shape (dim "
                        + "288, hidden 768, 6 layers, 6 heads) and the 85M shape (dim 768, hidden 2048, 12 layers, 12 "
                        + "heads), vocabulary 512 and seq_len 256, uniform +-0.02 weights from a fixed seed (the BOS "
                        + "and EOS embedding rows zero, so that no run stops early), all with stories260K's "
                        + "tokenizer. 128 tokens per run (32 on 85M, warm-up 1, runs 3). Each library backend opens "
                        + "the model as a Quiet-STaR checkpoint through its Reasoner in a JVM of its own (the ONNX "
                        + "backend exports it first) at its default threads; tokens/s are generated tokens over the "
                        + "wall time of the call, prefill included, and the peak RSS is the worker's, load included. "
                        + "llama2.c's run.c is compiled with `" + RunC.compileCommand() + "` (no -march=native) and "
                        + "run with OMP_NUM_THREADS 1 and 2, `-t 0 -n <tokens + " + RUN_C_PROMPT_ALLOWANCE + ">`; "
                        + "its own `achieved tok/s` line (forward passes after the first over the time since, "
                        + "prompt tokens included, millisecond clock) is its row; its OpenMP threads wait for each "
                        + "other at every layer, so with 2 threads on 2 cores any other load on the machine slows it "
                        + "sharply. The memory bandwidth (1e9 bytes/s) is a plain Java sum over a 1 GiB float[] (less "
                        + "on a small heap) with 1 and 2 threads; a model's bandwidth limit is the median 2-thread "
                        + "bandwidth divided by the float32 bytes of its weights, all of which one decode "
                        + "step reads (the key/value cache is left out). Only the 85M model's weights are far larger "
                        + "than the caches, so only its fractions of the limit are meaningful; they are reported for "
                        + "all." + (options.quick() ? " This quick run measures stories260K only." : ""));
        List<Model> models = models(storiesCheckpoint);

        int bwWarmup = options.quick() ? 1 : 2;
        int bwRuns = options.quick() ? 3 : options.runs();
        float[] data = new float[(int) Math.min(1L << 28, Runtime.getRuntime().maxMemory() / 4 / Float.BYTES)];
        java.util.Arrays.fill(data, 1f);
        Stats bw1 = Bandwidth.measure(data, 1, bwWarmup, bwRuns);
        Stats bw2 = Bandwidth.measure(data, 2, bwWarmup, bwRuns);
        data = null;

        Optional<Path> gcc = RunC.gcc();
        RunC runC = null;
        String runCMissing = null;
        if (gcc.isEmpty()) {
            runCMissing = "gcc is not on the PATH";
        } else {
            try {
                runC = RunC.build(gcc.get(), work.resolve("llama2c-run"));
            } catch (RuntimeException e) {
                runCMissing = "run.c did not build: " + e.getMessage();
            }
        }

        List<BackendProvider> engines = Backends.discover().providers().stream()
                .filter(p -> p.isAvailable() && p.capabilities().contains(Capability.INFER)).toList();
        for (Model m : models) {
            Map<String, Double> medians = new LinkedHashMap<>();
            Map<String, Double> rssGiB = new LinkedHashMap<>();
            for (BackendProvider p : engines) {
                String label = p.name() + ", " + m.name();
                try {
                    JsonNode r = GenerationWorker.launch(p.name(), m.checkpoint(), PROMPT, m.tokens(), m.warmup(),
                            m.runs(), work.resolve("logs").resolve("generate-" + p.name() + "-" + m.name() + ".log"));
                    double[] seconds = TrainStepWorker.doubles(r.get("seconds"));
                    double[] produced = TrainStepWorker.doubles(r.get("tokens"));
                    double[] rates = new double[seconds.length];
                    for (int i = 0; i < rates.length; i++) {
                        rates[i] = produced[i] / seconds[i];
                    }
                    double rss = r.get("peakRssBytes").asLong() / GIB;
                    Stats s = Stats.of(rates);
                    Map<String, Object> extra = new LinkedHashMap<>();
                    extra.put("peakRssGiB", rss);
                    double fewest = Stats.of(produced).min();
                    if (fewest < m.tokens()) {
                        extra.put("note", String.format(Locale.ROOT, "stopped early: %.0f tokens", fewest));
                    }
                    row(f, label, "decode", "tokens/s", s, extra);
                    medians.put(p.name(), s.median());
                    rssGiB.put(p.name(), rss);
                } catch (RuntimeException e) {
                    row(f, label, "decode", "tokens/s", null, Map.of("error", String.valueOf(e.getMessage())));
                }
            }
            for (int threads = 1; threads <= 2; threads++) {
                String label = runCLabel(threads) + ", " + m.name();
                if (runC == null) {
                    row(f, label, "decode", "tokens/s", null, Map.of("error", runCMissing));
                    continue;
                }
                try {
                    RunC c = runC;
                    int t = threads;
                    double[] rates = new double[m.runs()];
                    for (int i = -m.warmup(); i < m.runs(); i++) {
                        double v = c.tokensPerSecond(m.bin(), m.tokenizer(), m.tokens() + RUN_C_PROMPT_ALLOWANCE,
                                PROMPT, t);
                        if (i >= 0) {
                            rates[i] = v;
                        }
                    }
                    Stats s = Stats.of(rates);
                    row(f, label, "decode", "tokens/s", s, null);
                    medians.put(runCLabel(threads), s.median());
                } catch (RuntimeException e) {
                    row(f, label, "decode", "tokens/s", null, Map.of("error", String.valueOf(e.getMessage())));
                }
            }
            ratios(f, m, medians, rssGiB, Bandwidth.limit(bw2, m.weightBytes()).median());
        }
        row(f, "memory read, 1 thread", "bandwidth", "GB/s", bw1, null);
        row(f, "memory read, 2 threads", "bandwidth", "GB/s", bw2, null);
        for (Model m : models) {
            row(f, "bandwidth limit, " + m.name(), "decode limit", "tokens/s", Bandwidth.limit(bw2, m.weightBytes()),
                    Map.of("note", String.format(Locale.ROOT, "weights %.1f MiB", m.weightBytes() / 1048576.0)));
        }
        return f;
    }

    /** The ratios of one model: against run.c, against the bandwidth limit, and the targets of this figure. */
    private static void ratios(Map<String, Object> f, Model m, Map<String, Double> medians, Map<String, Double> rssGiB,
            double limit) {
        boolean stories = m.name().equals("stories260K");
        boolean is6M = m.name().equals("6M");
        boolean is85M = m.name().equals("85M");
        Double djl = medians.get("djl-pytorch");
        if (stories && djl != null) {
            ratio(f, "djl-pytorch decode on stories260K, tokens/s", djl, 1500, true, ">= 1,500 tokens/s");
        }
        for (Map.Entry<String, Double> e : medians.entrySet()) {
            if (e.getKey().startsWith("run.c")) {
                continue;
            }
            for (int threads = 1; threads <= 2; threads++) {
                Double c = medians.get(runCLabel(threads));
                if (c == null) {
                    continue;
                }
                String name = e.getKey() + " / " + runCLabel(threads) + " on " + m.name();
                boolean target = (stories && threads == 1 && e.getKey().equals("onnxruntime"))
                        || (is6M && threads == 2 && e.getKey().equals("djl-pytorch"));
                ratio(f, name, e.getValue() / c, target ? 1.0 : Double.NaN, true, ">= 1");
            }
        }
        for (Map.Entry<String, Double> e : medians.entrySet()) {
            double target = !is85M ? Double.NaN : e.getKey().equals("djl-pytorch") ? 0.7
                    : e.getKey().equals("onnxruntime") ? 0.9 : Double.NaN;
            ratio(f, e.getKey() + " on " + m.name() + " / its bandwidth limit", e.getValue() / limit, target, true,
                    String.format(Locale.ROOT, ">= %.0f %%", target * 100));
        }
        if (is85M) {
            double bound = (1.5 * m.weightBytes() + 0.5 * GIB) / GIB;
            for (Map.Entry<String, Double> e : rssGiB.entrySet()) {
                ratio(f, "peak RSS of " + e.getKey() + " generating on 85M, GiB", e.getValue(), bound, false,
                        String.format(Locale.ROOT, "<= 1.5 x weights + 0.5 GiB = %.2f GiB", bound));
            }
        }
    }

    private static String runCLabel(int threads) {
        return "run.c " + threads + (threads == 1 ? " thread" : " threads");
    }

    /** The figure's models, written and converted on first use and reused from the scratch folder afterwards. */
    private List<Model> models(Path storiesCheckpoint) {
        Path raw = ShippedModels.stories260KLlama2c(work.resolve("stories260K-llama2c"));
        Path bin = raw.resolve("stories260K.bin");
        Path tok = raw.resolve("tok512.bin");
        List<Model> models = new ArrayList<>();
        models.add(new Model("stories260K", bin, tok, storiesCheckpoint, Llama2cCheckpoint.readHeader(bin), 128,
                options.warmup(), options.runs()));
        if (!options.quick()) {
            models.add(random("6M", SHAPE_6M, tok, 128, options.warmup(), options.runs()));
            models.add(random("85M", SHAPE_85M, tok, 32, 1, 3));
        }
        return models;
    }

    private Model random(String name, Llama2cHeader shape, Path tok, int tokens, int warmup, int runs) {
        Path dir = work.resolve("random-" + name);
        try {
            Files.createDirectories(dir);
            Path bin = Llama2cWriter.ensureRandom(dir.resolve("model-seed" + SEED + ".bin"), shape, SEED);
            Path hf = work.resolve("random-" + name + "-hf");
            Path ckpt = work.resolve("random-" + name + "-checkpoint");
            if (!Files.isRegularFile(ckpt.resolve("quietstar.json"))) {
                if (!Files.isDirectory(hf)) {
                    Llama2cConverter.convert(bin, tok, hf);
                }
                try (QuietStarModel model = DjlTrainerFactory.openModel(new ModelSource.HuggingFace(hf),
                        QuietStarConfig.official(), Device.cpu())) {
                    model.save(ckpt, null);
                }
            }
            return new Model(name, bin, tok, ckpt, shape, tokens, warmup, runs);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the random " + name + " model in " + dir, e);
        }
    }
}
