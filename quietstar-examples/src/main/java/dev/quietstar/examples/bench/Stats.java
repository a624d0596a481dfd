package dev.quietstar.examples.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Arrays;

/**
 * Summary of repeated measurements of one quantity.
 *
 * @param min smallest run
 * @param median median run
 * @param max largest run
 * @param runs every run, in the order measured
 */
public record Stats(@JsonProperty("min") double min, @JsonProperty("median") double median,
        @JsonProperty("max") double max, @JsonProperty("runs") double[] runs) {

    /**
     * Summarises runs.
     *
     * @param runs at least one value
     * @return the summary
     */
    public static Stats of(double[] runs) {
        if (runs.length == 0) {
            throw new IllegalArgumentException("no runs to summarise");
        }
        double[] s = runs.clone();
        Arrays.sort(s);
        double median = s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        return new Stats(s[0], median, s[s.length - 1], runs.clone());
    }

    /**
     * The summary of the reciprocals (seconds per item into items per second, for example).
     *
     * @param scale numerator, for example the items of one run
     * @return the summary of scale / run
     */
    public Stats inverse(double scale) {
        double[] inv = new double[runs.length];
        for (int i = 0; i < runs.length; i++) {
            inv[i] = scale / runs[i];
        }
        return of(inv);
    }

    /**
     * Times a task after warm-up runs.
     *
     * @param warmup runs not measured
     * @param runs measured runs
     * @param task the task
     * @return seconds per run
     */
    public static Stats time(int warmup, int runs, Runnable task) {
        for (int i = 0; i < warmup; i++) {
            task.run();
        }
        double[] seconds = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            task.run();
            seconds[i] = (System.nanoTime() - t0) / 1e9;
        }
        return of(seconds);
    }
}
