package dev.quietstar.examples.bench;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * llama2.c's {@code run.c} (MIT, shipped unchanged as a resource beside its licence) as a speed baseline: extracted
 * into the benchmark's scratch folder, compiled with {@link #COMPILE_FLAGS} when {@code gcc} is on the PATH, and run
 * greedily on a legacy weight file with a fixed number of OpenMP threads. Its own report, the {@code achieved tok/s}
 * line it prints to stderr, is the measurement: forward passes after the first one divided by the wall time since
 * then, at millisecond resolution, prompt tokens included (it feeds them one at a time).
 */
final class RunC {

    /** The class-path folder of the shipped source and its licence. */
    static final String RESOURCES = "/dev/quietstar/examples/bench/llama2c/";

    /** gcc's flags, as the figure's description states them. */
    static final List<String> COMPILE_FLAGS = List.of("-O3", "-fopenmp");

    private static final Pattern ACHIEVED = Pattern.compile("achieved tok/s:\\s*(\\S+)");

    private final Path binary;

    private RunC(Path binary) {
        this.binary = binary;
    }

    /**
     * gcc on the PATH.
     *
     * @return its path, empty when there is none
     */
    static Optional<Path> gcc() {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, "gcc");
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /**
     * Extracts run.c and its licence into a folder and compiles it.
     *
     * @param gcc the compiler
     * @param dir the folder (created)
     * @return the compiled program
     * @throws IllegalStateException with gcc's output when the compilation fails
     */
    static RunC build(Path gcc, Path dir) {
        try {
            Files.createDirectories(dir);
            for (String f : List.of("run.c", "LICENSE")) {
                try (InputStream in = RunC.class.getResourceAsStream(RESOURCES + f)) {
                    if (in == null) {
                        throw new IllegalStateException("llama2.c's " + f + " is missing from the class path; rebuild "
                                + "the jar");
                    }
                    Files.copy(in, dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            List<String> cmd = new ArrayList<>();
            cmd.add(gcc.toString());
            cmd.addAll(COMPILE_FLAGS);
            cmd.addAll(List.of("-o", "run", "run.c", "-lm"));
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IllegalStateException("compiling run.c failed (" + String.join(" ", cmd) + "): " + output);
            }
            return new RunC(dir.resolve("run"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot build run.c in " + dir, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while compiling run.c", e);
        }
    }

    /** The gcc command line of {@link #build}, for the figure's description. */
    static String compileCommand() {
        return "gcc " + String.join(" ", COMPILE_FLAGS) + " -o run run.c -lm";
    }

    /**
     * Decodes greedily once.
     *
     * @param model the legacy weight file
     * @param tokenizer the llama2.c tokenizer file
     * @param steps run.c's {@code -n}: positions to run, the prompt's tokens included
     * @param prompt the prompt
     * @param threads {@code OMP_NUM_THREADS}
     * @return the tokens per second run.c reports
     * @throws IllegalStateException when it fails or reports no speed
     */
    double tokensPerSecond(Path model, Path tokenizer, int steps, String prompt, int threads) {
        List<String> cmd = List.of(binary.toString(), model.toString(), "-z", tokenizer.toString(), "-t", "0", "-n",
                Integer.toString(steps), "-i", prompt);
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.environment().put("OMP_NUM_THREADS", Integer.toString(threads));
            Process p = pb.start();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IllegalStateException("run.c failed: " + String.join(" ", cmd) + ": " + err.strip());
            }
            return parseTokensPerSecond(err).orElseThrow(() -> new IllegalStateException(
                    "run.c reported no finite speed (a run of a single step, or under a millisecond): " + err.strip()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + binary, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while run.c ran", e);
        }
    }

    /**
     * The speed in run.c's output: the number on its last {@code achieved tok/s:} line.
     *
     * @param stderr what run.c printed to stderr
     * @return tokens per second, empty when there is no such line or its number is not finite and positive
     */
    static OptionalDouble parseTokensPerSecond(String stderr) {
        Matcher m = ACHIEVED.matcher(stderr);
        String last = null;
        while (m.find()) {
            last = m.group(1);
        }
        if (last == null) {
            return OptionalDouble.empty();
        }
        try {
            double v = Double.parseDouble(last);
            return Double.isFinite(v) && v > 0 ? OptionalDouble.of(v) : OptionalDouble.empty();
        } catch (NumberFormatException e) {
            return OptionalDouble.empty();
        }
    }
}
