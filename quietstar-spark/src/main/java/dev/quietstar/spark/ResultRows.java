package dev.quietstar.spark;

import dev.quietstar.api.GenerationResult;
import dev.quietstar.api.TextScore;
import dev.quietstar.api.TokenTrace;
import dev.quietstar.core.eval.ExampleResult;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** The columns the jobs add to their rows, and the conversions between the library's results and rows. */
final class ResultRows {

    private ResultRows() {}

    /** One generated token: the token, its thought, the mixing weight and both probabilities. */
    static final StructType TRACE = new StructType(new StructField[] {
        DataTypes.createStructField("token_id", DataTypes.IntegerType, false),
        DataTypes.createStructField("token", DataTypes.StringType, false),
        DataTypes.createStructField("thought", DataTypes.BooleanType, false),
        DataTypes.createStructField("thought_ids", DataTypes.createArrayType(DataTypes.IntegerType, false), false),
        DataTypes.createStructField("thought_text", DataTypes.StringType, false),
        DataTypes.createStructField("mixing_weight", DataTypes.DoubleType, false),
        DataTypes.createStructField("prob_with_thought", DataTypes.DoubleType, false),
        DataTypes.createStructField("prob_without_thought", DataTypes.DoubleType, false)});

    /** What {@code generate} adds after the id and seed columns. */
    static final List<StructField> GENERATION = List.of(
            DataTypes.createStructField("text", DataTypes.StringType, false),
            DataTypes.createStructField("token_ids", DataTypes.createArrayType(DataTypes.IntegerType, false), false),
            DataTypes.createStructField("stop_reason", DataTypes.StringType, false),
            DataTypes.createStructField("traces", DataTypes.createArrayType(TRACE, false), false));

    /** What {@code score} adds after the id and seed columns. */
    static final List<StructField> SCORE = List.of(
            DataTypes.createStructField("token_ids", DataTypes.createArrayType(DataTypes.IntegerType, false), false),
            DataTypes.createStructField("tokens", DataTypes.createArrayType(DataTypes.StringType, false), false),
            DataTypes.createStructField("base_log_probs", DataTypes.createArrayType(DataTypes.DoubleType, false),
                    false),
            DataTypes.createStructField("think_log_probs", DataTypes.createArrayType(DataTypes.DoubleType, false),
                    false),
            DataTypes.createStructField("mixing_weights", DataTypes.createArrayType(DataTypes.DoubleType, false),
                    false),
            DataTypes.createStructField("thoughts", DataTypes.createArrayType(DataTypes.StringType, false), false),
            DataTypes.createStructField("base_total", DataTypes.DoubleType, false),
            DataTypes.createStructField("think_total", DataTypes.DoubleType, false));

    /** One evaluated question under one setting: the per-example results of {@code quietstar eval}'s details. */
    static final StructType EVAL = new StructType(new StructField[] {
        DataTypes.createStructField("setting", DataTypes.StringType, false),
        DataTypes.createStructField("setting_order", DataTypes.IntegerType, false),
        DataTypes.createStructField("index", DataTypes.IntegerType, false),
        DataTypes.createStructField("answer_log_probs", DataTypes.createArrayType(DataTypes.DoubleType, false),
                false),
        DataTypes.createStructField("correct_tokens", DataTypes.IntegerType, false),
        DataTypes.createStructField("answer_probability", DataTypes.DoubleType, false),
        DataTypes.createStructField("thoughts", DataTypes.IntegerType, false),
        DataTypes.createStructField("mean_mixing_weight", DataTypes.DoubleType, false),
        DataTypes.createStructField("generated", DataTypes.StringType, false),
        DataTypes.createStructField("predicted", DataTypes.StringType, false),
        DataTypes.createStructField("exact_match", DataTypes.BooleanType, false),
        DataTypes.createStructField("mixing_weight_sum", DataTypes.DoubleType, false),
        DataTypes.createStructField("generated_tokens", DataTypes.IntegerType, false),
        DataTypes.createStructField("batch_generation_seconds", DataTypes.DoubleType, false)});

    /** The values of the {@link #GENERATION} columns. */
    static List<Object> generation(GenerationResult r) {
        List<Row> traces = new ArrayList<>();
        for (TokenTrace t : r.traces()) {
            traces.add(RowFactory.create(t.tokenId(), t.text(), t.thought(), seq(t.thoughtIds()), t.thoughtText(),
                    t.mixingWeight(), t.probWithThought(), t.probWithoutThought()));
        }
        return List.of(r.text(), seq(r.tokenIds()), r.stopReason(), seq(traces));
    }

    /** The values of the {@link #SCORE} columns. */
    static List<Object> score(TextScore s) {
        return List.of(seq(s.tokenIds()), seq(s.tokens()), seq(s.baseLogProbs()), seq(s.thinkLogProbs()),
                seq(s.mixingWeights()), seq(s.thoughts()), s.baseTotal(), s.thinkTotal());
    }

    /** An {@link #EVAL} row. */
    static Row eval(String setting, int order, ExampleResult r, double batchSeconds) {
        return RowFactory.create(setting, order, r.index(), seq(r.answerLogProbs()), r.correctTokens(),
                r.answerProbability(), r.thoughts(), r.meanMixingWeight(), r.generated(), r.predicted(),
                r.exactMatch(), r.mixingWeightSum(), r.generatedTokens(), batchSeconds);
    }

    /** The per-example result an {@link #EVAL} row holds. */
    static ExampleResult exampleResult(Row row) {
        return new ExampleResult(row.getInt(2), doubles(row.get(3)), row.getInt(4), row.getDouble(5), row.getInt(6),
                row.getDouble(7), row.getString(8), row.getString(9), row.getBoolean(10), row.getDouble(11),
                row.getInt(12));
    }

    /** A list as the Scala sequence Spark's row encoder takes for an array column. */
    static scala.collection.immutable.Seq<Object> seq(List<?> values) {
        return scala.jdk.javaapi.CollectionConverters.asScala(new ArrayList<Object>(values)).toList();
    }

    /** An array column's values, whether the row was built here (a Java list) or read back by Spark (a Scala seq). */
    @SuppressWarnings("unchecked")
    private static List<Double> doubles(Object value) {
        if (value instanceof List<?> list) {
            return (List<Double>) list;
        }
        if (value instanceof scala.collection.Seq<?> seq) {
            return (List<Double>) scala.jdk.javaapi.CollectionConverters.asJava(seq);
        }
        throw new IllegalStateException("expected an array of doubles, found " + value);
    }
}
