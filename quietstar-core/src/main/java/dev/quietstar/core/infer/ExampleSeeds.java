package dev.quietstar.core.infer;

/**
 * The seed of one example in a batch job: a function of the job's seed and the example's id only, so that an example
 * gets the same random draws whichever process, partition, batch or retry runs it. A result recorded with its seed
 * repeats with one call ({@code quietstar generate --seed S}, or {@code Sampling} with that seed).
 */
public final class ExampleSeeds {

    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private ExampleSeeds() {}

    /**
     * The seed of an example: SplitMix64's finaliser over the job seed and the example's id, so neighbouring ids get
     * unrelated seeds.
     *
     * @param jobSeed the seed of the whole job
     * @param exampleId the example's id, unique within the job
     * @return the example's seed
     */
    public static long of(long jobSeed, long exampleId) {
        long z = jobSeed + GOLDEN * (exampleId + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
