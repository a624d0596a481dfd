package dev.quietstar.examples.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.quietstar.core.io.OutputFile;
import dev.quietstar.core.io.OutputFolder;
import dev.quietstar.core.io.OutputKind;
import dev.quietstar.examples.bench.BenchEnvironment;
import dev.quietstar.examples.bench.Benchmarks;
import dev.quietstar.examples.bench.Report;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Measures the library's speed and memory (see {@link Benchmarks}) and writes {@code bench.json} and
 * {@code docs/benchmarks.md}.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure training steps, parallel thought generation, cached thinking generation, thinking "
                + "overhead, decode speed of every backend, evaluation throughput and decode at real model shapes "
                + "against llama2.c's run.c and the memory bandwidth, each comparison side by side in one run.",
            "--quick prints the table of a subset in a few minutes; the full run also writes bench.json, "
                    + "benchmarks.md and its charts."})
public final class BenchCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--quick", description = "A subset of the cases with fewer runs: prints the table only.")
    boolean quick;

    @Option(names = "--docs", paramLabel = "DIR", defaultValue = "docs",
            description = "Where the full run writes bench.json, benchmarks.md and images/ "
                    + "(default: ${DEFAULT-VALUE}).")
    Path docs;

    @Option(names = "--runs", paramLabel = "N", description = "Measured runs per case (default: 7, --quick 5).")
    Integer runs;

    @Option(names = "--figure", paramLabel = "N", split = ",",
            description = "Run only these figures (1 to 7, repeatable or comma-separated).")
    java.util.Set<Integer> figures = new java.util.TreeSet<>();

    @Option(names = "--work", paramLabel = "DIR", defaultValue = "bench-work",
            description = "Scratch folder for models and worker outputs (default: ${DEFAULT-VALUE}); a new or empty "
                    + "folder, or an earlier bench scratch folder, whose models are reused.")
    Path work;

    @Option(names = "--replace", description = "Replace the bench.json, benchmarks.md and bench-*.svg of an earlier "
            + "full run in --docs (each atomically). Files bench did not write are never overwritten.")
    boolean replace;

    /** The command line the report names; its line in benchmarks.md marks the file as the bench's. */
    static final String COMMAND = "java -jar quietstar-examples/target/quietstar.jar bench";

    /** {@code bench.json}: starts with its generator field (earlier files: with the bench's environment). */
    static final OutputKind JSON_KIND = OutputKind.file("bench-json", "bench.json of an earlier bench run",
            head -> head.strip().startsWith("{") && (head.contains("\"generator\" : \"quietstar bench\"")
                    || head.contains("\"wall time of this run\"")));
    /** {@code benchmarks.md}: names the command that produced it. */
    static final OutputKind MARKDOWN_KIND = OutputKind.file("bench-markdown",
            "benchmarks.md of an earlier bench run", head -> head.contains("Produced by `" + COMMAND + "`"));
    /** {@code images/bench-*.svg}: a chart of the library's chart classes. */
    static final OutputKind CHART_KIND = OutputKind.file("bench-chart", "bench chart",
            head -> head.startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\""));

    /** Creates the command; picocli calls this. */
    public BenchCommand() {}

    @Override
    public Integer call() throws IOException {
        Benchmarks.Options options = quick ? Benchmarks.Options.quickRun() : Benchmarks.Options.full();
        if (runs != null) {
            if (runs < (quick ? 1 : 5)) {
                throw new IllegalArgumentException("--runs must be at least " + (quick ? 1 : 5) + ", was " + runs);
            }
            options = new Benchmarks.Options(options.quick(), options.warmup(), runs, options.figures());
        }
        options = options.withFigures(figures);
        // The scratch folder is the bench's own cache: an earlier one is continued (its models are reused), anything
        // else is refused. The lock is held for the whole run, as are those of the two docs files named up front.
        try (OutputFolder.Claim scratch = OutputFolder.builder(work, Benchmarks.WORK_KIND).option("--work")
                .continueExisting(true).build().claim()) {
            List<OutputFile.Claim> claims = new ArrayList<>();
            try {
                if (!quick) {
                    claims.add(docsFile(docs.resolve("bench.json"), JSON_KIND).claim());
                    claims.add(docsFile(docs.resolve("benchmarks.md"), MARKDOWN_KIND).claim());
                }
                measure(options, scratch.openInPlace(), claims);
            } finally {
                for (OutputFile.Claim c : claims) {
                    c.close();
                }
            }
            scratch.commit();
        }
        return 0;
    }

    private static String readSmall(Path file) {
        return dev.quietstar.core.io.BoundedFiles.readUtf8(file, dev.quietstar.core.io.BoundedFiles.MAX_METADATA_BYTES,
                "benchmarks.md");
    }

    private OutputFile docsFile(Path file, OutputKind kind) {
        return OutputFile.builder(file, kind).option("--docs").replaceExisting(replace).build();
    }

    private void measure(Benchmarks.Options options, Path scratch, List<OutputFile.Claim> claims)
            throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        String loadBefore = BenchEnvironment.loadAverage();
        long t0 = System.nanoTime();
        List<Map<String, Object>> figures = new Benchmarks(options, scratch.toAbsolutePath(), out).run();
        double seconds = (System.nanoTime() - t0) / 1e9;
        Map<String, Object> environment = BenchEnvironment.describe();
        environment.put("wall time of this run", String.format(java.util.Locale.ROOT, "%.0f s", seconds));
        environment.put("load average (1, 5, 15 min) before / after", loadBefore + " / " + BenchEnvironment.loadAverage());
        out.printf("bench finished in %.0f s%n", seconds);
        if (!quick) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("generator", "quietstar bench");
            json.put("environment", environment);
            json.put("options", options);
            json.put("figures", figures);
            Map<String, String> files = Report.markdown(environment, figures, COMMAND);
            Path md = docs.resolve("benchmarks.md");
            files.computeIfPresent("benchmarks.md", (name, text) -> Report.withHandWritten(text,
                    java.nio.file.Files.isRegularFile(md) ? readSmall(md) : null));
            // Every chart is checked (and locked) before the first file is written, so a refusal writes nothing.
            for (Map.Entry<String, String> f : files.entrySet()) {
                if (!f.getKey().endsWith(".md")) {
                    claims.add(docsFile(docs.resolve("images").resolve(f.getKey()), CHART_KIND).claim());
                }
            }
            claims.get(0).write(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(json));
            for (Map.Entry<String, String> f : files.entrySet()) {
                Path target = f.getKey().endsWith(".md") ? docs.resolve(f.getKey())
                        : docs.resolve("images").resolve(f.getKey());
                claims.stream().filter(c -> c.target().equals(target)).findFirst()
                        .orElseThrow(() -> new IllegalStateException("no claim for " + target)).write(f.getValue());
            }
            out.println("wrote " + docs.resolve("bench.json") + ", " + docs.resolve("benchmarks.md") + " and "
                    + docs.resolve("images") + "/bench-*.svg");
        }
        out.flush();
    }
}
