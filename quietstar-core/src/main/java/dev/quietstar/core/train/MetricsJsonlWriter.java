package dev.quietstar.core.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quietstar.api.StepMetrics;
import dev.quietstar.api.TrainingListener;
import dev.quietstar.core.io.BoundedFiles;
import dev.quietstar.core.io.DiskFull;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Appends every optimiser step's {@link StepMetrics} to a file as one JSON object per line.
 *
 * <p>Keys are snake_case ({@code step}, {@code total_loss}, {@code nll_loss}, {@code policy_loss},
 * {@code base_nll}, {@code talk_nll}, {@code base_nll_plain}, {@code talk_nll_plain}, {@code mean_reward},
 * {@code mean_mixing_weight}, {@code learning_rate}, {@code grad_norm}, {@code tokens_per_second},
 * {@code thought_tokens_per_second}); a NaN or infinite value is written as {@code null}, which JSON readers
 * accept. Each line is flushed as soon as it is written, so a crashed run keeps every finished step and a
 * resumed run appends to the same file.
 */
public final class MetricsJsonlWriter implements TrainingListener, AutoCloseable {

    /** The keys of a line, in the order they are written. */
    public static final List<String> KEYS = List.of("step", "total_loss", "nll_loss", "policy_loss", "base_nll",
            "talk_nll", "base_nll_plain", "talk_nll_plain", "mean_reward", "mean_mixing_weight", "learning_rate",
            "grad_norm", "tokens_per_second", "thought_tokens_per_second");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final BufferedWriter out;

    /**
     * Opens the file for appending, creating it and its parent folders when missing.
     *
     * @param file the metrics file, conventionally {@code metrics.jsonl}
     * @throws IOException when the file cannot be opened
     */
    public MetricsJsonlWriter(Path file) throws IOException {
        this.file = file;
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Writes and flushes one line.
     *
     * @throws UncheckedIOException when the line cannot be written
     */
    @Override
    public void onStep(StepMetrics m) {
        try {
            out.write(toJson(m));
            out.newLine();
            out.flush();
        } catch (IOException e) {
            IOException described = DiskFull.describe(e, file, "the lines of earlier steps are intact");
            throw new UncheckedIOException("cannot append metrics of step " + m.step() + " to " + file + ": "
                    + described.getMessage(), described);
        }
    }

    /**
     * The JSON line for one step, without the newline.
     *
     * @param m the metrics
     * @return the JSON object text
     */
    public static String toJson(StepMetrics m) {
        double[] values = {m.totalLoss(), m.nllLoss(), m.policyLoss(), m.baseNll(), m.talkNll(), m.baseNllPlain(),
            m.talkNllPlain(), m.meanReward(), m.meanMixingWeight(), m.learningRate(), m.gradNorm(),
            m.tokensPerSecond(), m.thoughtTokensPerSecond()};
        ObjectNode node = JSON.createObjectNode();
        node.put("step", m.step());
        for (int i = 0; i < values.length; i++) {
            if (Double.isFinite(values[i])) {
                node.put(KEYS.get(i + 1), values[i]);
            } else {
                node.putNull(KEYS.get(i + 1));
            }
        }
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise metrics", e);
        }
    }

    /**
     * Reads a metrics file back; {@code null} and missing values become NaN, blank lines are skipped.
     *
     * @param file the file
     * @return the metrics in file order
     * @throws IOException when the file cannot be read
     * @throws IllegalArgumentException when a line is not a JSON object with an integer {@code step}; the message
     *     names the file and the 1-based line
     */
    public static List<StepMetrics> read(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<StepMetrics> result = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("malformed JSON in metrics file " + file + " at line " + (i + 1)
                        + ": " + e.getOriginalMessage(), e);
            }
            if (node == null || !node.isObject() || !node.path("step").canConvertToInt()
                    || !node.path("step").isIntegralNumber()) {
                throw new IllegalArgumentException("line " + (i + 1) + " of metrics file " + file
                        + " must be a JSON object with an integer \"step\", was " + line);
            }
            double[] v = new double[KEYS.size() - 1];
            for (int k = 0; k < v.length; k++) {
                JsonNode value = node.get(KEYS.get(k + 1));
                v[k] = value == null || !value.isNumber() ? Double.NaN : value.doubleValue();
            }
            result.add(new StepMetrics(node.get("step").intValue(), v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7],
                    v[8], v[9], v[10], v[11], v[12]));
        }
        return result;
    }

    /**
     * Cuts a metrics file back to the steps a resumed run starts after: keeps the complete lines (ending in a
     * newline, holding a JSON object) whose {@code step} is at most {@code lastStep}, and drops the rest, such as the
     * lines of steps a crashed run finished after its last checkpoint and a line half-written when it was killed.
     * The file is replaced atomically, so a crash here leaves either the old or the new content. A missing file is
     * left missing.
     *
     * @param file the metrics file
     * @param lastStep the last step to keep (0 keeps nothing)
     * @return how many lines were dropped
     * @throws IOException when the file cannot be read or replaced
     */
    public static int truncateAfter(Path file, int lastStep) throws IOException {
        String notFile = BoundedFiles.notARegularFile(file);
        if (BoundedFiles.MISSING.equals(notFile)) {
            return 0;
        }
        if (notFile != null) {
            throw new IOException("metrics file " + file + " " + notFile + "; remove it, or write the run to "
                    + "another folder");
        }
        String text = Files.readString(file, StandardCharsets.UTF_8);
        StringBuilder kept = new StringBuilder();
        int dropped = 0;
        int start = 0;
        while (start < text.length()) {
            int nl = text.indexOf('\n', start);
            if (nl < 0) { // a last line without its newline was cut short by a crash
                dropped++;
                break;
            }
            String line = text.substring(start, nl);
            start = nl + 1;
            if (line.isBlank()) {
                continue;
            }
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                node = null;
            }
            if (node != null && node.isObject() && node.path("step").isIntegralNumber()
                    && node.path("step").asLong() >= 1 && node.path("step").asLong() <= lastStep) {
                kept.append(line).append('\n');
            } else {
                dropped++;
            }
        }
        if (dropped > 0) {
            Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
            Files.writeString(tmp, kept, StandardCharsets.UTF_8);
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(tmp,
                    StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        return dropped;
    }

    /**
     * The file being written.
     *
     * @return the path
     */
    public Path file() {
        return file;
    }

    /**
     * Closes the file.
     *
     * @throws IOException when closing fails
     */
    @Override
    public void close() throws IOException {
        out.close();
    }
}
