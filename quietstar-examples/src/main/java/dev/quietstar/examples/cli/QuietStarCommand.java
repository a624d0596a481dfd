package dev.quietstar.examples.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code quietstar} command line.
 */
@Command(name = "quietstar", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Quiet-STaR for the JVM: train language models that think before they speak, run them, "
                + "and look at their thoughts.",
        subcommands = {BackendsCommand.class, DemoCommand.class, TrainCommand.class, GenerateCommand.class,
            EvalCommand.class, ReportCommand.class, ProbeCommand.class, ConvertCommand.class, BenchCommand.class,
            ExportOnnxCommand.class, BenchBackendsCommand.class,
            CommandLine.HelpCommand.class})
public final class QuietStarCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Creates the command; picocli calls this. */
    public QuietStarCommand() {}

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * Builds the command line with the project's error handling.
     *
     * @return the command line
     */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new QuietStarCommand());
        cl.setExecutionExceptionHandler((ex, line, parseResult) -> {
            // Errors at the boundary carry a message written for the user; print it without a stack trace.
            line.getErr().println(line.getColorScheme().errorText("error: " + ex.getMessage()));
            if (Boolean.getBoolean("quietstar.stacktrace")) {
                ex.printStackTrace(line.getErr());
            }
            return 1;
        });
        return cl;
    }

    /**
     * Runs the command line and exits with its status.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
