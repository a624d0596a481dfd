package dev.quietstar.core.star;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quietstar.core.eval.AnswerMatching;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads STaR problems from files. */
public final class StarProblems {

    private static final ObjectMapper JSON = new ObjectMapper();

    private StarProblems() {}

    /**
     * Reads GSM8K-style JSONL: one object per line with {@code question} and {@code answer}, the answer being the
     * worked solution followed by a line {@code #### n}. The worked solution becomes the reference rationale and n
     * the gold answer. Blank lines are skipped.
     *
     * @param file the file
     * @return its problems, in order
     * @throws IOException when the file cannot be read
     * @throws IllegalArgumentException naming the line when a line is not such an object
     */
    public static List<StarProblem> gsm8k(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<StarProblem> problems = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            String where = file + " line " + (i + 1);
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException(where + " is not JSON: " + e.getOriginalMessage(), e);
            }
            if (n == null || !n.isObject() || !n.path("question").isTextual() || !n.path("answer").isTextual()) {
                throw new IllegalArgumentException(where + " needs the text fields \"question\" and \"answer\"");
            }
            String answer = n.get("answer").asText();
            int mark = answer.lastIndexOf("####");
            if (mark < 0) {
                throw new IllegalArgumentException(where + ": the answer has no final line '#### <number>'");
            }
            Optional<String> gold = AnswerMatching.extractNumber(answer.substring(mark + 4));
            if (gold.isEmpty()) {
                throw new IllegalArgumentException(where + ": no number after '####'");
            }
            problems.add(new StarProblem(n.get("question").asText(), gold.get(), answer.substring(0, mark).strip()));
        }
        if (problems.isEmpty()) {
            throw new IllegalArgumentException(file + " holds no problem");
        }
        return problems;
    }
}
