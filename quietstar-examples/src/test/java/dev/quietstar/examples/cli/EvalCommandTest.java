package dev.quietstar.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quietstar.core.eval.EvalRow;
import dev.quietstar.core.eval.EvalSets;
import dev.quietstar.core.eval.EvalSummary;
import dev.quietstar.examples.TinyCheckpoints;
import dev.quietstar.examples.data.ArithmeticCorpus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvalCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    private static Path checkpoint;
    private static Path gsm8k;
    private static Path csqa;

    @BeforeAll
    static void writeCheckpointAndSets() throws Exception {
        checkpoint = TinyCheckpoints.save(dir.resolve("tiny"), 5);
        List<String> lines = new ArrayList<>();
        for (ArithmeticCorpus.Problem p : ArithmeticCorpus.builder().optSeed(3).optTrainDocuments(50)
                .optHeldOutProblems(50).build().heldOut()) {
            ObjectNode o = JSON.createObjectNode();
            String q = p.question();
            o.put("question", q.substring("Q: ".length(), q.length() - "\nA: ".length()));
            String number = p.answer().replace("#### ", "");
            o.put("answer", "Worked out step by step.\n#### " + number);
            lines.add(JSON.writeValueAsString(o));
        }
        gsm8k = Files.write(dir.resolve("gsm8k.jsonl"), lines);
        lines = new ArrayList<>();
        String[] colours = {"red", "blue", "green", "white", "black"};
        for (int i = 0; i < 50; i++) {
            ObjectNode o = JSON.createObjectNode();
            ObjectNode question = o.putObject("question");
            question.put("stem", "Which colour is item " + i + "?");
            ArrayNode choices = question.putArray("choices");
            for (int c = 0; c < colours.length; c++) {
                choices.addObject().put("label", String.valueOf((char) ('A' + c))).put("text", colours[c]);
            }
            o.put("answerKey", String.valueOf((char) ('A' + i % colours.length)));
            lines.add(JSON.writeValueAsString(o));
        }
        csqa = Files.write(dir.resolve("csqa.jsonl"), lines);
    }

    @Test
    void theTestSetsHaveFiftyQuestionsInTheirLayouts() throws Exception {
        assertThat(EvalSets.load(gsm8k)).hasSize(50);
        assertThat(EvalSets.load(csqa)).hasSize(50).allMatch(e -> e.choices().size() == 5);
    }

    @Test
    void evaluatesAGsm8kFileAndWritesTheSummaries() throws Exception {
        Path out = dir.resolve("gsm8k-out");
        CliRun r = CliRun.of("eval", "--model", checkpoint.toString(), "--data", gsm8k.toString(), "--limit", "2",
                "--settings", "off,every,once,constant", "--margin", "1", "--batch-size", "2", "--output", out.toString());
        assertThat(r.exitCode()).as(r.err()).isEqualTo(0);
        EvalSummary summary = EvalSummary.readJson(out.resolve("summary.json"));
        assertThat(summary.rows()).extracting(EvalRow::setting).containsExactly("thinking off",
                "thinking on, every token", "thinking once at answer start",
                "thinking on, every token, constant thought");
        for (EvalRow row : summary.rows()) {
            assertThat(row.examples()).isEqualTo(2);
            assertThat(row.answerNll()).isPositive();
            assertThat(row.answerProbability()).isBetween(0.0, 1.0);
            assertThat(row.exactMatch()).isBetween(0.0, 1.0);
        }
        assertThat(Files.readString(out.resolve("summary.md"))).contains("| thinking off |").contains("token accuracy");
        JsonNode details = JSON.readTree(out.resolve("details.json").toFile());
        assertThat(details.get("settings")).hasSize(4);
        assertThat(details.get("settings").get(0).get("perExample")).hasSize(2);
        assertThat(r.out()).contains("| setting |").contains("wrote ");
        assertThat(r.err()).as("plain progress lines when not a terminal").contains("eval: ").contains("10/10");
    }

    @Test
    void onnxRuntimeOnAnExportGivesTheDjlNumbers() throws Exception {
        Path export = dir.resolve("tiny-onnx");
        CliRun exported = CliRun.of("export-onnx", "--model", checkpoint.toString(), "--output", export.toString());
        assertThat(exported.exitCode()).as(exported.err()).isEqualTo(0);
        Path djlOut = dir.resolve("parity-djl");
        Path onnxOut = dir.resolve("parity-onnx");
        String[] common = {"--data", gsm8k.toString(), "--limit", "4", "--settings", "off,every,once", "--margin",
            "2", "--batch-size", "2"};
        CliRun djl = CliRun.of(concat(new String[] {"eval", "--backend", "djl-pytorch", "--model",
            checkpoint.toString(), "--output", djlOut.toString()}, common));
        CliRun onnx = CliRun.of(concat(new String[] {"eval", "--model", export.toString(), "--output",
            onnxOut.toString()}, common));
        assertThat(djl.exitCode()).as(djl.err()).isEqualTo(0);
        assertThat(onnx.exitCode()).as(onnx.err()).isEqualTo(0);
        JsonNode a = JSON.readTree(djlOut.resolve("details.json").toFile());
        JsonNode b = JSON.readTree(onnxOut.resolve("details.json").toFile());
        assertThat(a.get("backend").asText()).isEqualTo("djl-pytorch");
        assertThat(b.get("backend").asText()).as("an export is opened by the backend that runs exports")
                .isEqualTo("onnxruntime");
        for (int s = 0; s < 3; s++) {
            JsonNode x = a.get("settings").get(s);
            JsonNode y = b.get("settings").get(s);
            assertThat(y.get("answerNll").asDouble()).as(x.get("setting").asText())
                    .isCloseTo(x.get("answerNll").asDouble(), within(1e-4));
            for (int e = 0; e < 4; e++) {
                assertThat(y.get("perExample").get(e).get("generated").asText()).as("example %d", e)
                        .isEqualTo(x.get("perExample").get(e).get("generated").asText());
            }
            assertThat(y.get("exactMatch").asDouble()).isEqualTo(x.get("exactMatch").asDouble());
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void evaluatesACommonsenseQaFileWithoutGeneration() throws Exception {
        Path out = dir.resolve("csqa-out");
        CliRun r = CliRun.of("eval", "--model", checkpoint.toString(), "--data", csqa.toString(), "--limit", "4",
                "--settings", "off,once", "--no-generate", "--output", out.toString());
        assertThat(r.exitCode()).as(r.err()).isEqualTo(0);
        EvalSummary summary = EvalSummary.readJson(out.resolve("summary.json"));
        assertThat(summary.rows()).hasSize(2);
        assertThat(summary.rows().get(0).exactMatch()).as("not measured").isNaN();
        assertThat(summary.rows().get(1).answerProbability()).isBetween(0.0, 1.0);
        assertThat(Files.exists(out.resolve("summary.md"))).isTrue();
    }

    @Test
    void badInputGivesAClearError() {
        CliRun unknown = CliRun.of("eval", "--model", checkpoint.toString(), "--data", gsm8k.toString(), "--settings",
                "off,sometimes");
        assertThat(unknown.exitCode()).isEqualTo(1);
        assertThat(unknown.err()).contains("unknown evaluation setting 'sometimes'");
        CliRun missing = CliRun.of("eval", "--model", checkpoint.toString(), "--data", dir.resolve("no.jsonl")
                .toString());
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("no such file");
    }
}
