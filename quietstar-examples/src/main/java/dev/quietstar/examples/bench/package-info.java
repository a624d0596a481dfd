/**
 * {@code quietstar bench}: the measurements behind the library's speed and memory claims (plain timed loops with
 * warm-up, min/median/max over repeated runs, every comparison a ratio measured side by side in one run), written
 * to {@code bench.json} and rendered as {@code docs/benchmarks.md} with a chart per figure.
 */
package dev.quietstar.examples.bench;
