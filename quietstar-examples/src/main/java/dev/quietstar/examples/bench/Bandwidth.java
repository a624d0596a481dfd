package dev.quietstar.examples.bench;

import dev.quietstar.core.llama2c.Llama2cHeader;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;

/**
 * Memory read bandwidth from plain Java, and the decode speed it allows: a decoder that reads every weight once per
 * token cannot produce more than {@code bandwidth / weight bytes} tokens per second, whatever its arithmetic.
 *
 * <p>The measurement sums a large {@code float[]} (far larger than any cache) with eight independent accumulators,
 * so that the loop is bound by the loads rather than by the latency of one chain of additions; with several threads
 * each sums its own contiguous part, all started together, and a pass takes as long as its slowest thread.
 */
final class Bandwidth {

    /** Keeps the sums alive, so the compiler cannot drop the loop. */
    private static volatile double sink;

    private Bandwidth() {}

    /**
     * The float32 bytes of every weight of a llama2.c model (the RoPE tables it stores are not weights): what one
     * decode step reads, the tied classifier being the token embedding read in full for the logits.
     *
     * @param h the model's header
     * @return bytes
     */
    static long weightBytes(Llama2cHeader h) {
        return h.expectedFileBytes() - Llama2cHeader.BYTES - (long) h.seqLen() * h.headSize() * Float.BYTES;
    }

    /**
     * The decode speed the bandwidth allows.
     *
     * @param bytesPerSecond read bandwidth
     * @param weightBytes bytes read per token
     * @return tokens per second
     */
    static double limitTokensPerSecond(double bytesPerSecond, long weightBytes) {
        if (weightBytes <= 0) {
            throw new IllegalArgumentException("weight bytes must be > 0, was " + weightBytes);
        }
        return bytesPerSecond / weightBytes;
    }

    /**
     * The bandwidth limit of every measured bandwidth: a row of tokens per second from a row of GB/s.
     *
     * @param gigabytesPerSecond bandwidth runs, 1e9 bytes per second
     * @param weightBytes bytes read per token
     * @return the limit of each run, tokens per second
     */
    static Stats limit(Stats gigabytesPerSecond, long weightBytes) {
        double[] runs = gigabytesPerSecond.runs().clone();
        for (int i = 0; i < runs.length; i++) {
            runs[i] = limitTokensPerSecond(runs[i] * 1e9, weightBytes);
        }
        return Stats.of(runs);
    }

    /**
     * Measures the read bandwidth of an array.
     *
     * @param data the array (its size sets what is measured: make it far larger than the caches)
     * @param threads threads reading it together
     * @param warmup unmeasured passes
     * @param runs measured passes
     * @return GB/s (1e9 bytes per second) of every measured pass
     */
    static Stats measure(float[] data, int threads, int warmup, int runs) {
        double[] rates = new double[runs];
        long bytes = (long) data.length * Float.BYTES;
        for (int r = -warmup; r < runs; r++) {
            double seconds = pass(data, threads);
            if (r >= 0) {
                rates[r] = bytes / seconds / 1e9;
            }
        }
        return Stats.of(rates);
    }

    /** One pass over the whole array by {@code threads} threads; seconds from the common start to the last end. */
    private static double pass(float[] data, int threads) {
        if (threads == 1) {
            long t0 = System.nanoTime();
            sink = sum(data, 0, data.length);
            return (System.nanoTime() - t0) / 1e9;
        }
        CyclicBarrier start = new CyclicBarrier(threads + 1);
        long[] ends = new long[threads];
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int from = (int) ((long) data.length * t / threads);
            int to = (int) ((long) data.length * (t + 1) / threads);
            int index = t;
            Thread w = new Thread(() -> {
                await(start);
                sink = sum(data, from, to);
                ends[index] = System.nanoTime();
            }, "bandwidth-" + t);
            w.start();
            workers.add(w);
        }
        long t0 = System.nanoTime();
        await(start);
        for (Thread w : workers) {
            try {
                w.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while measuring the bandwidth", e);
            }
        }
        long end = 0;
        for (long e : ends) {
            end = Math.max(end, e);
        }
        return (end - t0) / 1e9;
    }

    private static void await(CyclicBarrier b) {
        try {
            b.await();
        } catch (Exception e) {
            throw new IllegalStateException("the bandwidth threads could not start together", e);
        }
    }

    private static double sum(float[] a, int from, int to) {
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        float s4 = 0;
        float s5 = 0;
        float s6 = 0;
        float s7 = 0;
        int i = from;
        for (; i + 8 <= to; i += 8) {
            s0 += a[i];
            s1 += a[i + 1];
            s2 += a[i + 2];
            s3 += a[i + 3];
            s4 += a[i + 4];
            s5 += a[i + 5];
            s6 += a[i + 6];
            s7 += a[i + 7];
        }
        for (; i < to; i++) {
            s0 += a[i];
        }
        return (double) s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7;
    }
}
