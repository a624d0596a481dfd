package dev.quietstar.examples.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quietstar.api.GenerationOptions;
import dev.quietstar.api.ModelSource;
import dev.quietstar.api.Reasoner;
import dev.quietstar.api.ThinkingPolicy;
import dev.quietstar.core.backend.Backends;
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
 * Figure 7's decode in a process of its own, so that its peak resident memory is that of one backend generating with
 * one model: opens the checkpoint on the backend, then times greedy generations without thinking.
 *
 * <p>Arguments: {@code backend checkpointDir prompt tokens warmupRuns measuredRuns}. Prints one JSON object: the
 * seconds and the generated tokens of every measured run, the seconds the open took, and the peak resident set size
 * ({@code VmHWM}, the load included).
 */
public final class GenerationWorker {

    private GenerationWorker() {}

    /**
     * Runs the measurement.
     *
     * @param args backend, checkpoint folder, prompt, tokens, warm-up runs, measured runs
     * @throws IOException when the result cannot be printed
     */
    public static void main(String[] args) throws IOException {
        String backend = args[0];
        Path checkpoint = Path.of(args[1]);
        String prompt = args[2];
        int tokens = Integer.parseInt(args[3]);
        int warmup = Integer.parseInt(args[4]);
        int runs = Integer.parseInt(args[5]);
        GenerationOptions plain = GenerationOptions.defaults(tokens).withThinking(ThinkingPolicy.never());
        List<Double> seconds = new ArrayList<>();
        List<Integer> produced = new ArrayList<>();
        long t0 = System.nanoTime();
        double loadSeconds;
        try (Reasoner r = Backends.discover().byName(backend).create()
                .openReasoner(new ModelSource.Checkpoint(checkpoint))) {
            loadSeconds = (System.nanoTime() - t0) / 1e9;
            for (int i = -warmup; i < runs; i++) {
                long s = System.nanoTime();
                int n = r.generate(prompt, plain).tokenIds().size();
                if (i >= 0) {
                    seconds.add((System.nanoTime() - s) / 1e9);
                    produced.add(n);
                }
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("seconds", seconds);
        out.put("tokens", produced);
        out.put("loadSeconds", loadSeconds);
        out.put("peakRssBytes", TrainStepWorker.peakRssBytes());
        System.out.println(new ObjectMapper().writeValueAsString(out));
    }

    /**
     * Runs this worker in a child JVM with the current class path and the engines' settings and returns what it
     * printed; its stderr goes to a log file.
     *
     * @param backend the backend's name
     * @param checkpoint the checkpoint folder
     * @param prompt the prompt
     * @param tokens tokens per generation
     * @param warmup unmeasured generations
     * @param runs measured generations
     * @param log the file the worker's stderr goes to
     * @return the worker's JSON result
     */
    static JsonNode launch(String backend, Path checkpoint, String prompt, int tokens, int warmup, int runs,
            Path log) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx3g");
        System.getProperties().forEach((k, v) -> {
            String key = k.toString();
            if (key.startsWith("ai.djl") || key.startsWith("DJL") || key.startsWith("ENGINE")
                    || key.startsWith("quietstar.")) {
                cmd.add("-D" + key + "=" + v);
            }
        });
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(GenerationWorker.class.getName());
        cmd.addAll(List.of(backend, checkpoint.toString(), prompt, Integer.toString(tokens), Integer.toString(warmup),
                Integer.toString(runs)));
        try {
            Files.createDirectories(log.getParent());
            Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
            String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IllegalStateException("the generation worker (" + backend + ", " + checkpoint.getFileName()
                        + ") failed with exit code " + p.exitValue() + "; see " + log);
            }
            String json = stdout.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow(() ->
                    new IllegalStateException("the generation worker printed no result; see " + log));
            return new ObjectMapper().readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run the generation worker", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the generation worker ran", e);
        }
    }
}
