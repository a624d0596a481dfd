package dev.quietstar.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quietstar.core.eval.EvalRow;
import dev.quietstar.core.eval.EvalSummary;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The spark-submit entry point, run in this JVM on the tests' local session. */
class SparkJobTest {

    @TempDir
    static Path dir;
    private static Path export;
    private static Path questions;
    private static SparkSession spark;

    @BeforeAll
    static void setUp() throws Exception {
        export = SparkFixtures.tinyExport(dir.resolve("model"), 31);
        questions = SparkFixtures.demoQuestions(dir.resolve("questions.jsonl"), 24);
        spark = SparkFixtures.session();
    }

    private record Run(int exitCode, String out, String err) {}

    private static Run job(String... args) {
        CommandLine cl = SparkJob.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void evalWritesTheRowsAndTheSummaryOfQuietstarEval() throws Exception {
        Path out = dir.resolve("eval-out");
        Run r = job("eval", "--model", export.toString(), "--input", questions.toString(), "--output",
                out.toString(), "--format", "jsonl", "--settings", "off,once", "--limit", "16", "--seed", "2",
                "--partitions", "3");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("thinking once at answer start").contains("wrote " + out + "/examples");
        Path single = dir.resolve("eval-single");
        SparkFixtures.Cli cli = SparkFixtures.cli("eval", "--model", export.toString(), "--data",
                questions.toString(), "--settings", "off,once", "--limit", "16", "--seed", "2", "--output",
                single.toString());
        assertThat(cli.exitCode()).as(cli.err()).isZero();
        List<EvalRow> want = EvalSummary.readJson(single.resolve("summary.json")).rows();
        List<EvalRow> got = EvalSummary.readJson(out.resolve("summary.json")).rows();
        assertThat(got).hasSameSizeAs(want);
        for (int i = 0; i < want.size(); i++) {
            assertThat(got.get(i).answerNll()).isEqualTo(want.get(i).answerNll());
            assertThat(got.get(i).exactMatch()).isEqualTo(want.get(i).exactMatch());
            assertThat(got.get(i).answerProbability()).isEqualTo(want.get(i).answerProbability());
        }
        assertThat(Files.readString(out.resolve("summary.md"))).contains("thinking off");
        assertThat(spark.read().json(out.resolve("examples").toString()).count()).isEqualTo(32);

        Run again = job("eval", "--model", export.toString(), "--input", questions.toString(), "--output",
                out.toString(), "--limit", "8");
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.err()).contains("exists").contains("--replace");
        assertThat(EvalSummary.readJson(out.resolve("summary.json")).rows()).isEqualTo(got);
        Run replaced = job("eval", "--model", export.toString(), "--input", questions.toString(), "--output",
                out.toString(), "--limit", "8", "--settings", "off", "--replace");
        assertThat(replaced.exitCode()).as(replaced.err()).isZero();
        assertThat(EvalSummary.readJson(out.resolve("summary.json")).rows()).hasSize(1);
    }

    @Test
    void generateReadsATextFileOfPromptsAndWritesParquet() throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            lines.add("Q: " + (i + 10) + "+" + (i + 20) + "=?");
        }
        Path prompts = Files.write(dir.resolve("prompts.txt"), lines);
        Path out = dir.resolve("generated");
        Run r = job("generate", "--model", export.toString(), "--ship-model", "--input", prompts.toString(),
                "--prompt-column", "value", "--output", out.toString(), "--max-tokens", "4", "--think", "once",
                "--trigger", "=?", "--seed", "7");
        assertThat(r.exitCode()).as(r.err()).isZero();
        List<Row> rows = spark.read().parquet(out.toString()).orderBy("id").collectAsList();
        assertThat(rows).hasSize(10);
        for (Row row : rows) {
            List<Row> traces = row.getList(row.fieldIndex("traces"));
            assertThat(traces).isNotEmpty();
            assertThat(traces.get(0).<Boolean>getAs("thought")).as("thinks after the trigger").isTrue();
            if (traces.size() > 1) {
                assertThat(traces.get(1).<Boolean>getAs("thought")).as("once only").isFalse();
            }
        }
    }

    @Test
    void scoreWritesOneRowPerText() throws Exception {
        Path texts = Files.write(dir.resolve("texts.jsonl"), List.of("{\"text\": \"Q: 12+30=?\\nA: 42\"}",
                "{\"text\": \"Q: 50+5=?\\nA: 55\"}"));
        Path out = dir.resolve("scored");
        Run r = job("score", "--model", export.toString(), "--input", texts.toString(), "--output", out.toString(),
                "--format", "jsonl");
        assertThat(r.exitCode()).as(r.err()).isZero();
        List<Row> rows = spark.read().json(out.toString()).collectAsList();
        assertThat(rows).hasSize(2).allSatisfy(row -> assertThat(row.getList(row.fieldIndex("think_log_probs")))
                .isNotEmpty());
    }

    @Test
    void badOptionsAreOneLineErrors() {
        Run r = job("eval", "--model", export.toString(), "--input", questions.toString(), "--output",
                dir.resolve("x").toString(), "--settings", "sometimes");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).startsWith("error: ").contains("sometimes");
        Run f = job("score", "--model", export.toString(), "--input", questions.toString(), "--output",
                dir.resolve("y").toString(), "--format", "csv");
        assertThat(f.exitCode()).isEqualTo(1);
        assertThat(f.err()).contains("--format must be parquet or jsonl");
    }
}
