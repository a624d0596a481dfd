package dev.quietstar.spark;

import dev.quietstar.api.GenerationResult;
import dev.quietstar.api.TextScore;
import dev.quietstar.api.config.ThoughtSampling;
import dev.quietstar.core.eval.AnswerEvaluator;
import dev.quietstar.core.eval.EvalExample;
import dev.quietstar.core.eval.EvalProgress;
import dev.quietstar.core.eval.EvalSets;
import dev.quietstar.core.eval.EvalSetting;
import dev.quietstar.core.eval.EvalSummary;
import dev.quietstar.core.eval.ExampleResult;
import dev.quietstar.core.eval.SettingPart;
import dev.quietstar.core.eval.SettingResult;
import dev.quietstar.core.infer.ExampleSeeds;
import dev.quietstar.core.infer.SteppedReasoner;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * Quiet-STaR over Spark {@code Dataset<Row>}s: thinking generation, scoring with and without thinking, and the
 * evaluation of question sets, spread over the executors.
 *
 * <pre>{@code
 * QuietStarSpark qs = QuietStarSpark.builder(ModelLocation.of("hdfs:///models/arithmetic-onnx")).build();
 * Dataset<Row> out = qs.generate(spark.read().json("prompts.jsonl"), "prompt",
 *         GenerateOptions.builder().maxTokens(32).build());
 * SparkEvaluation eval = qs.evaluate(spark.read().json("gsm8k-test.jsonl"), EvalOptions.defaults());
 * System.out.println(eval.summary().toMarkdown());
 * }</pre>
 *
 * <p><b>Ids and seeds.</b> Each row has an id: the value of the id column (default {@code id}, a whole number,
 * unique in the input) when the input has one, else the row's position in the input. Every random draw of a row is
 * seeded by the job's seed and that id ({@link ExampleSeeds}), so the rows do not depend on the number of
 * partitions, on the executor that runs them, or on Spark retrying a task. An evaluation additionally runs the
 * generation batches of the single-process evaluator (questions {@code k * batchSize ..}), so its numbers are those
 * of {@code quietstar eval} on the same file.
 *
 * <p><b>Models.</b> Each executor JVM opens one reasoner per model ({@link ExecutorReasoners}) with the onnxruntime
 * backend by default (no libtorch on the executors); {@code djl-pytorch} runs when asked and its module is on the
 * executors' class path.
 */
public final class QuietStarSpark implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The backend executors use unless told otherwise. */
    public static final String DEFAULT_BACKEND = "onnxruntime";

    private final ModelLocation model;
    private final String backend;
    private final String device;
    private final int partitions;
    private final String idColumn;

    private QuietStarSpark(Builder b) {
        this.model = b.model;
        this.backend = b.backend;
        this.device = b.device;
        this.partitions = b.partitions;
        this.idColumn = b.idColumn;
    }

    /**
     * Starts a builder.
     *
     * @param model where executors find the checkpoint or export folder
     * @return the builder
     */
    public static Builder builder(ModelLocation model) {
        return new Builder(model);
    }

    /** Configures {@link QuietStarSpark}. */
    public static final class Builder {
        private final ModelLocation model;
        private String backend = DEFAULT_BACKEND;
        private String device = "cpu";
        private int partitions;
        private String idColumn = "id";

        private Builder(ModelLocation model) {
            this.model = Objects.requireNonNull(model, "model");
        }

        /**
         * Sets the backend executors run the model on (default {@value #DEFAULT_BACKEND}).
         *
         * @param name a backend's name ({@code onnxruntime}, {@code djl-pytorch}, or one of the user's)
         * @return this builder
         */
        public Builder backend(String name) {
            this.backend = Objects.requireNonNull(name, "backend");
            return this;
        }

        /**
         * Sets the device on every executor (default cpu).
         *
         * @param value cpu, gpu or gpu:N
         * @return this builder
         */
        public Builder device(String value) {
            this.device = Objects.requireNonNull(value, "device");
            return this;
        }

        /**
         * Sets how many partitions the work is spread over (default 0: the input's partitions).
         *
         * @param value at least 0
         * @return this builder
         */
        public Builder partitions(int value) {
            if (value < 0) {
                throw new IllegalArgumentException("partitions must be >= 0 (0: the input's), was " + value);
            }
            this.partitions = value;
            return this;
        }

        /**
         * Sets the column that holds each row's id (default {@code id}); rows of an input without it are numbered
         * by position.
         *
         * @param name the column
         * @return this builder
         */
        public Builder idColumn(String name) {
            this.idColumn = Objects.requireNonNull(name, "idColumn");
            return this;
        }

        /**
         * Builds it; the model is opened by the executors, not here.
         *
         * @return the configured jobs
         */
        public QuietStarSpark build() {
            dev.quietstar.api.ComputeDevice.parse(device); // refuses a malformed device on the driver
            return new QuietStarSpark(this);
        }
    }

    /**
     * Generates a continuation of every prompt, thinking as the options say, with a trace per token.
     *
     * @param input rows with a prompt column
     * @param promptColumn the column holding the prompt (a string)
     * @param options generation options
     * @return the input's columns, {@code id} (when the input had none), {@code seed} (the row's output seed, as
     *     {@code quietstar generate --seed} takes it), {@code text}, {@code token_ids}, {@code stop_reason} and
     *     {@code traces} (per token: {@code token_id}, {@code token}, {@code thought}, {@code thought_ids},
     *     {@code thought_text}, {@code mixing_weight}, {@code prob_with_thought}, {@code prob_without_thought})
     * @throws IllegalArgumentException when the column is missing or not a string
     */
    public Dataset<Row> generate(Dataset<Row> input, String promptColumn, GenerateOptions options) {
        Objects.requireNonNull(options, "options");
        int column = stringColumn(input, promptColumn);
        ModelLocation m = model;
        String b = backend;
        String d = device;
        long jobSeed = options.seed();
        boolean addId = !hasIdColumn(input.schema());
        StructType schema = outputSchema(input.schema(), ResultRows.GENERATION);
        JavaRDD<Row> rows = identified(input).mapPartitions(it -> {
            SteppedReasoner reasoner = ExecutorReasoners.get(m, b, d);
            List<Row> out = new ArrayList<>();
            while (it.hasNext()) {
                Tuple2<Row, Long> t = it.next();
                long seed = ExampleSeeds.of(jobSeed, t._2());
                String prompt = prompt(t._1(), column, promptColumn, t._2());
                GenerationResult r = reasoner.generate(prompt, options.forRow(seed));
                out.add(extend(t._1(), addId, t._2(), seed, ResultRows.generation(r)));
            }
            return out.iterator();
        });
        return input.sparkSession().createDataFrame(rows, schema);
    }

    /**
     * Scores every text with and without thinking: per token, the base model's log-probability and the
     * think-then-talk one, with the thought and mixing weight that preceded it.
     *
     * @param input rows with a text column
     * @param textColumn the column holding the text (a string)
     * @param sampling how thought tokens are chosen
     * @param seed the job seed; each row's thoughts are seeded by it and the row's id
     * @return the input's columns, {@code id} (when the input had none), {@code seed}, {@code token_ids},
     *     {@code tokens}, {@code base_log_probs}, {@code think_log_probs}, {@code mixing_weights}, {@code thoughts},
     *     {@code base_total} and {@code think_total}
     * @throws IllegalArgumentException when the column is missing or not a string
     */
    public Dataset<Row> score(Dataset<Row> input, String textColumn, ThoughtSampling sampling, long seed) {
        Objects.requireNonNull(sampling, "sampling");
        int column = stringColumn(input, textColumn);
        ModelLocation m = model;
        String b = backend;
        String d = device;
        boolean addId = !hasIdColumn(input.schema());
        StructType schema = outputSchema(input.schema(), ResultRows.SCORE);
        JavaRDD<Row> rows = identified(input).mapPartitions(it -> {
            SteppedReasoner reasoner = ExecutorReasoners.get(m, b, d);
            List<Row> out = new ArrayList<>();
            while (it.hasNext()) {
                Tuple2<Row, Long> t = it.next();
                long rowSeed = ExampleSeeds.of(seed, t._2());
                TextScore s = reasoner.score(prompt(t._1(), column, textColumn, t._2()), sampling, rowSeed);
                out.add(extend(t._1(), addId, t._2(), rowSeed, ResultRows.score(s)));
            }
            return out.iterator();
        });
        return input.sparkSession().createDataFrame(rows, schema);
    }

    /**
     * Evaluates a question set under several settings, as {@code quietstar eval} does, spread over the executors.
     * The questions are read from the rows in any layout {@code eval} reads (GSM8K {@code question}/{@code answer};
     * CommonsenseQA nested or flat); a question's index is its position in the input.
     *
     * @param questions the question set, in its order
     * @param options the evaluation options
     * @return the per-question rows and the summary
     * @throws IllegalArgumentException when the set is empty, or (from the executors) naming the row that is not a
     *     question in a known layout or does not fit the model
     */
    public SparkEvaluation evaluate(Dataset<Row> questions, EvalOptions options) {
        Objects.requireNonNull(options, "options");
        List<EvalSetting> settings = options.parsedSettings();
        int batch = options.batchSize();
        long limit = options.limit() == null ? Long.MAX_VALUE : options.limit();
        ModelLocation m = model;
        String b = backend;
        String d = device;
        JavaPairRDD<Long, Tuple2<Long, String>> indexed = questions.toJSON().javaRDD().zipWithIndex()
                .filter(t -> t._2() < limit)
                .mapToPair(t -> new Tuple2<>(t._2() / batch, new Tuple2<>(t._2(), t._1())));
        int parts = partitions > 0 ? partitions : Math.max(1, questions.rdd().getNumPartitions());
        JavaRDD<Row> rows = indexed.groupByKey(new HashPartitioner(parts)).mapPartitions(blocks -> {
            if (!blocks.hasNext()) {
                return java.util.Collections.emptyIterator();
            }
            SteppedReasoner reasoner = ExecutorReasoners.get(m, b, d);
            AnswerEvaluator evaluator = options.evaluator(reasoner);
            List<EvalSetting> parsed = options.parsedSettings();
            List<Row> out = new ArrayList<>();
            while (blocks.hasNext()) {
                out.addAll(evaluateBlock(evaluator, parsed, blocks.next()._2()));
            }
            return out.iterator();
        }).persist(StorageLevel.MEMORY_AND_DISK());
        List<Row> collected = rows.collect();
        if (collected.isEmpty()) {
            rows.unpersist(false);
            throw new IllegalArgumentException("no questions to evaluate: the input has no rows");
        }
        List<SettingResult> results = summarise(collected, settings, options.exactMatch());
        long count = results.get(0).examples();
        EvalSummary summary = new EvalSummary("Spark dataset (" + count + " questions)",
                results.stream().map(SettingResult::toEvalRow).toList());
        Dataset<Row> examples = questions.sparkSession().createDataFrame(rows, ResultRows.EVAL);
        return new SparkEvaluation(examples, results, summary);
    }

    /** Evaluates one generation batch of questions, given as (index, JSON) pairs. */
    private static List<Row> evaluateBlock(AnswerEvaluator evaluator, List<EvalSetting> settings,
            Iterable<Tuple2<Long, String>> block) {
        List<Tuple2<Long, String>> sorted = new ArrayList<>();
        block.forEach(sorted::add);
        sorted.sort(Comparator.comparingLong(Tuple2::_1));
        long first = sorted.get(0)._1();
        List<EvalExample> examples = new ArrayList<>();
        for (int i = 0; i < sorted.size(); i++) {
            long index = sorted.get(i)._1();
            if (index != first + i || index > Integer.MAX_VALUE) {
                throw new IllegalStateException("question indices of a batch are not consecutive: " + first + " then "
                        + index);
            }
            examples.add(EvalSets.parseRecord(sorted.get(i)._2(), "input row", (int) index + 1));
        }
        List<SettingPart> parts = evaluator.evaluatePart(examples, (int) first, settings, EvalProgress.NONE);
        List<Row> out = new ArrayList<>();
        for (int s = 0; s < parts.size(); s++) {
            SettingPart part = parts.get(s);
            List<ExampleResult> results = part.examples();
            for (int i = 0; i < results.size(); i++) {
                out.add(ResultRows.eval(part.setting(), s, results.get(i), i == 0 ? part.generationSeconds() : 0));
            }
        }
        return out;
    }

    /** Each setting's result from the rows of all questions, summed in question order. */
    private static List<SettingResult> summarise(List<Row> rows, List<EvalSetting> settings, boolean generated) {
        List<SettingResult> results = new ArrayList<>();
        for (int s = 0; s < settings.size(); s++) {
            int order = s;
            List<Row> mine = rows.stream().filter(r -> r.getInt(1) == order)
                    .sorted(Comparator.comparingInt(r -> r.getInt(2))).toList();
            double seconds = 0;
            List<ExampleResult> examples = new ArrayList<>();
            for (Row r : mine) {
                if (r.getInt(2) != examples.size()) {
                    throw new IllegalStateException("setting " + settings.get(s).name() + " has no result for question "
                            + examples.size());
                }
                examples.add(ResultRows.exampleResult(r));
                seconds += r.getDouble(13);
            }
            results.add(SettingResult.summarise(settings.get(s).name(), examples, seconds, generated));
        }
        return results;
    }

    /** The input's rows with their ids, spread over the requested partitions. */
    private JavaRDD<Tuple2<Row, Long>> identified(Dataset<Row> input) {
        StructType schema = input.schema();
        JavaRDD<Tuple2<Row, Long>> rows;
        if (Arrays.asList(schema.fieldNames()).contains(idColumn)) {
            DataType type = schema.apply(idColumn).dataType();
            if (!(type.equals(DataTypes.LongType) || type.equals(DataTypes.IntegerType)
                    || type.equals(DataTypes.ShortType))) {
                throw new IllegalArgumentException("id column '" + idColumn + "' must hold whole numbers, it holds "
                        + type.simpleString() + "; rename it or choose another id column");
            }
            int at = schema.fieldIndex(idColumn);
            String name = idColumn;
            rows = input.javaRDD().map(r -> {
                if (r.isNullAt(at)) {
                    throw new IllegalArgumentException("a row has no value in id column '" + name + "'");
                }
                return new Tuple2<>(r, ((Number) r.get(at)).longValue());
            });
        } else {
            rows = input.javaRDD().zipWithIndex().map(t -> new Tuple2<>(t._1(), t._2()));
        }
        return partitions > 0 ? rows.repartition(partitions) : rows;
    }

    private boolean hasIdColumn(StructType schema) {
        return Arrays.asList(schema.fieldNames()).contains(idColumn);
    }

    private StructType outputSchema(StructType input, List<StructField> added) {
        List<StructField> fields = new ArrayList<>(Arrays.asList(input.fields()));
        if (!hasIdColumn(input)) {
            fields.add(DataTypes.createStructField(idColumn, DataTypes.LongType, false));
        }
        fields.add(DataTypes.createStructField("seed", DataTypes.LongType, false));
        fields.addAll(added);
        List<String> names = Arrays.asList(input.fieldNames());
        for (StructField f : fields.subList(input.fields().length, fields.size())) {
            if (names.contains(f.name())) {
                throw new IllegalArgumentException("the input already has a column '" + f.name() + "', which the "
                        + "result adds; rename it first");
            }
        }
        return new StructType(fields.toArray(StructField[]::new));
    }

    private static Row extend(Row row, boolean addId, long id, long seed, List<Object> values) {
        List<Object> all = new ArrayList<>(row.size() + values.size() + 2);
        for (int i = 0; i < row.size(); i++) {
            all.add(row.get(i));
        }
        if (addId) {
            all.add(id);
        }
        all.add(seed);
        all.addAll(values);
        return RowFactory.create(all.toArray());
    }

    private static int stringColumn(Dataset<Row> input, String column) {
        Objects.requireNonNull(column, "column");
        StructType schema = input.schema();
        if (!Arrays.asList(schema.fieldNames()).contains(column)) {
            throw new IllegalArgumentException("the input has no column '" + column + "'; its columns are "
                    + Arrays.toString(schema.fieldNames()));
        }
        if (!schema.apply(column).dataType().equals(DataTypes.StringType)) {
            throw new IllegalArgumentException("column '" + column + "' must hold strings, it holds "
                    + schema.apply(column).dataType().simpleString());
        }
        return schema.fieldIndex(column);
    }

    private static String prompt(Row row, int column, String name, long id) {
        if (row.isNullAt(column)) {
            throw new IllegalArgumentException("row " + id + " has no value in column '" + name + "'");
        }
        return row.getString(column);
    }
}
