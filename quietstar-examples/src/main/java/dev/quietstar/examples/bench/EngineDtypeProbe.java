package dev.quietstar.examples.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.quietstar.djl.DjlEngines;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * Whether the PyTorch engine, as DJL binds it, can hold and compute with half-precision arrays: the question behind
 * computing a model in bfloat16 instead of float32. Each case runs in its own JVM, because a case the binding does not
 * support may abort the process rather than throw; the parent prints one line per case with the child's exit code and
 * the last line it wrote.
 *
 * <pre>
 *   java -cp quietstar-examples/target/quietstar.jar dev.quietstar.examples.bench.EngineDtypeProbe
 * </pre>
 */
public final class EngineDtypeProbe {

    private static final List<String> CASES = List.of("float16-convert", "float16-matmul", "bfloat16-convert",
            "bfloat16-from-buffer");

    private EngineDtypeProbe() {}

    /**
     * Runs every case in a child JVM (no arguments), or one case in this JVM ({@code --case NAME}).
     *
     * @param args none, or {@code --case NAME}
     * @throws Exception when a child cannot be started
     */
    public static void main(String[] args) throws Exception {
        if (args.length == 2 && "--case".equals(args[0])) {
            run(args[1]);
            return;
        }
        System.out.println("| case | exit code | last line |");
        System.out.println("|---|---:|---|");
        for (String c : CASES) {
            System.out.println(child(c));
        }
    }

    private static String child(String name) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), EngineDtypeProbe.class.getName(), "--case", name)
                .redirectErrorStream(true).start();
        String[] lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim().split("\\R");
        int code = p.waitFor();
        String last = "";
        for (String l : lines) {
            if (!l.isBlank() && !l.contains(" INFO ")) {
                last = l.trim();
            }
        }
        return "| " + name + " | " + code + " | " + last.replace("|", "\\|") + " |";
    }

    private static void run(String name) {
        DjlEngines.pytorch();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.randomNormal(new Shape(64, 64));
            NDArray x = m.randomNormal(new Shape(1, 64));
            switch (name) {
                case "float16-convert" -> report(w.toType(DataType.FLOAT16, false));
                case "float16-matmul" -> report(x.toType(DataType.FLOAT16, false)
                        .matMul(w.toType(DataType.FLOAT16, false)));
                case "bfloat16-convert" -> report(w.toType(DataType.BFLOAT16, false));
                case "bfloat16-from-buffer" -> {
                    ByteBuffer b = m.allocateDirect(2 * 64).order(ByteOrder.nativeOrder());
                    report(m.create(b, new Shape(64), DataType.BFLOAT16));
                }
                default -> throw new IllegalArgumentException("unknown case " + name + "; cases: " + CASES);
            }
        }
    }

    private static void report(NDArray a) {
        System.out.println("ok: " + a.getDataType() + " " + a.getShape() + ", first value as float32 "
                + a.toType(DataType.FLOAT32, false).toFloatArray()[0]);
    }
}
