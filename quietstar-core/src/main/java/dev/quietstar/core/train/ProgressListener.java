package dev.quietstar.core.train;

import dev.quietstar.api.StepMetrics;
import dev.quietstar.api.TrainingListener;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shows training progress: a progress bar with the step's loss, reward and speed when the program runs on a
 * terminal, else one INFO log line every few steps (and at the last step).
 */
public final class ProgressListener implements TrainingListener, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ProgressListener.class);

    private final String taskName;
    private final int totalSteps;
    private final int logEvery;
    private final ProgressBar bar;
    private int lastStep;

    /**
     * Creates a listener that draws a bar when {@link System#console()} is present and logs every 10 steps
     * otherwise.
     *
     * @param taskName the name shown before the bar and in log lines
     * @param totalSteps the run's optimiser steps
     */
    public ProgressListener(String taskName, int totalSteps) {
        this(taskName, totalSteps, 10);
    }

    /**
     * Creates a listener that draws a bar when {@link System#console()} is present and logs every
     * {@code logEvery} steps otherwise.
     *
     * @param taskName the name shown before the bar and in log lines
     * @param totalSteps the run's optimiser steps, at least 1
     * @param logEvery steps between log lines when no bar is drawn, at least 1
     */
    public ProgressListener(String taskName, int totalSteps, int logEvery) {
        this(taskName, totalSteps, logEvery,
                System.console() != null ? new ConsoleProgressBarConsumer(System.err) : null);
    }

    /**
     * Creates a listener that logs every {@code logEvery} steps, or draws a bar on the given consumer (for tests).
     *
     * @param taskName the name shown before the bar and in log lines
     * @param totalSteps the run's optimiser steps, at least 1
     * @param logEvery steps between log lines when no bar is drawn, at least 1
     * @param barConsumer where the bar is drawn, or null to log instead
     */
    ProgressListener(String taskName, int totalSteps, int logEvery, ProgressBarConsumer barConsumer) {
        if (totalSteps < 1) {
            throw new IllegalArgumentException("totalSteps must be at least 1, was " + totalSteps);
        }
        if (logEvery < 1) {
            throw new IllegalArgumentException("logEvery must be at least 1, was " + logEvery);
        }
        this.taskName = taskName;
        this.totalSteps = totalSteps;
        this.logEvery = logEvery;
        this.bar = barConsumer == null ? null : new ProgressBarBuilder()
                .setTaskName(taskName)
                .setInitialMax(totalSteps)
                .setConsumer(barConsumer)
                .setUpdateIntervalMillis(250)
                .build();
    }

    /**
     * Whether a progress bar is drawn (rather than log lines written).
     *
     * @return true when a bar is drawn
     */
    public boolean drawsBar() {
        return bar != null;
    }

    /**
     * The summary shown beside the bar and in log lines.
     *
     * @param m the step's metrics
     * @return for example {@code loss 2.3142 reward 0.0123 1520 tok/s}
     */
    public static String summary(StepMetrics m) {
        return String.format(Locale.ROOT, "loss %.4f reward %.4g %.0f tok/s", m.totalLoss(), m.meanReward(),
                m.tokensPerSecond());
    }

    /**
     * {@inheritDoc}
     *
     * <p>Moves the bar to the step, or logs every {@code logEvery} steps and at the last step.
     */
    @Override
    public void onStep(StepMetrics m) {
        lastStep = m.step();
        if (bar != null) {
            bar.stepTo(Math.min(m.step(), totalSteps));
            bar.setExtraMessage(summary(m));
        } else if (m.step() % logEvery == 0 || m.step() >= totalSteps || m.step() == 1) {
            LOG.info("{} step {}/{}: {}", taskName, m.step(), totalSteps, summary(m));
        }
    }

    /**
     * The last step reported.
     *
     * @return the step, 0 before the first one
     */
    public int lastStep() {
        return lastStep;
    }

    /** Finishes the bar, if one is drawn. */
    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
