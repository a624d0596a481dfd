package dev.quietstar.examples.cli;

import dev.quietstar.api.ModelSource;
import dev.quietstar.api.spi.BackendProvider;
import dev.quietstar.api.spi.Capability;
import dev.quietstar.core.backend.Backends;
import dev.quietstar.core.io.OutputFile;
import dev.quietstar.core.io.OutputKind;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

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

    @Option(names = "--output", paramLabel = "FILE",
            description = "Write the JSON to this new file (or an earlier probe output, with --replace) instead of "
                    + "to stdout.")
    Path output;

    @Option(names = "--replace", description = "Replace an earlier probe output at --output, atomically. A file that "
            + "is not one is never overwritten.")
    boolean replace;

    /**
     * What {@code probe --output} writes. Its JSON object has no room for a marker (its keys are the documented
     * format), so an earlier output is recognised by the keys it starts with.
     */
    static final OutputKind KIND = OutputKind.file("probe", "probe output", head -> head.strip().startsWith("{")
            && head.contains("\"total_loss\"") && head.contains("\"nll_loss\"") && head.contains("\"policy_loss\""));

    /** Creates the command; picocli calls this. */
    public ProbeCommand() {}

    @Override
    public Integer call() throws IOException {
        ModelSource source = new ModelSource.Checkpoint(model);
        Backends backends = Backends.discover();
        BackendProvider provider = backend == null ? backends.select(source, Capability.TRAIN)
                : backends.byName(backend, source, Capability.TRAIN);
        if (output != null) {
            try (OutputFile.Claim claim = OutputFile.builder(output, KIND).replaceExisting(replace)
                    .input("--model checkpoint", model).input("--input file", input).build().claim()) {
                claim.write(provider.create().probe(model, input) + System.lineSeparator());
            }
        } else {
            String json = provider.create().probe(model, input);
            PrintWriter out = spec.commandLine().getOut();
            out.println(json);
            out.flush();
        }
        return 0;
    }
}
