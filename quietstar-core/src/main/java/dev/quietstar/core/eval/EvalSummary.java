package dev.quietstar.core.eval;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The results of evaluating one set under several settings (for example with and without thinking).
 *
 * <p>Written as JSON for tools ({@link #writeJson(Path)}, read back with {@link #readJson(Path)}) and as a Markdown
 * table for people ({@link #toMarkdown()}). Measurements that were not taken are NaN, written as the string
 * {@code "NaN"} in JSON and as a dash in Markdown.
 *
 * @param dataset the evaluation set's name, such as {@code "gsm8k test"}
 * @param rows one row per setting, in the order to show them
 */
public record EvalSummary(String dataset, List<EvalRow> rows) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** Checks the name and copies the rows. */
    public EvalSummary {
        Objects.requireNonNull(dataset, "dataset");
        rows = List.copyOf(Objects.requireNonNull(rows, "rows"));
    }

    /**
     * Writes the summary as indented JSON, replacing the file atomically where the file system allows.
     *
     * @param file the file to write
     * @throws IOException when it cannot be written
     */
    public void writeJson(Path file) throws IOException {
        Path target = file.toAbsolutePath();
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".tmp");
        try {
            JSON.writeValue(tmp.toFile(), this);
            try {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (java.nio.file.AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Reads a summary written by {@link #writeJson(Path)}.
     *
     * @param file the JSON file
     * @return the summary
     * @throws IOException when the file cannot be read or is not a summary
     */
    public static EvalSummary readJson(Path file) throws IOException {
        return JSON.readValue(file.toFile(), EvalSummary.class);
    }

    /**
     * Renders the summary as a Markdown table with one line per setting.
     *
     * @return the Markdown text, ending in a newline
     */
    public String toMarkdown() {
        StringBuilder md = new StringBuilder();
        md.append("### ").append(cell(dataset)).append("\n\n");
        md.append("| setting | examples | exact match | answer NLL (nats/token) | answer probability | tokens/s |\n");
        md.append("|---|---:|---:|---:|---:|---:|\n");
        for (EvalRow r : rows) {
            md.append("| ").append(cell(r.setting())).append(" | ").append(r.examples()).append(" | ")
                    .append(percent(r.exactMatch())).append(" | ").append(num(r.answerNll(), "%.4f")).append(" | ")
                    .append(num(r.answerProbability(), "%.4f")).append(" | ").append(num(r.tokensPerSecond(), "%.1f"))
                    .append(" |\n");
        }
        return md.toString();
    }

    private static String cell(String s) {
        return s.replace("\\", "\\\\").replace("|", "\\|").replace('\n', ' ');
    }

    private static String percent(double v) {
        return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, "%.1f%%", 100 * v);
    }

    private static String num(double v, String format) {
        return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, format, v);
    }
}
