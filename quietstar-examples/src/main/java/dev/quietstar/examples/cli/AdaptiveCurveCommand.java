package dev.quietstar.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quietstar.api.ComputeDevice;
import dev.quietstar.api.Dataset;
import dev.quietstar.api.ModelSource;
import dev.quietstar.api.Reasoner;
import dev.quietstar.api.spi.BackendProvider;
import dev.quietstar.core.data.TextDatasets;
import dev.quietstar.core.eval.EvalExample;
import dev.quietstar.core.eval.EvalSets;
import dev.quietstar.core.infer.SteppedReasoner;
import dev.quietstar.core.infer.ThinkingPolicies;
import dev.quietstar.core.io.BoundedFiles;
import dev.quietstar.core.io.OutputFolder;
import dev.quietstar.examples.adaptive.AdaptiveCurve;
import dev.quietstar.examples.adaptive.AdaptiveCurveRunner;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Sweeps the thinking gate's threshold on held-out data and writes the curve of thought tokens per token against
 * held-out NLL (and exact match on question sets), with always, once-at-trigger and never as reference points.
 */
@Command(name = "adaptive-curve", mixinStandardHelpOptions = true,
        description = "Measure adaptive thinking: thought tokens spent per token vs held-out NLL and exact match, "
                + "sweeping the thinking gate's threshold, against always, once-at-trigger and never.")
public final class AdaptiveCurveCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--checkpoint", required = true, paramLabel = "DIR",
            description = "Quiet-STaR checkpoint trained with the thinking gate (has thinking-gate.json).")
    Path checkpoint;

    @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "cpu",
            description = "Where the model runs: cpu (default), gpu or gpu:N, a GPU the backend's engine reports.")
    String device;

    @Option(names = "--backend", paramLabel = "NAME",
            description = "Backend to run the checkpoint on (djl-pytorch, onnxruntime; default: the best available "
                    + "one that opens it).")
    String backend;

    @Option(names = "--data", required = true, paramLabel = "FILE",
            description = "Held-out data: a JSONL question set (GSM8K or CommonsenseQA form) for answer NLL and exact "
                    + "match, or JSONL {\"text\"} / .txt texts for text NLL (no exact match).")
    Path data;

    @Option(names = "--thresholds", paramLabel = "LIST", split = ",",
            description = "Gate thresholds in nats (default: quantiles of the gate's predictions on the data that "
                    + "think before about 5, 10, 20, 30, 40, 50 and 70% of tokens).")
    List<String> thresholds;

    @Option(names = "--trigger", paramLabel = "TEXT", defaultValue = "A: ",
            description = "Prompt suffix after which the once reference thinks (default: '${DEFAULT-VALUE}').")
    String trigger;

    @Option(names = "--limit", paramLabel = "N", description = "Use only the first N examples or texts.")
    Integer limit;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the sampled thoughts (default: "
            + "${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--no-generate", description = "Skip greedy generation on question sets: no exact match.")
    boolean noGenerate;

    @Option(names = "--output", paramLabel = "DIR", defaultValue = "adaptive-curve",
            description = "Folder for curve.json, curve.md and the SVG charts (default: ${DEFAULT-VALUE}); a new or "
                    + "empty folder, or an earlier curve with --replace.")
    Path output;

    @Option(names = "--replace", description = "Replace an earlier adaptive-curve output in --output, atomically. A "
            + "folder holding anything else is never replaced.")
    boolean replace;

    /** Creates the command; picocli calls this. */
    public AdaptiveCurveCommand() {}

    @Override
    public Integer call() throws IOException {
        if (limit != null && limit < 1) {
            throw new IllegalArgumentException("--limit must be at least 1, was " + limit);
        }
        double[] chosen = null;
        if (thresholds != null) {
            chosen = new double[thresholds.size()];
            for (int i = 0; i < chosen.length; i++) {
                chosen[i] = ThinkingPolicies.adaptiveThreshold("adaptive:" + thresholds.get(i).trim());
            }
        }
        BoundedFiles.requireRegularFile(data, "--data", "pass a JSON Lines question set or a text file");
        boolean texts = isTextFile(data);
        try (OutputFolder.Claim claim = OutputFolder.builder(output, AdaptiveCurve.KIND).replaceExisting(replace)
                .input("--checkpoint", checkpoint).input("--data file", data).build().claim()) {
            return measure(texts, chosen, claim);
        }
    }

    private Integer measure(boolean texts, double[] chosen, OutputFolder.Claim claim) throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        long start = System.nanoTime();
        AdaptiveCurve curve;
        ModelSource source = new ModelSource.Checkpoint(checkpoint);
        BackendProvider provider = InferenceBackends.choose(backend, source);
        try (Reasoner reasoner = provider.create().openReasoner(source, ComputeDevice.parse(device));
                CommandProgress progress = new CommandProgress("adaptive-curve", err, System.console() != null)) {
            if (!(reasoner instanceof SteppedReasoner stepped)) {
                throw new IllegalArgumentException("backend '" + provider.name() + "' runs inference with its own "
                        + "loop, which the curve cannot drive; choose djl-pytorch or onnxruntime");
            }
            AdaptiveCurveRunner runner = new AdaptiveCurveRunner(stepped, seed);
            if (texts) {
                Dataset set = TextDatasets.fromFile(data);
                List<String> docs = new ArrayList<>();
                for (int i = 0; i < set.size() && (limit == null || i < limit); i++) {
                    docs.add(set.document(i));
                }
                curve = runner.texts(docs, chosen, progress, data.getFileName() + ": " + docs.size()
                        + " held-out texts, NLL of every token after the first; checkpoint " + checkpoint.getFileName());
            } else {
                List<EvalExample> examples = EvalSets.load(data);
                if (limit != null && limit < examples.size()) {
                    examples = examples.subList(0, limit);
                }
                curve = runner.answers(examples, chosen, trigger, !noGenerate, progress, data.getFileName() + ": "
                        + examples.size() + " held-out questions, teacher-forced answer NLL and greedy exact match; "
                        + "checkpoint " + checkpoint.getFileName());
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("checkpoint", checkpoint.toAbsolutePath().toString());
        extra.put("data", data.toAbsolutePath().toString());
        extra.put("seed", seed);
        extra.put("wallSeconds", seconds);
        AdaptiveCurve written = curve;
        claim.write(dir -> written.writeInto(dir, extra));
        out.print(curve.toMarkdown(List.of()));
        out.println();
        out.println("wrote " + output.resolve("curve.json") + ", curve.md and the charts ("
                + String.format(Locale.ROOT, "%.1f", seconds) + " s)");
        out.flush();
        return 0;
    }

    /** A {@code .txt} file, or JSONL whose first record has {@code text} and no {@code question}. */
    static boolean isTextFile(Path file) throws IOException {
        if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".txt")) {
            return true;
        }
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                try {
                    JsonNode n = new ObjectMapper().readTree(line);
                    return n != null && n.isObject() && n.has("text") && !n.has("question");
                } catch (IOException e) {
                    return false; // let the question-set loader report the malformed line
                }
            }
        }
        return false;
    }
}
