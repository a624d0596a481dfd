package dev.quietstar.examples.cli;

import dev.quietstar.api.ModelSource;
import dev.quietstar.api.spi.BackendProvider;
import dev.quietstar.api.spi.Capability;
import dev.quietstar.core.backend.Backends;
import dev.quietstar.core.io.DiskFull;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * Evaluates the Quiet-STaR objective once with forced thoughts and prints every intermediate as one JSON object
 * (the probe format of docs/probe.md), for checking numbers against another implementation.
 *
 * <p>The probe runs on the {@code djl-pytorch} backend's {@link ObjectiveProbe}: this is the one command that
 * uses that backend directly, because the probe reports engine-level intermediates that the SPI does not expose.
 */
@Command(name = "probe", mixinStandardHelpOptions = true,
        description = "Evaluate the objective once with forced thoughts and print every intermediate as JSON.")
public final class ProbeCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "CHECKPOINT", description = "Checkpoint folder.")
    Path model;

    @Option(names = "--input", required = true, paramLabel = "FILE",
            description = "JSON with input_ids [B][L], thought_ids [B*P][L][thoughtLength] and pad_id.")
    Path input;

    @Option(names = "--backend", paramLabel = "NAME",
            description = "Training backend that computes the objective (default: the best available one).")
    String backend;

    @Option(names = "--output", paramLabel = "FILE", description = "Write the JSON here instead of to stdout.")
    Path output;

    /** Creates the command; picocli calls this. */
    public ProbeCommand() {}

    @Override
    public Integer call() throws IOException {
        ModelSource source = new ModelSource.Checkpoint(model);
        Backends backends = Backends.discover();
        BackendProvider provider = backend == null ? backends.select(source, Capability.TRAIN)
                : backends.byName(backend, source, Capability.TRAIN);
        String json = provider.create().probe(model, input);
        if (output != null) {
            Path parent = output.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try {
                Files.writeString(output, json + System.lineSeparator());
            } catch (IOException e) {
                throw DiskFull.describe(e, output, "the file there is incomplete, delete it");
            }
        } else {
            PrintWriter out = spec.commandLine().getOut();
            out.println(json);
            out.flush();
        }
        return 0;
    }
}
