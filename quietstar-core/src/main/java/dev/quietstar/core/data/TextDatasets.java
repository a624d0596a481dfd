package dev.quietstar.core.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quietstar.api.Dataset;
import dev.quietstar.core.io.BoundedFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Loads {@link Dataset}s from files and from lists of strings.
 *
 * <p>Two file formats are understood, chosen by the file's extension:
 * <ul>
 *   <li>{@code .txt}: plain UTF-8 text; documents are separated by one or more blank lines (lines that are empty
 *       or hold only spaces and tabs). The lines of a document are joined with {@code \n}.</li>
 *   <li>{@code .jsonl}: one JSON object per line, either {@code {"text": ...}} or, as in GSM8K,
 *       {@code {"question": ..., "answer": ...}}, which becomes the document
 *       {@code "Q: " + question + "\nA: " + answer}. Blank lines are skipped; other fields are ignored.</li>
 * </ul>
 * Every error is a {@link DatasetException} that names the file and, for JSONL, the 1-based line.
 */
public final class TextDatasets {

    private static final ObjectMapper JSON = new ObjectMapper();

    private TextDatasets() {}

    /**
     * Reads a dataset from a {@code .txt} or {@code .jsonl} file.
     *
     * @param file the file
     * @return the dataset, described by the file's path
     * @throws DatasetException when the file is missing, unreadable, of another type, malformed or holds no
     *     documents
     */
    public static Dataset fromFile(Path file) {
        String notFile = BoundedFiles.notARegularFile(file);
        if (notFile != null) {
            throw new DatasetException("dataset file " + file + " " + notFile + "; pass the path of a .txt or .jsonl "
                    + "file");
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new DatasetException("cannot read dataset file " + file + ": " + e.getMessage()
                    + " (the file must be UTF-8 text)", e);
        }
        // A UTF-8 byte-order mark is an encoding marker some editors write, not text: it would become the first
        // tokens of the first document.
        if (!lines.isEmpty() && lines.get(0).startsWith("\uFEFF")) {
            lines = new ArrayList<>(lines);
            lines.set(0, lines.get(0).substring(1));
        }
        List<String> docs;
        if (name.endsWith(".txt")) {
            docs = splitParagraphs(lines);
        } else if (name.endsWith(".jsonl")) {
            docs = parseJsonl(lines, file.toString());
        } else {
            throw new DatasetException("dataset file " + file + " has an unknown extension; use .txt (documents "
                    + "separated by blank lines) or .jsonl (one {\"text\": ...} or {\"question\": ..., \"answer\": ...} "
                    + "object per line)");
        }
        return fromStrings(file.toString(), docs);
    }

    /**
     * Wraps a list of documents.
     *
     * @param description where the documents came from, recorded in provenance
     * @param documents the documents, copied
     * @return the dataset
     * @throws DatasetException when the list is empty or holds a null document
     */
    public static Dataset fromStrings(String description, List<String> documents) {
        if (description == null || description.isBlank()) {
            throw new DatasetException("a dataset needs a non-blank description of where its documents came from");
        }
        if (documents == null || documents.isEmpty()) {
            throw new DatasetException("dataset '" + description + "' holds no documents");
        }
        boolean anyText = false;
        for (int i = 0; i < documents.size(); i++) {
            if (documents.get(i) == null) {
                throw new DatasetException("dataset '" + description + "' has a null document at index " + i);
            }
            anyText |= !documents.get(i).isEmpty();
        }
        if (!anyText) {
            // Training on only empty documents gives a loss of exactly 0 and learns nothing.
            throw new DatasetException("dataset '" + description + "' holds only empty documents; give it text");
        }
        return new ListDataset(description, List.copyOf(documents));
    }

    private static List<String> splitParagraphs(List<String> lines) {
        List<String> docs = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : lines) {
            if (line.isBlank()) {
                if (current.length() > 0) {
                    docs.add(current.toString());
                    current.setLength(0);
                }
            } else {
                if (current.length() > 0) {
                    current.append('\n');
                }
                current.append(line);
            }
        }
        if (current.length() > 0) {
            docs.add(current.toString());
        }
        return docs;
    }

    private static List<String> parseJsonl(List<String> lines, String where) {
        List<String> docs = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int lineNumber = i + 1;
            if (line.isBlank()) {
                continue;
            }
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                throw new DatasetException("malformed JSON in " + where + " at line " + lineNumber + ": "
                        + e.getOriginalMessage(), e);
            }
            if (node == null || !node.isObject()) {
                throw new DatasetException("line " + lineNumber + " of " + where + " must be a JSON object, was "
                        + (node == null ? "nothing" : node.getNodeType()));
            }
            JsonNode text = node.get("text");
            JsonNode question = node.get("question");
            JsonNode answer = node.get("answer");
            if (text != null && text.isTextual()) {
                docs.add(text.asText());
            } else if (question != null && question.isTextual() && answer != null && answer.isTextual()) {
                docs.add("Q: " + question.asText() + "\nA: " + answer.asText());
            } else {
                List<String> fields = new ArrayList<>();
                node.fieldNames().forEachRemaining(fields::add);
                throw new DatasetException("line " + lineNumber + " of " + where + " needs a string field \"text\" "
                        + "or string fields \"question\" and \"answer\"; found fields " + fields);
            }
        }
        return docs;
    }

    /** An immutable list of documents. */
    private static final class ListDataset implements Dataset {
        private final String description;
        private final List<String> documents;

        ListDataset(String description, List<String> documents) {
            this.description = description;
            this.documents = documents;
        }

        @Override
        public int size() {
            return documents.size();
        }

        @Override
        public String document(int index) {
            return documents.get(index);
        }

        @Override
        public String description() {
            return description;
        }

        @Override
        public String toString() {
            return "Dataset[" + description + ", " + documents.size() + " documents]";
        }
    }
}
