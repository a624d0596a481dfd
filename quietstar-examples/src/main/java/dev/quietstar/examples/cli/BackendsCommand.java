package dev.quietstar.examples.cli;

import dev.quietstar.api.spi.BackendProvider;
import dev.quietstar.core.backend.Backends;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Lists the discovered backends, what they can do and whether they load here.
 */
@Command(name = "backends", mixinStandardHelpOptions = true,
        description = "List the discovered backends, their capabilities and whether they are available here.")
public final class BackendsCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Creates the command; picocli calls this. */
    public BackendsCommand() {}

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Backends backends = Backends.discover();
        out.printf("%-14s %-5s %-10s %-22s %s%n", "NAME", "RANK", "AVAILABLE", "CAPABILITIES", "NOTE");
        for (BackendProvider p : backends.providers()) {
            boolean available = p.isAvailable();
            String caps = p.capabilities().isEmpty() ? "-"
                    : p.capabilities().stream().map(Enum::name).collect(Collectors.joining(","));
            out.printf("%-14s %-5d %-10s %-22s %s%n", p.name(), p.rank(), available ? "yes" : "no", caps,
                    p.unavailableReason().orElse(""));
        }
        backends.requestedName().ifPresent(n -> out.println("requested by QUIETSTAR_BACKEND/-Dquietstar.backend: "
                + n));
        out.flush();
        return 0;
    }
}
