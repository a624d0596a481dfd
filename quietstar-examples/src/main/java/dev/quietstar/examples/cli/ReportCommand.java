package dev.quietstar.examples.cli;

import dev.quietstar.api.ComputeDevice;
import dev.quietstar.api.ModelSource;
import dev.quietstar.api.Reasoner;
import dev.quietstar.api.StepMetrics;
import dev.quietstar.api.TextScore;
import dev.quietstar.api.spi.BackendProvider;
import dev.quietstar.core.io.BoundedFiles;
import dev.quietstar.core.io.OutputFile;
import dev.quietstar.core.report.ThoughtReport;
import dev.quietstar.core.train.MetricsJsonlWriter;
import dev.quietstar.examples.adaptive.AdaptiveCurve;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Writes the thought report of a checkpoint on a text: a self-contained HTML page with every token coloured by
 * how much thinking changed its log-probability, the thought before each token, and the training curves. The file
 * follows core's {@link OutputFile} policy: written atomically, an earlier report replaced only with
 * {@code --replace}, any other file refused.
 */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Score a text with and without thinking and write a self-contained HTML thought report, "
                + "with training curves from a metrics JSONL file.")
public final class ReportCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
    ModelOption model;

    @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "cpu",
            description = "Where the model runs: cpu (default), gpu or gpu:N, a GPU the backend's engine reports.")
    String device;

    @Option(names = "--backend", paramLabel = "NAME",
            description = "Backend to run the model on (djl-pytorch, onnxruntime; see 'quietstar backends'). Default: "
                    + "QUIETSTAR_BACKEND, else onnxruntime for an exported folder, else the best-ranked one.")
    String backend;

    @Option(names = "--text", paramLabel = "TEXT", description = "Text to score.")
    String text;

    @Option(names = "--text-file", paramLabel = "FILE", description = "File holding the text to score (UTF-8).")
    Path textFile;

    /** The largest text file accepted: far more than any model's context holds. */
    static final long MAX_TEXT_BYTES = 16L * 1024 * 1024;

    @Option(names = "--metrics", paramLabel = "FILE",
            description = "metrics.jsonl of a training run, drawn as charts.")
    Path metrics;

    @Option(names = "--adaptive-curve", paramLabel = "FILE",
            description = "A curve.json written by 'quietstar adaptive-curve': adds its charts and verdict.")
    Path adaptiveCurve;

    @Option(names = "--title", paramLabel = "TEXT", defaultValue = "Quiet-STaR thought report",
            description = "Page title (default: ${DEFAULT-VALUE}).")
    String title;

    @Option(names = "--output", required = true, paramLabel = "FILE",
            description = "HTML file to write: a new file, or an earlier report with --replace.")
    Path output;

    @Option(names = "--replace", description = "Replace an earlier report at --output, atomically. A file that is not "
            + "a quietstar report is never overwritten.")
    boolean replace;

    /** Creates the command; picocli calls this. */
    public ReportCommand() {}

    @Override
    public Integer call() throws IOException {
        ModelSource source = model.source();
        if ((text == null) == (textFile == null)) {
            throw new IllegalArgumentException("give the text to score with exactly one of --text or --text-file");
        }
        // A text to score fits the model's context: a bounded read refuses /dev/zero, FIFOs and huge files up front.
        String scored = text != null ? text : BoundedFiles.readUtf8(textFile, MAX_TEXT_BYTES, "--text-file");
        if (metrics != null) {
            BoundedFiles.requireRegularFile(metrics, "--metrics", "pass the metrics.jsonl of a training run");
        }
        List<StepMetrics> steps = metrics == null ? List.of() : MetricsJsonlWriter.read(metrics);
        try (OutputFile.Claim claim = OutputFile.builder(output, ThoughtReport.KIND).replaceExisting(replace)
                .input("model", model.folder()).input("--text-file", textFile).input("--metrics file", metrics)
                .input("--adaptive-curve file", adaptiveCurve).build().claim()) {
            return report(source, scored, steps, claim);
        }
    }

    private Integer report(ModelSource source, String scored, List<StepMetrics> steps, OutputFile.Claim claim)
            throws IOException {
        BackendProvider provider = InferenceBackends.choose(backend, source);
        TextScore score;
        try (Reasoner reasoner = provider.create().openReasoner(source, ComputeDevice.parse(device))) {
            score = reasoner.score(scored);
        }
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("model", model.folder().toAbsolutePath().toString());
        info.put("backend", provider.name());
        info.put("scored tokens", score.tokenIds().size());
        if (metrics != null) {
            info.put("metrics", metrics.toAbsolutePath().toString());
        }
        info.put("written", Instant.now().toString());
        Path target = output.toAbsolutePath();
        AdaptiveCurve curve = adaptiveCurve == null ? null : AdaptiveCurve.read(adaptiveCurve);
        if (curve != null) {
            info.put("adaptive thinking", curve.description() + ". " + curve.verdict());
        }
        ThoughtReport.Builder report = ThoughtReport.builder().title(title).score(score).steps(steps).runInfo(info);
        if (curve != null) {
            // The charts are rebuilt from the curve's numbers, never copied from a file.
            report.figure("Adaptive thinking: paired NLL vs thought tokens", curve.chart("nll"));
            if (curve.references().stream().anyMatch(p -> !Double.isNaN(p.exactMatch()))) {
                report.figure("Adaptive thinking: exact match vs thought tokens", curve.chart("exactMatch"));
            }
        }
        claim.write(report.build().toHtml());
        PrintWriter out = spec.commandLine().getOut();
        out.printf("scored %d tokens: log-prob %.3f without thinking, %.3f with thinking%n", score.tokenIds().size(),
                score.baseTotal(), score.thinkTotal());
        out.println("wrote " + target);
        out.flush();
        return 0;
    }
}
