/**
 * {@code quietstar bench}: the measurements behind the library's speed and memory claims (plain timed loops with
 * warm-up, min/median/max over repeated runs, every comparison a ratio measured side by side in one run), written
 * to {@code bench.json} and rendered as {@code docs/benchmarks.md} with a chart per figure; and the measurements
 * too long for unit tests, such as native memory over many generation and training steps
 * ({@link dev.quietstar.examples.bench.MemoryBench}).
 */
package dev.quietstar.examples.bench;
