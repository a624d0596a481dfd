package dev.quietstar.examples.bench;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quietstar.api.ModelSource;
import dev.quietstar.api.StepMetrics;
import dev.quietstar.api.TrainingListener;
import dev.quietstar.api.config.PositionsConfig;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.api.config.TrainingConfig;
import dev.quietstar.core.data.TextDatasets;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.thought.ParallelThoughtGenerator;
import dev.quietstar.djl.thought.QuietStarModel;
import dev.quietstar.djl.thought.ReinforceRewardEstimator;
import dev.quietstar.djl.train.DjlTrainer;
import dev.quietstar.djl.train.DjlTrainerFactory;
import dev.quietstar.examples.data.ArithmeticCorpus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Figure 1 in a process of its own, so that its peak resident memory is its own: full Quiet-STaR training steps
 * (forward, backward, gradient clip, AdamW) of the benchmark model at one sequence length and attention layout.
 * {@link #launch} starts it from the benchmark run and reads its result.
 *
 * <p>Arguments: {@code DENSE|DIAGONAL L warmupSteps measuredSteps outputDir [positions]}, where the optional
 * positions are {@code ALL} (the default) or {@code RANDOM:k} (think at k random positions per row, see
 * {@link PositionsCost}). Prints one JSON object: the seconds of every measured step, thought tokens per second of
 * every measured step, and the peak resident set size.
 */
public final class TrainStepWorker {

    private TrainStepWorker() {}

    /**
     * The benchmark configuration of figure 1: V 261, H 128, 4 layers, 4 heads, B 4, thoughtLength 5,
     * lookahead 4, P 2.
     *
     * @param sequenceLength L
     * @param steps optimiser steps
     * @return the configuration
     */
    static QuietStarConfig config(int sequenceLength, int steps) {
        QuietStarConfig s = QuietStarConfig.smallModel();
        return s.withShape(5, 4, 2, sequenceLength)
                .withTraining(TrainingConfig.official().withSteps(steps).withBatch(4, 4).withSeed(1)
                        .withCheckpointEvery(0));
    }

    /**
     * Runs the measurement.
     *
     * @param args layout, L, warm-up steps, measured steps, output folder
     * @throws IOException when the output folder cannot be written
     */
    public static void main(String[] args) throws IOException {
        ParallelThoughtGenerator.AttentionLayout layout = ParallelThoughtGenerator.AttentionLayout.valueOf(args[0]);
        int len = Integer.parseInt(args[1]);
        int warmup = Integer.parseInt(args[2]);
        int measured = Integer.parseInt(args[3]);
        Path out = Path.of(args[4]);
        DjlEngines.pytorch();
        QuietStarConfig config = config(len, warmup + measured);
        if (args.length > 5 && args[5].startsWith("RANDOM:")) {
            config = config.withPositions(PositionsConfig.random(Integer.parseInt(args[5].substring(7))));
        } else if (args.length > 5 && !"ALL".equals(args[5])) {
            throw new IllegalArgumentException("positions must be ALL or RANDOM:k, was " + args[5]);
        }
        List<String> docs = new ArrayList<>();
        List<String> problems = ArithmeticCorpus.builder().optSeed(5).optTrainDocuments(4000).build().train();
        // Documents longer than L, so every window is full and no token is padding.
        for (int i = 0; i + 40 <= problems.size(); i += 40) {
            docs.add(String.join("\n", problems.subList(i, i + 40)));
        }
        List<Double> seconds = new ArrayList<>();
        List<Double> thoughtRates = new ArrayList<>();
        try (QuietStarModel model = DjlTrainerFactory.openModel(new ModelSource.Tiny(Benchmarks.BENCH_MODEL), config,
                Device.cpu());
                DjlTrainer trainer = new DjlTrainer(model, config, out, new ReinforceRewardEstimator())
                        .withAttentionLayout(layout)) {
            long[] last = {System.nanoTime()};
            trainer.addListener(new TrainingListener() {
                @Override
                public void onStep(StepMetrics m) {
                    long now = System.nanoTime();
                    if (m.step() > warmup) {
                        seconds.add((now - last[0]) / 1e9);
                        thoughtRates.add(m.thoughtTokensPerSecond());
                    }
                    last[0] = now;
                }
            });
            trainer.train(TextDatasets.fromStrings("arithmetic", docs));
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("stepSeconds", seconds);
        r.put("thoughtTokensPerSecond", thoughtRates);
        r.put("peakRssBytes", peakRssBytes());
        System.out.println(new ObjectMapper().writeValueAsString(r));
    }

    /** VmHWM of this process from /proc, or -1 where /proc is not there. */
    static long peakRssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /**
     * Runs this worker in a child JVM with the current class path and DJL settings and returns what it printed.
     *
     * @param layout {@code DENSE} or {@code DIAGONAL}
     * @param len L
     * @param warmup unmeasured steps
     * @param runs measured steps
     * @param dir the worker's output folder
     * @return the worker's JSON result
     */
    static JsonNode launch(String layout, int len, int warmup, int runs, Path dir) {
        return launch(layout, len, warmup, runs, dir, "ALL");
    }

    /**
     * Like {@link #launch(String, int, int, int, Path)}, thinking at some positions only.
     *
     * @param layout {@code DENSE} or {@code DIAGONAL}
     * @param len L
     * @param warmup unmeasured steps
     * @param runs measured steps
     * @param dir the worker's output folder
     * @param positions {@code ALL} or {@code RANDOM:k}
     * @return the worker's JSON result
     */
    static JsonNode launch(String layout, int len, int warmup, int runs, Path dir, String positions) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx2g");
        System.getProperties().forEach((k, v) -> {
            String key = k.toString();
            if (key.startsWith("ai.djl") || key.startsWith("DJL") || key.startsWith("ENGINE")) {
                cmd.add("-D" + key + "=" + v);
            }
        });
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(TrainStepWorker.class.getName());
        cmd.add(layout);
        cmd.add(String.valueOf(len));
        cmd.add(String.valueOf(warmup));
        cmd.add(String.valueOf(runs));
        cmd.add(dir.toString());
        cmd.add(positions);
        try {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IllegalStateException("the training-step worker (" + layout + ", L " + len + ") failed "
                        + "with exit code " + p.exitValue() + "; run it by hand to see why: " + String.join(" ", cmd));
            }
            String json = stdout.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow(() ->
                    new IllegalStateException("the training-step worker printed no result: " + stdout));
            return new ObjectMapper().readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run the training-step worker", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the training-step worker ran", e);
        }
    }

    /** The numbers of a JSON array. */
    static double[] doubles(JsonNode array) {
        double[] v = new double[array.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = array.get(i).asDouble();
        }
        return v;
    }
}
