package dev.quietstar.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quietstar.core.eval.EvalRow;
import dev.quietstar.core.eval.EvalSummary;
import dev.quietstar.core.eval.ExampleResult;
import dev.quietstar.core.eval.SettingResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Evaluating the demo's held-out problems on Spark gives exactly the numbers of {@code quietstar eval} in one
 * process, with 1, 2 or 7 partitions, and when Spark retries a failed task.
 */
class SparkEvaluateTest {

    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS);
    private static final String SETTINGS = "off,every,once,constant";
    /** Five generation batches of 8; the last partitions of a 7-way split get none. */
    private static final int QUESTIONS = 40;

    @TempDir
    static Path dir;
    private static Path export;
    private static Path questions;
    private static EvalSummary reference;
    private static List<JsonNode> referenceSettings;
    private static SparkSession spark;

    @BeforeAll
    static void evaluateInOneProcess() throws Exception {
        export = SparkFixtures.tinyExport(dir.resolve("model"), 11);
        questions = SparkFixtures.demoQuestions(dir.resolve("held-out.jsonl"), QUESTIONS);
        Path out = dir.resolve("eval-single");
        SparkFixtures.Cli r = SparkFixtures.cli("eval", "--model", export.toString(), "--backend", "onnxruntime",
                "--data", questions.toString(), "--settings", SETTINGS, "--seed", "5", "--output", out.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        reference = EvalSummary.readJson(out.resolve("summary.json"));
        referenceSettings = new ArrayList<>();
        JSON.readTree(out.resolve("details.json").toFile()).get("settings").forEach(referenceSettings::add);
        spark = SparkFixtures.session();
    }

    private static SparkEvaluation onSpark(String backend, int partitions) {
        Dataset<Row> rows = spark.read().json(questions.toString());
        QuietStarSpark qs = QuietStarSpark.builder(ModelLocation.of(export.toString())).backend(backend)
                .partitions(partitions).build();
        return qs.evaluate(rows, EvalOptions.defaults().withSettings(SETTINGS).withSeed(5));
    }

    @Test
    void twoPartitionsGiveTheSingleProcessNumbers() {
        assertSameAsSingleProcess(onSpark("onnxruntime", 2));
    }

    @Test
    void oneAndSevenPartitionsGiveTheSameNumbers() {
        assertSameAsSingleProcess(onSpark("onnxruntime", 1));
        assertSameAsSingleProcess(onSpark("onnxruntime", 7));
    }

    @Test
    void aTaskThatFailsOnceIsRetriedAndTheResultIsUnchanged() throws Exception {
        AtomicInteger failedTasks = new AtomicInteger();
        SparkListener listener = new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd end) {
                if (!end.taskInfo().successful()) {
                    failedTasks.incrementAndGet();
                }
            }
        };
        spark.sparkContext().addSparkListener(listener);
        int before = FlakyBackendProvider.FAILURES.get();
        try {
            assertSameAsSingleProcess(onSpark(FlakyBackendProvider.NAME, 3));
        } finally {
            spark.sparkContext().removeSparkListener(listener);
        }
        assertThat(FlakyBackendProvider.FAILURES.get()).as("failures thrown").isGreaterThan(before);
        spark.sparkContext().listenerBus().waitUntilEmpty();
        assertThat(failedTasks.get()).as("tasks Spark saw fail and retried").isGreaterThanOrEqualTo(1);
    }

    @Test
    void thePerQuestionRowsCarryEveryQuestionOncePerSetting() {
        SparkEvaluation e = onSpark("onnxruntime", 2);
        assertThat(e.examples().count()).isEqualTo(4L * QUESTIONS);
        assertThat(e.examples().select("index").distinct().count()).isEqualTo(QUESTIONS);
        assertThat(e.summary().toMarkdown()).contains("thinking off").contains("constant thought");
    }

    @Test
    void aRowInNoKnownLayoutIsNamed() {
        Dataset<Row> rows = spark.read().json(spark.createDataset(List.of("{\"prompt\": \"1+1\"}"),
                org.apache.spark.sql.Encoders.STRING()));
        QuietStarSpark qs = QuietStarSpark.builder(ModelLocation.of(export.toString())).build();
        assertThatThrownBy(() -> qs.evaluate(rows, EvalOptions.defaults()))
                .hasStackTraceContaining("input row:1: unknown layout with fields [prompt]");
    }

    private static void assertSameAsSingleProcess(SparkEvaluation e) {
        assertThat(e.rows()).hasSameSizeAs(reference.rows());
        for (int s = 0; s < reference.rows().size(); s++) {
            EvalRow want = reference.rows().get(s);
            EvalRow got = e.rows().get(s);
            assertThat(got.setting()).isEqualTo(want.setting());
            assertThat(got.examples()).isEqualTo(want.examples()).isEqualTo(QUESTIONS);
            assertThat(got.answerNll()).as(want.setting() + " answer NLL").isEqualTo(want.answerNll());
            assertThat(got.answerProbability()).as(want.setting()).isEqualTo(want.answerProbability());
            assertThat(got.exactMatch()).as(want.setting()).isEqualTo(want.exactMatch());
            SettingResult result = e.settings().get(s);
            JsonNode details = referenceSettings.get(s);
            assertThat(result.tokenAccuracy()).isEqualTo(details.get("tokenAccuracy").asDouble());
            assertSameDouble(result.meanMixingWeight(), details.get("meanMixingWeight"));
            JsonNode perExample = details.get("perExample");
            assertThat(result.perExample()).hasSize(perExample.size());
            for (int i = 0; i < perExample.size(); i++) {
                ExampleResult x = result.perExample().get(i);
                JsonNode y = perExample.get(i);
                assertThat(x.index()).isEqualTo(y.get("index").asInt()).isEqualTo(i);
                List<Double> logProbs = new ArrayList<>();
                y.get("answerLogProbs").forEach(n -> logProbs.add(n.asDouble()));
                assertThat(x.answerLogProbs()).as("question " + i + ", " + want.setting()).isEqualTo(logProbs);
                assertThat(x.correctTokens()).isEqualTo(y.get("correctTokens").asInt());
                assertThat(x.answerProbability()).isEqualTo(y.get("answerProbability").asDouble());
                assertThat(x.thoughts()).isEqualTo(y.get("thoughts").asInt());
                assertSameDouble(x.mixingWeightSum(), y.get("mixingWeightSum"));
                assertThat(x.generated()).isEqualTo(y.get("generated").asText());
                assertThat(x.predicted()).isEqualTo(y.get("predicted").asText());
                assertThat(x.exactMatch()).isEqualTo(y.get("exactMatch").asBoolean());
                assertThat(x.generatedTokens()).isEqualTo(y.get("generatedTokens").asInt());
            }
        }
    }

    private static void assertSameDouble(double got, JsonNode want) {
        if (want.isNumber()) {
            assertThat(got).isEqualTo(want.asDouble());
        } else {
            assertThat(Double.isNaN(got)).as("NaN expected, was " + got).isTrue();
            assertThat(want.asText()).isEqualTo("NaN");
        }
    }
}
