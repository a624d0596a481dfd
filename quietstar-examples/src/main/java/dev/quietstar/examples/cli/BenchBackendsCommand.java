package dev.quietstar.examples.cli;

import dev.quietstar.examples.bench.BackendComparison;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Measures decode speed of the DJL and the ONNX Runtime backends side by side in one run, on one checkpoint; see
 * {@link BackendComparison} for the method.
 */
@Command(name = "bench-backends", mixinStandardHelpOptions = true,
        description = "Decode tokens/s of djl-pytorch vs onnxruntime on one checkpoint, side by side in one run.")
public final class BenchBackendsCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
    ModelOption model;

    @Option(names = "--onnx", paramLabel = "DIR",
            description = "An export of the checkpoint (default: export it to a temporary folder first).")
    Path onnx;

    @Option(names = "--tokens", defaultValue = "32", description = "Tokens per generation (default: ${DEFAULT-VALUE}).")
    int tokens;

    @Option(names = "--rounds", defaultValue = "3", description = "Timed rounds (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--output", paramLabel = "DIR",
            description = "Also write bench-backends.json and .md here: a new or empty folder, or an earlier "
                    + "bench-backends output with --replace.")
    Path output;

    @Option(names = "--replace", description = "Replace an earlier bench-backends output in --output, atomically. A "
            + "folder holding anything else is never replaced.")
    boolean replace;

    /** Creates the command; picocli calls this. */
    public BenchBackendsCommand() {}

    @Override
    public Integer call() throws IOException {
        BackendComparison.run(model.source(), model.folder(), model.plain(), onnx, tokens, rounds, output, replace,
                spec.commandLine().getOut());
        return 0;
    }
}
