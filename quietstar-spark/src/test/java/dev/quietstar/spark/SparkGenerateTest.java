package dev.quietstar.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quietstar.api.Reasoner;
import dev.quietstar.api.TextScore;
import dev.quietstar.api.config.ThoughtSampling;
import dev.quietstar.core.backend.Backends;
import dev.quietstar.core.infer.ExampleSeeds;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Generation and scoring on Spark give, row by row, what one process gives for the row's seed: {@code quietstar
 * generate --json --seed S} for generation, the reasoner's own {@code score} for scoring.
 */
class SparkGenerateTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PROMPTS = 100;
    private static final int MAX_TOKENS = 8;

    @TempDir
    static Path dir;
    private static Path export;
    private static SparkSession spark;
    private static Dataset<Row> prompts;

    @BeforeAll
    static void setUp() throws Exception {
        export = SparkFixtures.tinyExport(dir.resolve("model"), 23);
        spark = SparkFixtures.session();
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < PROMPTS; i++) {
            texts.add("Q: " + (17 * i % 90 + 10) + "+" + (31 * i % 80 + 10) + "=?\nA: ");
        }
        prompts = spark.createDataset(texts, Encoders.STRING()).toDF("prompt");
    }

    private static GenerateOptions options(long seed) {
        return GenerateOptions.builder().maxTokens(MAX_TOKENS).sampling(0.8, 0, 1).seed(seed).build();
    }

    @Test
    void aHundredPromptsGiveTheTracesOfGenerateJsonForTheirSeeds() {
        List<Row> rows = QuietStarSpark.builder(ModelLocation.of(export.toString())).partitions(3).build()
                .generate(prompts, "prompt", options(9)).orderBy("id").collectAsList();
        assertThat(rows).hasSize(PROMPTS);
        for (int i = 0; i < PROMPTS; i++) {
            Row row = rows.get(i);
            assertThat(row.<Long>getAs("id")).isEqualTo(i);
            long seed = row.getAs("seed");
            assertThat(seed).isEqualTo(ExampleSeeds.of(9, i));
            SparkFixtures.Cli cli = SparkFixtures.cli("generate", "--model", export.toString(), "--backend",
                    "onnxruntime", "--prompt", row.getAs("prompt"), "--max-tokens", String.valueOf(MAX_TOKENS),
                    "--temperature", "0.8", "--seed", Long.toString(seed), "--json");
            assertThat(cli.exitCode()).as(cli.err()).isZero();
            assertSameGeneration(row, cli.out(), "row " + i);
        }
    }

    @Test
    void theRowsDoNotDependOnThePartitioning() {
        QuietStarSpark one = QuietStarSpark.builder(ModelLocation.of(export.toString())).partitions(1).build();
        QuietStarSpark five = QuietStarSpark.builder(ModelLocation.of(export.toString())).partitions(5).build();
        Dataset<Row> head = prompts.limit(20);
        assertThat(five.generate(head, "prompt", options(4)).orderBy("id").collectAsList())
                .isEqualTo(one.generate(head, "prompt", options(4)).orderBy("id").collectAsList());
    }

    @Test
    void djlPytorchRunsWhenAskedAndAgreesWithItsCommandLine() throws Exception {
        Path checkpoint = export.resolveSibling("checkpoint");
        List<Row> rows = QuietStarSpark.builder(ModelLocation.of(checkpoint.toString())).backend("djl-pytorch")
                .partitions(2).build().generate(prompts.limit(4), "prompt", options(2)).orderBy("id")
                .collectAsList();
        for (Row row : rows) {
            SparkFixtures.Cli cli = SparkFixtures.cli("generate", "--model", checkpoint.toString(), "--backend",
                    "djl-pytorch", "--prompt", row.getAs("prompt"), "--max-tokens", String.valueOf(MAX_TOKENS),
                    "--temperature", "0.8", "--seed", Long.toString(row.getAs("seed")), "--json");
            assertThat(cli.exitCode()).as(cli.err()).isZero();
            assertSameGeneration(row, cli.out(), "djl row " + row.getAs("id"));
        }
    }

    @Test
    void scoresEqualTheReasonersOwnForEachRowsSeed() {
        Dataset<Row> texts = prompts.limit(12).withColumnRenamed("prompt", "text");
        List<Row> rows = QuietStarSpark.builder(ModelLocation.of(export.toString())).partitions(2).build()
                .score(texts, "text", ThoughtSampling.SAMPLE, 3).orderBy("id").collectAsList();
        try (Reasoner reasoner = Backends.discover().byName("onnxruntime").create().openReasoner(export)) {
            for (Row row : rows) {
                TextScore want = reasoner.score(row.getAs("text"), ThoughtSampling.SAMPLE, row.getAs("seed"));
                assertThat(row.<scala.collection.Seq<Double>>getAs("think_log_probs")).isNotNull();
                assertThat(row.getList(row.fieldIndex("think_log_probs"))).isEqualTo(want.thinkLogProbs());
                assertThat(row.getList(row.fieldIndex("base_log_probs"))).isEqualTo(want.baseLogProbs());
                assertThat(row.getList(row.fieldIndex("thoughts"))).isEqualTo(want.thoughts());
                assertThat(row.<Double>getAs("think_total")).isEqualTo(want.thinkTotal());
            }
        }
    }

    @Test
    void anIdColumnOfTheInputSeedsTheRows() {
        Dataset<Row> withIds = prompts.limit(3).withColumn("id", org.apache.spark.sql.functions.lit(1000L)
                .plus(org.apache.spark.sql.functions.monotonically_increasing_id()));
        List<Row> rows = QuietStarSpark.builder(ModelLocation.of(export.toString())).build()
                .generate(withIds, "prompt", options(1)).collectAsList();
        for (Row row : rows) {
            assertThat(row.<Long>getAs("seed")).isEqualTo(ExampleSeeds.of(1, row.<Long>getAs("id")));
        }
    }

    @Test
    void badInputIsRefusedOnTheDriverWithItsName() {
        QuietStarSpark qs = QuietStarSpark.builder(ModelLocation.of(export.toString())).build();
        assertThatThrownBy(() -> qs.generate(prompts, "question", options(0)))
                .hasMessageContaining("no column 'question'").hasMessageContaining("prompt");
        assertThatThrownBy(() -> QuietStarSpark.builder(ModelLocation.of(export.toString())).backend("no-such")
                .build().generate(prompts.limit(1), "prompt", options(0)).collectAsList())
                .hasStackTraceContaining("no-such");
        assertThatThrownBy(() -> QuietStarSpark.builder(ModelLocation.of(dir.resolve("missing").toString())).build()
                .generate(prompts.limit(1), "prompt", options(0)).collectAsList())
                .hasStackTraceContaining("is not readable here");
        assertThatThrownBy(() -> GenerateOptions.builder().think("sometimes").build())
                .hasMessageContaining("sometimes");
    }

    /** The row's generation equals the command line's JSON field for field. */
    private static void assertSameGeneration(Row row, String json, String what) {
        JsonNode want;
        try {
            want = JSON.readTree(json);
        } catch (Exception e) {
            throw new AssertionError(what + ": the command line printed no JSON: " + json, e);
        }
        assertThat(row.<String>getAs("text")).as(what).isEqualTo(want.get("text").asText());
        assertThat(row.<String>getAs("stop_reason")).as(what).isEqualTo(want.get("stopReason").asText());
        List<Row> traces = row.getList(row.fieldIndex("traces"));
        JsonNode wantTraces = want.get("traces");
        assertThat(traces).as(what).hasSize(wantTraces.size());
        for (int t = 0; t < traces.size(); t++) {
            Row got = traces.get(t);
            JsonNode w = wantTraces.get(t);
            String at = what + ", token " + t;
            assertThat(got.<Integer>getAs("token_id")).as(at).isEqualTo(w.get("tokenId").asInt());
            assertThat(got.<String>getAs("token")).as(at).isEqualTo(w.get("text").asText());
            List<Integer> thoughtIds = new ArrayList<>();
            w.get("thoughtIds").forEach(n -> thoughtIds.add(n.asInt()));
            assertThat(got.getList(got.fieldIndex("thought_ids"))).as(at).isEqualTo(thoughtIds);
            assertThat(got.<Boolean>getAs("thought")).as(at).isEqualTo(!thoughtIds.isEmpty());
            assertThat(got.<String>getAs("thought_text")).as(at).isEqualTo(w.get("thoughtText").asText());
            assertThat(got.<Double>getAs("mixing_weight")).as(at).isEqualTo(w.get("mixingWeight").asDouble());
            assertThat(got.<Double>getAs("prob_with_thought")).as(at).isEqualTo(w.get("probWithThought").asDouble());
            assertThat(got.<Double>getAs("prob_without_thought")).as(at)
                    .isEqualTo(w.get("probWithoutThought").asDouble());
        }
    }
}
