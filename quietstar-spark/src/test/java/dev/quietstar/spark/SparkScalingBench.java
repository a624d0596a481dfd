package dev.quietstar.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quietstar.examples.demo.DemoTraining;
import dev.quietstar.onnx.export.OnnxExporter;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Examples per second of {@link QuietStarSpark#evaluate} with {@code local[1]} and {@code local[2]}, side by side in
 * one run: the demo's shipped base model (a 3-layer, width-128 byte-level GPT-2 that thinks 9 tokens) exported to
 * ONNX, the held-out problems of {@code demo --full}, {@code quietstar eval}'s default settings
 * ({@code off,every,once}) with greedy generation, 8 partitions. Each
 * measurement runs in a JVM of its own (so no reasoner or compiled code carries over), after a warm-up evaluation of
 * 8 questions that opens the model; the rounds alternate the two masters.
 *
 * <pre>
 * mvn -B -q package -DskipTests -pl quietstar-spark -am
 * java -cp quietstar-spark/target/test-classes:quietstar-spark/target/classes:$(cat quietstar-spark/target/test-classpath.txt) \
 *     dev.quietstar.spark.SparkScalingBench --work /tmp/spark-bench [--model base|tiny] [--questions 480] [--rounds 3]
 * </pre>
 */
public final class SparkScalingBench {

    /** What spark-submit passes to a Java 17 JVM (Spark's JavaModuleOptions). */
    private static final List<String> SPARK_OPENS = List.of("-XX:+IgnoreUnrecognizedVMOptions",
            "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED", "--add-opens=java.base/sun.security.action=ALL-UNNAMED",
            "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED", "-Djdk.reflect.useDirectMethodHandle=false",
            "-Dio.netty.tryReflectionSetAccessible=true");
    private static final String SETTINGS = EvalOptions.DEFAULT_SETTINGS;
    private static final int PARTITIONS = 8;

    private SparkScalingBench() {}

    /**
     * Runs the benchmark, or (first argument {@code child}) one measurement.
     *
     * @param args {@code --work DIR [--questions N] [--rounds R]}
     * @throws Exception when a step fails
     */
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("child")) {
            child(args[1], Path.of(args[2]), Path.of(args[3]));
            return;
        }
        Path work = null;
        int questions = 480;
        int rounds = 3;
        String size = "base";
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--work" -> work = Path.of(args[i + 1]);
                case "--questions" -> questions = Integer.parseInt(args[i + 1]);
                case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
                case "--model" -> size = args[i + 1];
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; use --work DIR [--questions N] [--rounds R]");
            }
        }
        if (work == null) {
            throw new IllegalArgumentException("--work DIR is required");
        }
        Files.createDirectories(work);
        Path export;
        String model;
        if (size.equals("tiny")) {
            export = work.resolve("tiny").resolve("export");
            if (!Files.isDirectory(export)) {
                SparkFixtures.tinyExport(work.resolve("tiny"), 11);
            }
            model = "random tiny model (gpt2, 2 layers, width 32, thoughtLength 2; weights 0.14 MB)";
        } else if (size.equals("base")) {
            Path base = work.resolve("base");
            export = work.resolve("base-onnx");
            if (!Files.isDirectory(export)) {
                DemoTraining.extractShippedBase(base);
                OnnxExporter.builder().setCheckpoint(base).setOutput(export).build().export();
            }
            model = "demo shipped base (gpt2, 3 layers, width 128, thoughtLength 9; model.onnx 2.6 MB)";
        } else {
            throw new IllegalArgumentException("--model must be base or tiny, was " + size);
        }
        Path data = SparkFixtures.demoQuestions(work.resolve("held-out.jsonl"), questions);
        List<String> masters = List.of("local[1]", "local[2]");
        List<List<Double>> seconds = List.of(new ArrayList<>(), new ArrayList<>());
        for (int r = 0; r < rounds; r++) {
            for (int m = 0; m < masters.size(); m++) {
                double s = runChild(masters.get(m), export, data);
                seconds.get(m).add(s);
                System.out.printf(Locale.ROOT, "round %d, %s: %.2f s, %.2f examples/s%n", r + 1, masters.get(m), s,
                        questions / s);
            }
        }
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode out = json.createObjectNode();
        out.put("model", model + ", onnxruntime, 1 engine thread per task");
        out.put("questions", questions);
        out.put("settings", SETTINGS);
        out.put("partitions", PARTITIONS);
        out.put("cores", Runtime.getRuntime().availableProcessors());
        ArrayNode rows = out.putArray("rows");
        double[] medians = new double[masters.size()];
        for (int m = 0; m < masters.size(); m++) {
            double[] sorted = seconds.get(m).stream().mapToDouble(Double::doubleValue).sorted().toArray();
            medians[m] = sorted[sorted.length / 2];
            ObjectNode row = rows.addObject();
            row.put("master", masters.get(m));
            ArrayNode all = row.putArray("seconds");
            seconds.get(m).forEach(all::add);
            row.put("medianSeconds", medians[m]);
            row.put("examplesPerSecond", questions / medians[m]);
        }
        out.put("speedup", medians[0] / medians[1]);
        Files.writeString(work.resolve("spark-bench-" + size + ".json"), json.writeValueAsString(out), StandardCharsets.UTF_8);
        System.out.println();
        System.out.println("| master | examples/s (median of " + rounds + ") | seconds per run |");
        System.out.println("|---|---:|---|");
        for (int m = 0; m < masters.size(); m++) {
            System.out.printf(Locale.ROOT, "| %s | %.2f | %s |%n", masters.get(m), questions / medians[m],
                    seconds.get(m).stream().map(s -> String.format(Locale.ROOT, "%.1f", s)).toList());
        }
        System.out.printf(Locale.ROOT, "%nlocal[2] / local[1]: %.2fx (target >= 1.6x); wrote %s%n",
                medians[0] / medians[1], work.resolve("spark-bench-" + size + ".json"));
    }

    private static double runChild(String master, Path export, Path data) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx4g");
        cmd.addAll(SPARK_OPENS);
        cmd.addAll(Arrays.asList("-Dspark.ui.enabled=false", "-cp", System.getProperty("java.class.path"),
                SparkScalingBench.class.getName(), "child", master, export.toString(), data.toString()));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        double seconds = Double.NaN;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("RESULT ")) {
                    seconds = Double.parseDouble(line.substring("RESULT ".length()));
                }
            }
        }
        if (p.waitFor() != 0 || Double.isNaN(seconds)) {
            throw new IllegalStateException("the " + master + " measurement failed (exit " + p.exitValue() + ")");
        }
        return seconds;
    }

    private static void child(String master, Path export, Path data) {
        SparkSession spark = SparkSession.builder().master(master).appName("quietstar-spark-bench")
                .config("spark.ui.enabled", "false").getOrCreate();
        try {
            QuietStarSpark qs = QuietStarSpark.builder(ModelLocation.of(export.toString())).partitions(PARTITIONS)
                    .build();
            Dataset<Row> rows = spark.read().json(data.toString()).cache();
            rows.count();
            EvalOptions options = EvalOptions.defaults().withSettings(SETTINGS);
            qs.evaluate(rows, options.withLimit(8)); // opens the model, compiles the hot code
            long start = System.nanoTime();
            SparkEvaluation e = qs.evaluate(rows, options);
            double seconds = (System.nanoTime() - start) / 1e9;
            if (e.settings().get(0).examples() != rows.count()) {
                throw new IllegalStateException("evaluated " + e.settings().get(0).examples() + " questions");
            }
            System.out.println("RESULT " + seconds);
        } finally {
            spark.stop();
        }
    }
}
