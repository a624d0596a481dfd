package dev.quietstar.examples.cli;

import dev.quietstar.api.spi.Capability;
import dev.quietstar.api.spi.QuietStarBackend;
import dev.quietstar.core.backend.Backends;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Exports a checkpoint to ONNX for the {@code onnxruntime} backend.
 */
@Command(name = "export-onnx", mixinStandardHelpOptions = true,
        description = "Export a Quiet-STaR checkpoint to ONNX (decoder with KV cache, mixing head, meta-tokens) for "
                + "the onnxruntime backend, which runs it without libtorch.")
public final class ExportOnnxCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "CKPT", description = "Checkpoint folder to export.")
    Path model;

    @Option(names = "--output", required = true, paramLabel = "DIR",
            description = "Folder to write: a new or empty folder, or an earlier export with --replace.")
    Path output;

    @Option(names = "--replace", description = "Replace an earlier export in --output, atomically. A folder holding "
            + "anything else (the checkpoint, a project) is never replaced.")
    boolean replace;

    /** Creates the command; picocli calls this. */
    public ExportOnnxCommand() {}

    @Override
    public Integer call() throws IOException {
        if (!Files.isDirectory(model)) {
            throw new IllegalArgumentException("--model " + model + " is not a folder; pass a checkpoint folder");
        }
        QuietStarBackend backend = Backends.discover().byName(InferenceBackends.ONNX).create();
        if (!backend.capabilities().contains(Capability.EXPORT)) {
            throw new IllegalStateException("backend " + backend.name() + " cannot export");
        }
        Path written = backend.export(model, output, replace);
        PrintWriter out = spec.commandLine().getOut();
        out.println("exported " + model + " to " + written + "; run it with: quietstar generate --backend "
                + InferenceBackends.ONNX + " --model " + written + " --prompt TEXT");
        out.flush();
        return 0;
    }
}
