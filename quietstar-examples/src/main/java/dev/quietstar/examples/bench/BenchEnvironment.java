package dev.quietstar.examples.bench;

import ai.djl.engine.Engine;
import dev.quietstar.djl.DjlEngines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a benchmark ran on: machine, JVM, and the versions of the engines it measures (benchmark code, so it asks the
 * DJL engine for its version directly).
 */
public final class BenchEnvironment {

    private BenchEnvironment() {}

    /**
     * The machine, JVM and engine versions a benchmark ran on.
     *
     * @return ordered name to description
     */
    public static Map<String, Object> describe() {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("machine", System.getProperty("os.name") + " " + System.getProperty("os.arch") + ", "
                + Runtime.getRuntime().availableProcessors() + " cores, " + cpuModel() + ", " + memory());
        e.put("JVM", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        String v = BenchEnvironment.class.getPackage().getImplementationVersion();
        e.put("quietstar", v == null ? "development build" : v);
        Engine engine = DjlEngines.pytorch();
        e.put("DJL", Engine.getDjlVersion() + " with PyTorch " + engine.getVersion() + " (CPU)");
        e.put("ONNX Runtime", onnxRuntimeVersion());
        e.put("PyTorch threads", System.getProperty("ai.djl.pytorch.num_threads", "engine default"));
        return e;
    }

    /**
     * The machine's load average from /proc: other work on the machine changes every timing.
     *
     * @return the 1, 5 and 15 minute averages, or "unknown"
     */
    public static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + ", " + f[1] + ", " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).strip()).findFirst().orElse("unknown CPU");
        } catch (IOException e) {
            return "unknown CPU";
        }
    }

    private static String memory() {
        try {
            return Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal"))
                    .map(l -> String.format(java.util.Locale.ROOT, "%.0f GiB RAM",
                            Long.parseLong(l.replaceAll("[^0-9]", "")) / 1048576.0)).findFirst().orElse("? RAM");
        } catch (IOException | RuntimeException e) {
            return "? RAM";
        }
    }

    private static String onnxRuntimeVersion() {
        try {
            Class<?> env = Class.forName("ai.onnxruntime.OrtEnvironment");
            Object instance = env.getMethod("getEnvironment").invoke(null);
            return String.valueOf(env.getMethod("getVersion").invoke(instance));
        } catch (ReflectiveOperationException | LinkageError e) {
            return "not on the class path";
        }
    }
}
