package dev.quietstar.examples.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.quietstar.api.ComputeDevice;
import dev.quietstar.api.ModelSource;
import dev.quietstar.api.Reasoner;
import dev.quietstar.api.spi.BackendProvider;
import dev.quietstar.core.eval.AnswerEvaluator;
import dev.quietstar.core.eval.EvalExample;
import dev.quietstar.core.eval.EvalRow;
import dev.quietstar.core.eval.EvalSets;
import dev.quietstar.core.eval.EvalSetting;
import dev.quietstar.core.eval.EvalSummary;
import dev.quietstar.core.eval.SettingResult;
import dev.quietstar.core.infer.SteppedReasoner;
import dev.quietstar.core.infer.ThinkingPolicies;
import dev.quietstar.core.io.DiskFull;
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
 * Evaluates a checkpoint on a GSM8K- or CommonsenseQA-format question set, with and without thinking.
 *
 * <p>Writes {@code summary.json} and {@code summary.md} ({@link EvalSummary}) and {@code details.json} (every
 * metric of every setting, with the per-example results) to the output folder, and prints the Markdown table.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate a checkpoint on a JSONL question set (GSM8K or CommonsenseQA form) with thinking "
                + "off and on: answer NLL, token accuracy, answer probability, greedy exact match.")
public final class EvalCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
    ModelOption model;

    @Option(names = "--data", required = true, paramLabel = "FILE",
            description = "JSON Lines question set: GSM8K {question, answer with '#### n'} or CommonsenseQA "
                    + "{question, choices, answerKey}.")
    Path data;

    @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "cpu",
            description = "Where the model runs: cpu (default), gpu or gpu:N, a GPU the backend's engine reports.")
    String device;

    @Option(names = "--backend", paramLabel = "NAME",
            description = "Backend to run the model on (djl-pytorch, onnxruntime; see 'quietstar backends'). Default: "
                    + "QUIETSTAR_BACKEND, -Dquietstar.backend, else the best available backend that opens the model "
                    + "(onnxruntime for an exported folder).")
    String backend;

    @Option(names = "--limit", paramLabel = "N", description = "Evaluate only the first N questions.")
    Integer limit;

    private static final String DEFAULT_SETTINGS = "off,every,once";

    @Option(names = "--settings", paramLabel = "LIST",
            description = "Comma-separated settings among off, every, once, constant, constant-once, "
                    + "adaptive[:THRESHOLD] (default: " + DEFAULT_SETTINGS + "; off alone for --model-hf).")
    String settings;

    @Option(names = "--think", paramLabel = "MODE",
            description = "Evaluate one thinking policy: every, never, once or adaptive[:THRESHOLD] (think only where "
                    + "the checkpoint's thinking gate predicts a gain above THRESHOLD nats, default 0). Same as "
                    + "--settings with one entry.")
    String think;

    @Option(names = "--trigger", paramLabel = "TEXT", defaultValue = "A: ",
            description = "Prompt suffix after which 'once' thinks (default: '${DEFAULT-VALUE}').")
    String trigger;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the sampled thoughts (default: "
            + "${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--batch-size", defaultValue = "8", paramLabel = "N",
            description = "Questions generated together (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--margin", defaultValue = "16", paramLabel = "N",
            description = "Tokens generation may write beyond the gold answer's length (default: ${DEFAULT-VALUE}).")
    int margin;

    @Option(names = "--constant-token", paramLabel = "ID",
            description = "Token id of the constant-thought ablation (default: the token of a space).")
    Integer constantToken;

    @Option(names = "--no-generate", description = "Skip greedy generation: no exact match or tokens/s, faster.")
    boolean noGenerate;

    @Option(names = "--output", paramLabel = "DIR", defaultValue = "eval-output",
            description = "Folder for summary.json, summary.md and details.json (default: ${DEFAULT-VALUE}).")
    Path output;

    /** Creates the command; picocli calls this. */
    public EvalCommand() {}

    @Override
    public Integer call() throws IOException {
        ModelSource source = model.source();
        if (limit != null && limit < 1) {
            throw new IllegalArgumentException("--limit must be at least 1, was " + limit);
        }
        // A plain model's mixing head outputs exactly 0: thinking settings would repeat the "off" numbers.
        if (think != null && settings != null) {
            throw new IllegalArgumentException("--think and --settings both choose settings; use one (--settings "
                    + "accepts adaptive[:THRESHOLD] too)");
        }
        String thinkSetting = think == null ? null
                : think.trim().equalsIgnoreCase("never") ? "off" : think.trim();
        if (thinkSetting != null) {
            ThinkingPolicies.parse(thinkSetting, trigger); // rejects a malformed mode with the allowed forms
        }
        List<EvalSetting> chosen = EvalSetting.parse(thinkSetting != null ? thinkSetting
                : settings != null ? settings : model.plain() ? "off" : DEFAULT_SETTINGS, trigger);
        List<EvalExample> examples = EvalSets.load(data);
        if (limit != null && limit < examples.size()) {
            examples = examples.subList(0, limit);
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<SettingResult> results;
        long start = System.nanoTime();
        BackendProvider provider = InferenceBackends.choose(backend, source);
        try (Reasoner reasoner = provider.create().openReasoner(source, ComputeDevice.parse(device))) {
            if (!(reasoner instanceof SteppedReasoner stepped)) {
                throw new IllegalArgumentException("backend '" + provider.name() + "' runs inference with its own "
                        + "loop rather than core's decoder step, so the evaluator cannot drive it; choose a backend "
                        + "whose reasoner is a SteppedReasoner (djl-pytorch, onnxruntime)");
            }
            AnswerEvaluator.Builder builder = AnswerEvaluator.builder(stepped).optSeed(seed).optBatchSize(batchSize)
                    .optGenerationMargin(margin).optExactMatch(!noGenerate);
            if (constantToken != null) {
                builder.optConstantThoughtId(constantToken);
            }
            AnswerEvaluator evaluator = builder.build();
            try (CommandProgress progress = new CommandProgress("eval", err, System.console() != null)) {
                results = evaluator.evaluate(examples, chosen, progress);
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        String dataset = data.getFileName() + " (" + examples.size() + " questions)";
        List<EvalRow> rows = results.stream().map(SettingResult::toEvalRow).toList();
        EvalSummary summary = new EvalSummary(dataset, rows);
        String markdown = summary.toMarkdown() + "\n" + detailsTable(results);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("dataset", dataset);
        details.put("model", model.folder().toAbsolutePath().toString());
        details.put("backend", provider.name());
        details.put("data", data.toAbsolutePath().toString());
        details.put("seed", seed);
        details.put("wallSeconds", seconds);
        details.put("settings", results);
        try {
            Files.createDirectories(output);
            summary.writeJson(output.resolve("summary.json"));
            Files.writeString(output.resolve("summary.md"), markdown, StandardCharsets.UTF_8);
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValue(output.resolve("details.json").toFile(), details);
        } catch (IOException e) {
            throw DiskFull.describe(e, output, "summary.json there is whole (old or new), summary.md and "
                    + "details.json may be incomplete");
        }
        out.print(markdown);
        out.println();
        out.println("wrote " + output.resolve("summary.json") + ", summary.md and details.json ("
                + String.format(Locale.ROOT, "%.1f", seconds) + " s)");
        out.flush();
        return 0;
    }

    /** The measurements the engine-neutral table has no column for. */
    private static String detailsTable(List<SettingResult> results) {
        StringBuilder md = new StringBuilder();
        md.append("| setting | token accuracy | mean mixing weight |\n|---|---:|---:|\n");
        List<String> lines = new ArrayList<>();
        for (SettingResult r : results) {
            lines.add("| " + r.setting().replace("|", "\\|") + " | "
                    + String.format(Locale.ROOT, "%.1f%%", 100 * r.tokenAccuracy()) + " | "
                    + (Double.isNaN(r.meanMixingWeight()) ? "—"
                            : String.format(Locale.ROOT, "%.4f", r.meanMixingWeight())) + " |\n");
        }
        lines.forEach(md::append);
        return md.toString();
    }
}
