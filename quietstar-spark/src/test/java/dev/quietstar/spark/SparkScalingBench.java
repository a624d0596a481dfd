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
 * ({@code off,every,once}) with greedy generation, 8 partitions by default. Each measurement runs in a JVM of its own
 * (so no reasoner or compiled code carries over) and evaluates the whole set {@code --warm-up} + 1 times (4 by
 * default): the first run opens the model while the JIT compilers still take a core of their own (reported as the
 * first run), the next ones let the compiled code settle, and the last, warm run is the one compared. The rounds alternate the two masters. ONNX
 * Runtime's CPU memory arena is on (its default, kept on executors); {@code --arena off} measures
 * {@code -Dquietstar.onnxruntime.arena=false} instead, and {@code --arena both} both, alternating within each round.
 * For each warm run it also reports the cores the JVM kept busy (its CPU time over the wall time: Spark's driver, the
 * JIT compilers and the collector included) and the collector's time.
 *
 * <pre>
 * mvn -B -q package -DskipTests -pl quietstar-spark -am
 * java -cp quietstar-spark/target/test-classes:quietstar-spark/target/classes:$(cat quietstar-spark/target/test-classpath.txt) \
 *     dev.quietstar.spark.SparkScalingBench --work /tmp/spark-bench [--model base|tiny] [--questions 480] [--rounds 3] [--partitions 8] [--arena on|off|both] [--warm-up 3]
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
    /** Default evaluations of the whole set before the timed one: the JIT compilers settle only after a few. */
    private static final int DEFAULT_WARM_UP_RUNS = 3;
    private static final String SETTINGS = EvalOptions.DEFAULT_SETTINGS;

    private SparkScalingBench() {}

    /**
     * Runs the benchmark, or (first argument {@code child}) one measurement.
     *
     * @param args {@code --work DIR [--questions N] [--rounds R]}
     * @throws Exception when a step fails
     */
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("child")) {
            child(args[1], Path.of(args[2]), Path.of(args[3]), Integer.parseInt(args[4]), Integer.parseInt(args[5]));
            return;
        }
        Path work = null;
        int questions = 480;
        int rounds = 3;
        String size = "base";
        int partitions = 8;
        String arenaMode = "on";
        int warmUps = DEFAULT_WARM_UP_RUNS;
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--work" -> work = Path.of(args[i + 1]);
                case "--questions" -> questions = Integer.parseInt(args[i + 1]);
                case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
                case "--model" -> size = args[i + 1];
                case "--partitions" -> partitions = Integer.parseInt(args[i + 1]);
                case "--arena" -> arenaMode = args[i + 1];
                case "--warm-up" -> warmUps = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; use --work DIR [--model base|tiny] [--questions N] [--rounds R] [--partitions P] [--arena on|off|both] [--warm-up W]");
            }
        }
        if (work == null) {
            throw new IllegalArgumentException("--work DIR is required");
        }
        if (warmUps < 1) {
            throw new IllegalArgumentException("--warm-up must be >= 1 (the first run opens the model), was " + warmUps);
        }
        List<Boolean> arenas = switch (arenaMode) {
            case "off" -> List.of(false);
            case "on" -> List.of(true);
            case "both" -> List.of(false, true);
            default -> throw new IllegalArgumentException("--arena takes off, on or both, was " + arenaMode);
        };
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
        List<Config> configs = new ArrayList<>();
        for (boolean arena : arenas) {
            configs.add(new Config("local[1]", arena));
            configs.add(new Config("local[2]", arena));
        }
        List<List<Double>> seconds = new ArrayList<>();
        List<List<Double>> colds = new ArrayList<>();
        List<List<Measured>> all = new ArrayList<>();
        for (int c = 0; c < configs.size(); c++) {
            seconds.add(new ArrayList<>());
            colds.add(new ArrayList<>());
            all.add(new ArrayList<>());
        }
        for (int r = 0; r < rounds; r++) {
            for (int c = 0; c < configs.size(); c++) {
                Config config = configs.get(c);
                Measured measured = runChild(config.master(), export, data, partitions, config.arena(), warmUps);
                seconds.get(c).add(measured.warm());
                colds.get(c).add(measured.cold());
                all.get(c).add(measured);
                System.out.printf(Locale.ROOT, "round %d, %s: warm %.2f s, %.2f examples/s, %.2f cores busy, "
                        + "GC %.2f s (first run %.2f s)%n", r + 1, config.label(), measured.warm(),
                        questions / measured.warm(), measured.coresBusy(), measured.gc(), measured.cold());
            }
        }
        String name = "spark-bench-" + size + (arenaMode.equals("on") ? "" : "-arena-" + arenaMode) + ".json";
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode out = json.createObjectNode();
        out.put("model", model + ", onnxruntime, 1 engine thread per task");
        out.put("questions", questions);
        out.put("settings", SETTINGS);
        out.put("partitions", partitions);
        out.put("warmUpRuns", warmUps);
        out.put("cores", Runtime.getRuntime().availableProcessors());
        ArrayNode rows = out.putArray("rows");
        double[] medians = new double[configs.size()];
        for (int c = 0; c < configs.size(); c++) {
            double[] sorted = seconds.get(c).stream().mapToDouble(Double::doubleValue).sorted().toArray();
            medians[c] = sorted[sorted.length / 2];
            ObjectNode row = rows.addObject();
            row.put("master", configs.get(c).master());
            row.put("cpuMemoryArena", configs.get(c).arena());
            ArrayNode warm = row.putArray("seconds");
            seconds.get(c).forEach(warm::add);
            ArrayNode busy = row.putArray("coresBusy");
            all.get(c).forEach(m -> busy.add(m.coresBusy()));
            ArrayNode gcs = row.putArray("gcSeconds");
            all.get(c).forEach(m -> gcs.add(m.gc()));
            ArrayNode first = row.putArray("firstRunSeconds");
            colds.get(c).forEach(first::add);
            row.put("medianSeconds", medians[c]);
            row.put("examplesPerSecond", questions / medians[c]);
        }
        ArrayNode speedups = out.putArray("speedups");
        List<String> lines = new ArrayList<>();
        for (int c = 0; c < configs.size(); c += 2) {
            ObjectNode speedup = speedups.addObject();
            speedup.put("cpuMemoryArena", configs.get(c).arena());
            speedup.put("speedup", medians[c] / medians[c + 1]);
            ArrayNode perRound = speedup.putArray("speedupPerRound");
            List<String> ratios = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                double ratio = seconds.get(c).get(r) / seconds.get(c + 1).get(r);
                perRound.add(ratio);
                ratios.add(String.format(Locale.ROOT, "%.2f", ratio));
            }
            lines.add(String.format(Locale.ROOT, "local[2] / local[1], arena %s: %.2fx of the medians (target >= "
                    + "1.6x), per round %s", configs.get(c).arena() ? "on" : "off", medians[c] / medians[c + 1],
                    ratios));
        }
        Files.writeString(work.resolve(name), json.writeValueAsString(out), StandardCharsets.UTF_8);
        System.out.println();
        System.out.println("| master | examples/s, warm (median of " + rounds + ") | seconds per warm run | cores "
                + "busy per warm run | seconds per first run |");
        System.out.println("|---|---:|---|---|---|");
        for (int c = 0; c < configs.size(); c++) {
            System.out.printf(Locale.ROOT, "| %s | %.2f | %s | %s | %s |%n", configs.get(c).label(),
                    questions / medians[c],
                    seconds.get(c).stream().map(v -> String.format(Locale.ROOT, "%.1f", v)).toList(),
                    all.get(c).stream().map(m -> String.format(Locale.ROOT, "%.2f", m.coresBusy())).toList(),
                    colds.get(c).stream().map(v -> String.format(Locale.ROOT, "%.1f", v)).toList());
        }
        System.out.println();
        lines.forEach(System.out::println);
        System.out.println("wrote " + work.resolve(name));
    }

    /** A master and whether ONNX Runtime's CPU memory arena is on. */
    private record Config(String master, boolean arena) {
        String label() {
            return master + ", arena " + (arena ? "on" : "off");
        }
    }

    /** One measurement: the first evaluation in a fresh JVM and the last one, warm. */
    private record Measured(double cold, double warm, double cpu, double gc) {

        /** Cores the whole JVM kept busy on average during the warm run (process CPU time over wall time). */
        double coresBusy() {
            return cpu / warm;
        }
    }

    private static Measured runChild(String master, Path export, Path data, int partitions, boolean arena,
            int warmUps)
            throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx4g");
        cmd.addAll(SPARK_OPENS);
        cmd.add("-D" + dev.quietstar.onnx.OnnxBackend.ARENA_PROPERTY + "=" + arena);
        cmd.addAll(Arrays.asList("-Dspark.ui.enabled=false", "-cp", System.getProperty("java.class.path"),
                SparkScalingBench.class.getName(), "child", master, export.toString(), data.toString(),
                Integer.toString(partitions), Integer.toString(warmUps)));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        double seconds = Double.NaN;
        double cold = Double.NaN;
        double cpu = Double.NaN;
        double gc = Double.NaN;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("RESULT ")) {
                    seconds = Double.parseDouble(line.substring("RESULT ".length()));
                } else if (line.startsWith("COLD ")) {
                    cold = Double.parseDouble(line.substring("COLD ".length()));
                } else if (line.startsWith("CPU ")) {
                    cpu = Double.parseDouble(line.substring("CPU ".length()));
                } else if (line.startsWith("GC ")) {
                    gc = Double.parseDouble(line.substring("GC ".length()));
                }
            }
        }
        if (p.waitFor() != 0 || Double.isNaN(seconds)) {
            throw new IllegalStateException("the " + master + " measurement failed (exit " + p.exitValue() + ")");
        }
        return new Measured(cold, seconds, cpu, gc);
    }

    private static void child(String master, Path export, Path data, int partitions, int warmUps) {
        SparkSession spark = SparkSession.builder().master(master).appName("quietstar-spark-bench")
                .config("spark.ui.enabled", "false").getOrCreate();
        try {
            QuietStarSpark qs = QuietStarSpark.builder(ModelLocation.of(export.toString())).partitions(partitions)
                    .build();
            Dataset<Row> rows = spark.read().json(data.toString()).cache();
            rows.count();
            EvalOptions options = EvalOptions.defaults().withSettings(SETTINGS);
            long start = System.nanoTime();
            qs.evaluate(rows, options); // opens the model; the JIT compiles Spark's and the library's hot code
            double cold = (System.nanoTime() - start) / 1e9;
            for (int i = 1; i < warmUps; i++) {
                qs.evaluate(rows, options);
            }
            com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            long cpuStart = os.getProcessCpuTime();
            long gcStart = gcMillis();
            start = System.nanoTime();
            SparkEvaluation e = qs.evaluate(rows, options);
            double seconds = (System.nanoTime() - start) / 1e9;
            double cpu = (os.getProcessCpuTime() - cpuStart) / 1e9;
            double gc = (gcMillis() - gcStart) / 1e3;
            if (e.settings().get(0).examples() != rows.count()) {
                throw new IllegalStateException("evaluated " + e.settings().get(0).examples() + " questions");
            }
            System.out.println("COLD " + cold);
            System.out.println("CPU " + cpu);
            System.out.println("GC " + gc);
            System.out.println("RESULT " + seconds);
        } finally {
            spark.stop();
        }
    }

    private static long gcMillis() {
        long total = 0;
        for (var bean : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
            total += Math.max(0, bean.getCollectionTime());
        }
        return total;
    }
}
