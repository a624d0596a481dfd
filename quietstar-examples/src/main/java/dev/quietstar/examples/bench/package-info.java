/**
 * Measurements that are too long for unit tests: native memory over many generation and training steps
 * ({@link dev.quietstar.examples.bench.MemoryBench}).
 */
package dev.quietstar.examples.bench;
