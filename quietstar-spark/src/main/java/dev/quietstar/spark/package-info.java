/**
 * Quiet-STaR on Apache Spark: thinking generation, scoring and question-set evaluation over {@code Dataset<Row>}
 * ({@link dev.quietstar.spark.QuietStarSpark}), and the {@code spark-submit} entry point
 * ({@link dev.quietstar.spark.SparkJob}).
 *
 * <p>The model reaches the executors as a folder ({@link dev.quietstar.spark.ModelLocation}); each executor JVM opens
 * one reasoner per model and reuses it across tasks ({@link dev.quietstar.spark.ExecutorReasoners}). Every random
 * draw is seeded by the job's seed and the example's id ({@link dev.quietstar.core.infer.ExampleSeeds}), and an
 * evaluation runs the same generation batches as the single-process evaluator, so results do not depend on the
 * number of partitions, on which executor runs a row, or on retries. docs/scale-out.md describes running it.
 */
package dev.quietstar.spark;
