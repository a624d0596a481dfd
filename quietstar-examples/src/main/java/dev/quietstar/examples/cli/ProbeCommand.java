package dev.quietstar.examples.cli;

import dev.quietstar.djl.train.ObjectiveProbe;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Evaluates the Quiet-STaR objective once with forced thoughts and prints every intermediate as one JSON object
 * (the probe format of DESIGN section 4), for checking numbers against another implementation.
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

    @Option(names = "--output", paramLabel = "FILE", description = "Write the JSON here instead of to stdout.")
    Path output;

    /** Creates the command; picocli calls this. */
    public ProbeCommand() {}

    @Override
    public Integer call() throws IOException {
        ObjectiveProbe.Input in = ObjectiveProbe.readInput(input);
        String json = ObjectiveProbe.run(model, in).toJson();
        if (output != null) {
            Path parent = output.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(output, json + System.lineSeparator());
        } else {
            PrintWriter out = spec.commandLine().getOut();
            out.println(json);
            out.flush();
        }
        return 0;
    }
}
