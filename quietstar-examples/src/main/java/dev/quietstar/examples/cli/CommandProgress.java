package dev.quietstar.examples.cli;

import dev.quietstar.core.eval.EvalProgress;
import java.io.PrintWriter;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/**
 * Progress of a long command: a progress bar on standard error when the program runs on a terminal, else a plain
 * line every tenth of the work, so logs of piped runs stay readable.
 */
public final class CommandProgress implements EvalProgress, AutoCloseable {

    private final String task;
    private final PrintWriter lines;
    private ProgressBar bar;
    private int lastTenth = -1;

    /**
     * Creates the progress display.
     *
     * @param task the name shown before the bar and in lines
     * @param lines where plain lines go when there is no terminal
     * @param terminal whether to draw a bar
     */
    public CommandProgress(String task, PrintWriter lines, boolean terminal) {
        this.task = task;
        this.lines = lines;
        this.bar = null;
        if (terminal) {
            bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(1)
                    .setConsumer(new ConsoleProgressBarConsumer(System.err)).setUpdateIntervalMillis(250).build();
        }
    }

    @Override
    public void update(String phase, int done, int total) {
        if (bar != null) {
            bar.maxHint(total);
            bar.stepTo(done);
            bar.setExtraMessage(phase);
            return;
        }
        int tenth = total == 0 ? 10 : (int) (10L * done / total);
        if (tenth != lastTenth || done == total) {
            lastTenth = tenth;
            lines.printf("%s: %s %d/%d%n", task, phase, done, total);
            lines.flush();
        }
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
