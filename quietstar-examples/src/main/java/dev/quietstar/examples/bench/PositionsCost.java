package dev.quietstar.examples.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The cost of a training step against the number of positions that think: figure 1's model and step (V 261, H 128,
 * 4 layers, 4 heads, B 4, thoughtLength 5, lookahead 4, P 2) at one L, with every position thinking and with
 * {@code positions.mode RANDOM} at k = L/2, L/4, L/8 and 1. Each k runs in a JVM of its own
 * ({@link TrainStepWorker}), so its peak RSS is its own. Prints a Markdown table (docs/training.md, "Thinking at
 * fewer positions").
 *
 * <p>Arguments, all optional: {@code [L [warmupSteps [measuredSteps [DIAGONAL|DENSE]]]]}, default {@code 64 2 8
 * DIAGONAL}. The workers get the {@code ai.djl.*} system properties of this JVM, so
 * {@code -Dai.djl.pytorch.num_threads=1} runs them on one thread (steadier numbers on a machine whose other cores are
 * busy: a two-thread step whose second thread waits for a busy core slows down many times).
 */
public final class PositionsCost {

    private PositionsCost() {}

    /**
     * Runs the measurement and prints the table.
     *
     * @param args L, warm-up steps, measured steps, layout
     * @throws IOException when the work folder cannot be made
     */
    public static void main(String[] args) throws IOException {
        int len = args.length > 0 ? Integer.parseInt(args[0]) : 64;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        String layout = args.length > 3 ? args[3] : "DIAGONAL";
        Path work = Files.createTempDirectory("quietstar-positions-cost");
        List<String> settings = new ArrayList<>(List.of("ALL"));
        for (int k : new int[] {len / 2, len / 4, len / 8, 1}) {
            if (k >= 1 && !settings.contains("RANDOM:" + k)) {
                settings.add("RANDOM:" + k);
            }
        }
        System.out.printf(Locale.ROOT, "L %d, %s layout, %d warm-up and %d measured steps per setting%n%n", len,
                layout, warmup, runs);
        System.out.println("| positions per row | median s/step (min..max) | step time vs all | thought tokens/s "
                + "(median) | peak RSS GiB |");
        System.out.println("|---|---|---|---|---|");
        double allMedian = Double.NaN;
        for (String setting : settings) {
            JsonNode r = TrainStepWorker.launch(layout, len, warmup, runs,
                    work.resolve(setting.replace(':', '-').toLowerCase(Locale.ROOT)), setting);
            Stats s = Stats.of(TrainStepWorker.doubles(r.get("stepSeconds")));
            Stats rate = Stats.of(TrainStepWorker.doubles(r.get("thoughtTokensPerSecond")));
            double gib = r.get("peakRssBytes").asLong() / (double) (1L << 30);
            if ("ALL".equals(setting)) {
                allMedian = s.median();
            }
            String label = "ALL".equals(setting) ? "all (" + (len - 1) + " with a next token), ALL"
                    : setting.substring(7) + ", RANDOM";
            System.out.printf(Locale.ROOT, "| %s | %.3f (%.3f..%.3f) | %.2f | %.0f | %.2f |%n", label, s.median(),
                    s.min(), s.max(), s.median() / allMedian, rate.median(), gib);
        }
        try (java.util.stream.Stream<Path> files = Files.walk(work)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
