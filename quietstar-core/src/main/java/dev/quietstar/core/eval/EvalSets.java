package dev.quietstar.core.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quietstar.core.io.BoundedFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads evaluation sets from JSON Lines files, detecting the layout from the file's first record.
 *
 * <p>Three layouts are understood (one per file; every line must use the file's layout):
 * <ul>
 *   <li>GSM8K: {@code {"question": "...", "answer": "...#### 1,234"}}. The prompt is
 *       {@code "Q: " + question + "\nA: "}; the gold answer is the text after the last {@code ####}, trimmed, with
 *       commas removed ({@code "1234"}).</li>
 *   <li>CommonsenseQA as released: {@code {"question": {"stem": "...", "choices": [{"label": "A", "text": "..."},
 *       ...]}, "answerKey": "B"}}.</li>
 *   <li>CommonsenseQA in the HuggingFace datasets layout: {@code {"question": "...", "choices": {"label": ["A",
 *       ...], "text": ["...", ...]}, "answerKey": "B"}}.</li>
 * </ul>
 * For both multiple-choice layouts the prompt is {@code "Q: {stem}\nChoices: (A) t1 (B) t2 ...\nA: "} and the gold
 * answer is the label letter; labels must be {@code A, B, C, ...} in order. Blank lines are skipped. Any problem
 * raises an {@link EvalSetException} naming the file and the line.
 */
public final class EvalSets {

    private static final ObjectMapper JSON = new ObjectMapper();

    private EvalSets() {}

    /** The layouts a file can use. */
    private enum Layout {
        GSM8K("GSM8K {\"question\": string, \"answer\": \"... #### number\"}"),
        CSQA_NESTED("CommonsenseQA {\"question\": {\"stem\", \"choices\": [{\"label\", \"text\"}]}, \"answerKey\"}"),
        CSQA_FLAT("CommonsenseQA {\"question\": string, \"choices\": {\"label\": [...], \"text\": [...]}, "
                + "\"answerKey\"}");

        private final String description;

        Layout(String description) {
            this.description = description;
        }
    }

    /**
     * Loads every example of a JSON Lines file.
     *
     * @param jsonl the file, UTF-8, one JSON object per line
     * @return the examples, in file order
     * @throws IOException when the file cannot be read
     * @throws EvalSetException when a line is malformed, naming the file and the line
     */
    public static List<EvalExample> load(Path jsonl) throws IOException {
        String notFile = BoundedFiles.notARegularFile(jsonl);
        if (notFile != null) {
            throw new EvalSetException(jsonl.toString(), 0, (BoundedFiles.MISSING.equals(notFile) ? "no such file"
                    : notFile) + "; expected a JSON Lines evaluation set");
        }
        List<String> lines = Files.readAllLines(jsonl, StandardCharsets.UTF_8);
        return parse(lines, jsonl.toString());
    }

    /**
     * Parses JSON Lines already in memory.
     *
     * @param lines the lines
     * @param source a name for the lines used in error messages, such as the file name
     * @return the examples, in order
     * @throws EvalSetException when a line is malformed
     */
    public static List<EvalExample> parse(List<String> lines, String source) {
        List<EvalExample> examples = new ArrayList<>();
        Layout layout = null;
        int layoutLine = 0;
        for (int i = 0; i < lines.size(); i++) {
            int lineNo = i + 1;
            String line = lines.get(i);
            if (i == 0 && line.startsWith("\uFEFF")) {
                line = line.substring(1);
            }
            if (line.isBlank()) {
                continue;
            }
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                throw new EvalSetException(source, lineNo, "not valid JSON (" + e.getOriginalMessage() + ")");
            }
            if (node == null || !node.isObject()) {
                throw new EvalSetException(source, lineNo, "expected a JSON object per line");
            }
            Layout here = detect(node, source, lineNo);
            if (layout == null) {
                layout = here;
                layoutLine = lineNo;
            } else if (here != layout) {
                throw new EvalSetException(source, lineNo, "this line is in the " + here.description
                        + " layout but the file started in the " + layout.description + " layout (line "
                        + layoutLine + "); use one layout per file");
            }
            examples.add(switch (here) {
                case GSM8K -> gsm8k(node, source, lineNo);
                case CSQA_NESTED -> nested(node, source, lineNo);
                case CSQA_FLAT -> flat(node, source, lineNo);
            });
        }
        if (examples.isEmpty()) {
            throw new EvalSetException(source, 0, "no examples: the file is empty or holds only blank lines");
        }
        return List.copyOf(examples);
    }

    /**
     * Parses one record of a question set on its own, in any of the layouts {@link #load} reads: for records that
     * arrive one at a time (a row of a distributed table written as JSON, say) rather than as a file.
     *
     * @param json one JSON object
     * @param source a name for the record's origin used in error messages
     * @param recordNumber the record's 1-based number in that origin, used in error messages
     * @return the example
     * @throws EvalSetException when the record is not a JSON object in a known layout
     */
    public static EvalExample parseRecord(String json, String source, int recordNumber) {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new EvalSetException(source, recordNumber, "not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (node == null || !node.isObject()) {
            throw new EvalSetException(source, recordNumber, "expected a JSON object");
        }
        return switch (detect(node, source, recordNumber)) {
            case GSM8K -> gsm8k(node, source, recordNumber);
            case CSQA_NESTED -> nested(node, source, recordNumber);
            case CSQA_FLAT -> flat(node, source, recordNumber);
        };
    }

    private static Layout detect(JsonNode node, String source, int lineNo) {
        JsonNode question = node.get("question");
        if (question != null && question.isObject()) {
            return Layout.CSQA_NESTED;
        }
        if (question != null && question.isTextual()) {
            if (node.has("choices")) {
                return Layout.CSQA_FLAT;
            }
            if (node.has("answer")) {
                return Layout.GSM8K;
            }
        }
        List<String> fields = new ArrayList<>();
        node.fieldNames().forEachRemaining(fields::add);
        throw new EvalSetException(source, lineNo, "unknown layout with fields " + fields + "; expected one of: "
                + Layout.GSM8K.description + "; " + Layout.CSQA_NESTED.description + "; "
                + Layout.CSQA_FLAT.description);
    }

    private static EvalExample gsm8k(JsonNode node, String source, int lineNo) {
        String question = text(node, "question", source, lineNo);
        String answer = text(node, "answer", source, lineNo);
        int mark = answer.lastIndexOf("####");
        if (mark < 0) {
            throw new EvalSetException(source, lineNo,
                    "GSM8K answer has no \"####\" before the final answer: " + abbreviate(answer));
        }
        String gold = answer.substring(mark + 4).trim().replace(",", "");
        if (gold.isEmpty()) {
            throw new EvalSetException(source, lineNo, "GSM8K answer has nothing after \"####\"");
        }
        return new EvalExample("Q: " + question + "\nA: ", gold, List.of(), EvalExample.Kind.GSM8K);
    }

    private static EvalExample nested(JsonNode node, String source, int lineNo) {
        JsonNode question = node.get("question");
        String stem = text(question, "stem", source, lineNo);
        JsonNode choices = question.get("choices");
        if (choices == null || !choices.isArray() || choices.isEmpty()) {
            throw new EvalSetException(source, lineNo, "\"question.choices\" must be a non-empty array of "
                    + "{\"label\", \"text\"} objects");
        }
        List<String> labels = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (JsonNode c : choices) {
            labels.add(text(c, "label", source, lineNo));
            texts.add(text(c, "text", source, lineNo));
        }
        return multipleChoice(stem, labels, texts, node, source, lineNo);
    }

    private static EvalExample flat(JsonNode node, String source, int lineNo) {
        String stem = text(node, "question", source, lineNo);
        JsonNode choices = node.get("choices");
        JsonNode labelNode = choices == null ? null : choices.get("label");
        JsonNode textNode = choices == null ? null : choices.get("text");
        if (labelNode == null || textNode == null || !labelNode.isArray() || !textNode.isArray()) {
            throw new EvalSetException(source, lineNo,
                    "\"choices\" must be an object with arrays \"label\" and \"text\"");
        }
        if (labelNode.size() != textNode.size() || labelNode.isEmpty()) {
            throw new EvalSetException(source, lineNo, "\"choices\" needs as many labels as texts and at least one,"
                    + " got " + labelNode.size() + " labels and " + textNode.size() + " texts");
        }
        List<String> labels = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < labelNode.size(); i++) {
            if (!labelNode.get(i).isTextual() || !textNode.get(i).isTextual()) {
                throw new EvalSetException(source, lineNo, "choice " + i + " has a label or text that is not a string");
            }
            labels.add(labelNode.get(i).asText());
            texts.add(textNode.get(i).asText());
        }
        return multipleChoice(stem, labels, texts, node, source, lineNo);
    }

    private static EvalExample multipleChoice(String stem, List<String> labels, List<String> texts, JsonNode node,
            String source, int lineNo) {
        for (int i = 0; i < labels.size(); i++) {
            String expected = String.valueOf((char) ('A' + i));
            if (!labels.get(i).equals(expected)) {
                throw new EvalSetException(source, lineNo, "choice labels must be A, B, C, ... in order; choice "
                        + (i + 1) + " is labelled '" + labels.get(i) + "', expected '" + expected + "'");
            }
        }
        String key = text(node, "answerKey", source, lineNo).trim();
        if (!labels.contains(key)) {
            throw new EvalSetException(source, lineNo, "unknown answerKey '" + key + "'; the choices are labelled "
                    + labels);
        }
        StringBuilder prompt = new StringBuilder("Q: ").append(stem).append("\nChoices:");
        for (int i = 0; i < labels.size(); i++) {
            prompt.append(" (").append(labels.get(i)).append(") ").append(texts.get(i));
        }
        prompt.append("\nA: ");
        return new EvalExample(prompt.toString(), key, texts, EvalExample.Kind.MULTIPLE_CHOICE);
    }

    private static String text(JsonNode node, String field, String source, int lineNo) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            throw new EvalSetException(source, lineNo, "missing field \"" + field + "\"");
        }
        if (!v.isTextual()) {
            throw new EvalSetException(source, lineNo,
                    "field \"" + field + "\" must be a string, was " + v.getNodeType());
        }
        return v.asText();
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
