package dev.quietstar.examples.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.quietstar.examples.bench.BenchEnvironment;
import dev.quietstar.examples.bench.Benchmarks;
import dev.quietstar.examples.bench.Report;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
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
                + "overhead, decode speed of every backend and evaluation throughput, each comparison side by side in "
                + "one run.",
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
            description = "Run only these figures (1 to 6, repeatable or comma-separated).")
    java.util.Set<Integer> figures = new java.util.TreeSet<>();

    @Option(names = "--work", paramLabel = "DIR", defaultValue = "bench-work",
            description = "Scratch folder for models and worker outputs (default: ${DEFAULT-VALUE}).")
    Path work;

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
        PrintWriter out = spec.commandLine().getOut();
        String loadBefore = BenchEnvironment.loadAverage();
        long t0 = System.nanoTime();
        List<Map<String, Object>> figures = new Benchmarks(options, work.toAbsolutePath(), out).run();
        double seconds = (System.nanoTime() - t0) / 1e9;
        Map<String, Object> environment = BenchEnvironment.describe();
        environment.put("wall time of this run", String.format(java.util.Locale.ROOT, "%.0f s", seconds));
        environment.put("load average (1, 5, 15 min) before / after", loadBefore + " / " + BenchEnvironment.loadAverage());
        out.printf("bench finished in %.0f s%n", seconds);
        if (!quick) {
            Files.createDirectories(docs.resolve("images"));
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("environment", environment);
            json.put("options", options);
            json.put("figures", figures);
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValue(docs.resolve("bench.json").toFile(), json);
            for (Map.Entry<String, String> f : Report.markdown(environment, figures,
                    "java -jar quietstar-examples/target/quietstar.jar bench").entrySet()) {
                Path target = f.getKey().endsWith(".md") ? docs.resolve(f.getKey())
                        : docs.resolve("images").resolve(f.getKey());
                Files.writeString(target, f.getValue());
            }
            out.println("wrote " + docs.resolve("bench.json") + ", " + docs.resolve("benchmarks.md") + " and "
                    + docs.resolve("images") + "/bench-*.svg");
        }
        out.flush();
        return 0;
    }
}
