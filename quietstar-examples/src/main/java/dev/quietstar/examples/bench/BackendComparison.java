package dev.quietstar.examples.bench;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.quietstar.api.GenerationOptions;
import dev.quietstar.api.GenerationResult;
import dev.quietstar.api.ModelSource;
import dev.quietstar.api.Reasoner;
import dev.quietstar.api.ThinkingPolicy;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.api.spi.QuietStarBackend;
import dev.quietstar.core.backend.Backends;
import dev.quietstar.core.checkpoint.CheckpointInfo;
import dev.quietstar.core.io.OutputFolder;
import dev.quietstar.core.io.OutputKind;
import dev.quietstar.djl.infer.DjlReasoner;
import dev.quietstar.djl.thought.QuietStarModel;
import dev.quietstar.djl.train.DjlTrainerFactory;
import dev.quietstar.onnx.infer.OnnxReasoner;
import dev.quietstar.onnx.infer.OnnxRuntimeSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Measures decode speed of the DJL and the ONNX Runtime backends side by side in one run, on one checkpoint (the
 * {@code bench-backends} command).
 *
 * <p>This is benchmark code that measures the two shipped backends, so it reaches into their classes where the
 * public SPI has no equivalent: equipping a plain model for Quiet-STaR before saving it (djl-pytorch), and handing
 * the DJL tokenizer to an ONNX export whose tokenizer needs the HuggingFace library.
 *
 * <p>The checkpoint is exported to ONNX first (unless an export is given); a plain model is first equipped for
 * Quiet-STaR with a mixing head at zero and saved as a checkpoint. Each backend opens its reasoner and generates once
 * to warm up; then, for every round, each backend in turn generates the given number of tokens after every prompt,
 * greedily, once without thinking and once thinking before every token. The decode speed is generated tokens divided
 * by wall time summed over the rounds (prompt prefill included, it is a few tokens); the ratio ONNX / DJL is
 * reported per mode. The backends alternate within each round so that both see the same machine load.
 */
public final class BackendComparison {

    private static final List<String> PROMPTS = List.of("Q: 12+34\nA: ", "The cat sat on the", "Once upon a time");

    /** What the comparison writes; folders written before the marker existed are recognised by its two files. */
    public static final OutputKind KIND = OutputKind.folder("bench-backends", "bench-backends output",
            "bench-backends.json", "bench-backends.md");

    private BackendComparison() {}

    /**
     * Runs the comparison and prints its table.
     *
     * @param source the model
     * @param folder the model's folder
     * @param plain whether the model is a plain pretrained one (not a checkpoint)
     * @param onnx an export of the checkpoint, or null to export it to a temporary folder
     * @param tokens tokens per generation, at least 1
     * @param rounds timed rounds, at least 1
     * @param output a new or empty folder for bench-backends.json and .md, or null
     * @param out where the table goes
     * @throws IOException when a file cannot be written
     */
    public static void run(ModelSource source, Path folder, boolean plain, Path onnx, int tokens, int rounds,
            Path output, PrintWriter out) throws IOException {
        run(source, folder, plain, onnx, tokens, rounds, output, false, out);
    }

    /**
     * Runs the comparison, prints its table and writes it to a folder under core's {@link OutputFolder} policy:
     * atomically; an earlier comparison is replaced only when {@code replaceExisting}; any other non-empty folder is
     * refused (before anything is measured) and left untouched.
     *
     * @param source the model
     * @param folder the model's folder
     * @param plain whether the model is a plain pretrained one (not a checkpoint)
     * @param onnx an export of the checkpoint, or null to export it to a temporary folder
     * @param tokens tokens per generation, at least 1
     * @param rounds timed rounds, at least 1
     * @param output folder for bench-backends.json and .md, or null
     * @param replaceExisting whether an earlier comparison in {@code output} is replaced instead of refused
     * @param out where the table goes
     * @throws IOException when a file cannot be written
     * @throws IllegalArgumentException naming the folder when the policy refuses it
     * @throws IllegalStateException when another writer is writing the folder
     */
    public static void run(ModelSource source, Path folder, boolean plain, Path onnx, int tokens, int rounds,
            Path output, boolean replaceExisting, PrintWriter out) throws IOException {
        if (tokens < 1 || rounds < 1) {
            throw new IllegalArgumentException("--tokens and --rounds must be at least 1, were " + tokens + " and "
                    + rounds);
        }
        if (output == null) {
            measure(source, folder, plain, onnx, tokens, rounds, null, out);
            return;
        }
        try (OutputFolder.Claim claim = OutputFolder.builder(output, KIND).replaceExisting(replaceExisting)
                .input("model", folder).input("--onnx export", onnx).build().claim()) {
            measure(source, folder, plain, onnx, tokens, rounds, claim, out);
        }
    }

    private static void measure(ModelSource source, Path folder, boolean plain, Path onnx, int tokens, int rounds,
            OutputFolder.Claim claim, PrintWriter out) throws IOException {
        Backends backends = Backends.discover();
        QuietStarBackend djl = backends.byName("djl-pytorch").create();
        QuietStarBackend ort = backends.byName("onnxruntime").create();
        Path tmp = Files.createTempDirectory("quietstar-bench-backends");
        Path checkpoint = folder;
        if (plain) {
            // A plain model is equipped for Quiet-STaR (meta-tokens, a mixing head at zero) and saved, so both
            // backends run the same checkpoint.
            checkpoint = tmp.resolve("checkpoint");
            try (QuietStarModel m = DjlTrainerFactory.openModel(source, QuietStarConfig.official(), Device.cpu())) {
                m.save(checkpoint, null);
            }
        }
        Path exported = onnx != null ? onnx : ort.export(checkpoint, tmp.resolve("onnx"));
        GenerationOptions noThinking = GenerationOptions.defaults(tokens).withThinking(ThinkingPolicy.never());
        GenerationOptions thinking = GenerationOptions.defaults(tokens);
        String[] modes = {"no thinking", "thinking every token"};
        GenerationOptions[] options = {noThinking, thinking};
        long[][] nanos = new long[2][2];
        long[][] generated = new long[2][2];
        boolean sameTokens = true;
        double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        try (Reasoner a = djl.openReasoner(checkpoint); Reasoner b = openOnnx(ort, exported, a)) {
            Reasoner[] reasoners = {a, b};
            for (Reasoner r : reasoners) {
                for (GenerationOptions o : options) {
                    r.generate(PROMPTS.get(0), o);
                }
            }
            for (int round = 0; round < rounds; round++) {
                for (int m = 0; m < 2; m++) {
                    for (String p : PROMPTS) {
                        List<Integer> first = null;
                        for (int e = 0; e < 2; e++) {
                            long start = System.nanoTime();
                            GenerationResult res = reasoners[e].generate(p, options[m]);
                            nanos[e][m] += System.nanoTime() - start;
                            generated[e][m] += res.tokenIds().size();
                            if (e == 0) {
                                first = res.tokenIds();
                            } else {
                                sameTokens &= res.tokenIds().equals(first);
                            }
                        }
                    }
                }
            }
        } finally {
            deleteTree(tmp);
        }
        double loadAfter = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        StringBuilder md = new StringBuilder();
        md.append("| mode | djl-pytorch tokens/s | onnxruntime tokens/s | onnxruntime / djl-pytorch |\n");
        md.append("|---|---:|---:|---:|\n");
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int m = 0; m < 2; m++) {
            double djlRate = generated[0][m] / (nanos[0][m] / 1e9);
            double ortRate = generated[1][m] / (nanos[1][m] / 1e9);
            md.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.2fx |%n", modes[m], djlRate, ortRate,
                    ortRate / djlRate));
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("mode", modes[m]);
            row.put("djlTokensPerSecond", djlRate);
            row.put("onnxTokensPerSecond", ortRate);
            row.put("ratio", ortRate / djlRate);
            row.put("tokensPerBackend", generated[0][m]);
            rows.add(row);
        }
        String note = String.format(Locale.ROOT, "%d prompts x %d rounds x %d tokens, greedy output; both backends "
                + "generated %s tokens; %d processors, system load average %.1f before and %.1f after.%n",
                PROMPTS.size(), rounds, tokens, sameTokens ? "the same" : "DIFFERENT",
                Runtime.getRuntime().availableProcessors(), loadBefore, loadAfter);
        out.print(md);
        out.print(note);
        if (claim != null) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("model", folder.toAbsolutePath().toString());
            json.put("tokens", tokens);
            json.put("rounds", rounds);
            json.put("prompts", PROMPTS);
            json.put("sameTokens", sameTokens);
            json.put("processors", Runtime.getRuntime().availableProcessors());
            json.put("loadAverageBefore", loadBefore);
            json.put("loadAverageAfter", loadAfter);
            json.put("written", Instant.now().toString());
            json.put("rows", rows);
            claim.write(dir -> {
                new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                        .writeValue(dir.resolve("bench-backends.json").toFile(), json);
                Files.writeString(dir.resolve("bench-backends.md"), md + "\n" + note, StandardCharsets.UTF_8);
            });
            out.println("wrote " + claim.target().resolve("bench-backends.json") + " and bench-backends.md");
        }
        out.flush();
    }

    /**
     * The ONNX reasoner; an export whose tokenizer needs the HuggingFace tokenizers library gets the DJL reasoner's
     * tokenizer (the ONNX backend itself ships only the byte-level one).
     */
    private static Reasoner openOnnx(QuietStarBackend ort, Path exported, Reasoner djl) {
        if (CheckpointInfo.BYTE_LEVEL.equals(CheckpointInfo.read(exported).tokenizerType())) {
            return ort.openReasoner(exported);
        }
        return OnnxReasoner.open(exported, OnnxRuntimeSettings.defaults(), ((DjlReasoner) djl).model().tokenizer());
    }

    private static void deleteTree(Path root) throws IOException {
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
