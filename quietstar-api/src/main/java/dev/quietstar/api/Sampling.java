package dev.quietstar.api;

/**
 * How output tokens are chosen from the (mixed) next-token distribution.
 *
 * @param temperature softmax temperature; 0 means greedy
 * @param topK keep only the k most likely tokens; 0 keeps all
 * @param topP keep the smallest set of tokens whose probability reaches p; 1 keeps all
 * @param seed seed of the sampler, so a generation can be repeated
 */
public record Sampling(double temperature, int topK, double topP, long seed) {

    /** Validates the fields. */
    public Sampling {
        if (!Double.isFinite(temperature) || temperature < 0) {
            throw new IllegalArgumentException("temperature must be a finite number >= 0, was " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("topK must be >= 0, was " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("topP must be in (0, 1], was " + topP);
        }
    }

    /**
     * Greedy choice: the most likely token.
     *
     * @return greedy sampling
     */
    public static Sampling greedy() {
        return new Sampling(0, 0, 1, 0);
    }

    /**
     * Plain categorical sampling at a temperature.
     *
     * @param temperature the temperature, &gt; 0
     * @param seed the seed
     * @return the sampling rule
     */
    public static Sampling categorical(double temperature, long seed) {
        return new Sampling(temperature, 0, 1, seed);
    }

    /**
     * Whether this rule picks the arg-max.
     *
     * @return true for greedy
     */
    public boolean isGreedy() {
        return temperature == 0;
    }
}
