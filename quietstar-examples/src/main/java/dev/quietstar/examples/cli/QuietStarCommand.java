package dev.quietstar.examples.cli;

import dev.quietstar.core.io.DiskFull;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code quietstar} command line.
 */
@Command(name = "quietstar", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Quiet-STaR for the JVM: train language models that think before they speak, run them, "
                + "and look at their thoughts.",
        subcommands = {BackendsCommand.class, DemoCommand.class, TrainCommand.class, GenerateCommand.class,
            EvalCommand.class, StarCommand.class, ReportCommand.class, ProbeCommand.class, ConvertCommand.class, BenchCommand.class,
            ExportOnnxCommand.class, BenchBackendsCommand.class, AdaptiveCurveCommand.class,
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
            line.getErr().println(line.getColorScheme().errorText("error: " + userMessage(ex)));
            if (Boolean.getBoolean("quietstar.stacktrace")) {
                ex.printStackTrace(line.getErr());
            }
            return 1;
        });
        return cl;
    }

    /**
     * The message a user sees for an exception: the message of an error raised at an input boundary as it is; for
     * anything else (a defect, not a bad input) its type too and how to get the stack trace.
     *
     * @param ex the exception
     * @return one line for the user
     */
    static String userMessage(Throwable ex) {
        boolean boundary = ex instanceof IllegalArgumentException || ex instanceof IllegalStateException
                || ex instanceof java.io.IOException || ex instanceof java.io.UncheckedIOException;
        String message = ex.getMessage();
        if (boundary && message != null && !message.isBlank()) {
            if (DiskFull.isDiskFull(ex) && !message.contains("the disk is full")) {
                // A wrapper's message ("cannot write training output under out") would hide why the write failed.
                return message + " (the disk is full: free space, or write elsewhere, and run again)";
            }
            return message;
        }
        return "internal error (" + ex.getClass().getSimpleName() + (message == null ? "" : ": " + message)
                + "); please report it, with the output of the same command run with -Dquietstar.stacktrace=true";
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
