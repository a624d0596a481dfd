package dev.quietstar.spark;

import dev.quietstar.api.GenerationOptions;
import dev.quietstar.api.Sampling;
import dev.quietstar.api.ThinkingPolicy;
import dev.quietstar.api.config.ThoughtSampling;
import dev.quietstar.core.infer.ThinkingPolicies;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The options of {@link QuietStarSpark#generate}: those of {@link GenerationOptions} and the thinking policy, in a
 * form that travels to executors. The output seed is not one number for the whole job: each row samples with
 * {@code ExampleSeeds.of(seed, id)}, recorded in the row's {@code seed} column, so that {@code quietstar generate
 * --seed <that seed>} repeats the row.
 *
 * <pre>{@code
 * GenerateOptions options = GenerateOptions.builder().maxTokens(32).stop("\n").think("once").build();
 * }</pre>
 */
public final class GenerateOptions implements Serializable {

    private static final long serialVersionUID = 1L;

    private final int maxTokens;
    private final List<String> stops;
    private final double temperature;
    private final int topK;
    private final double topP;
    private final long seed;
    private final boolean greedyThoughts;
    private final String think;
    private final String trigger;
    private final List<String> thinkAfter;
    private final ThinkingPolicy policy;

    private GenerateOptions(Builder b) {
        this.maxTokens = b.maxTokens;
        this.stops = List.copyOf(b.stops);
        this.temperature = b.temperature;
        this.topK = b.topK;
        this.topP = b.topP;
        this.seed = b.seed;
        this.greedyThoughts = b.greedyThoughts;
        this.think = b.think;
        this.trigger = b.trigger;
        this.thinkAfter = List.copyOf(b.thinkAfter);
        this.policy = b.policy;
    }

    /**
     * Starts a builder with {@code quietstar generate}'s defaults: 64 tokens, greedy output, sampled thoughts, a
     * thought before every token, seed 0.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The job seed rows derive their seeds from.
     *
     * @return the seed
     */
    public long seed() {
        return seed;
    }

    /**
     * The generation options of one row; every trace is recorded.
     *
     * @param rowSeed the row's seed
     * @return the options
     */
    public GenerationOptions forRow(long rowSeed) {
        return new GenerationOptions(maxTokens, stops, new Sampling(temperature, topK, topP, rowSeed),
                greedyThoughts ? ThoughtSampling.GREEDY : ThoughtSampling.SAMPLE, policy(), true);
    }

    private ThinkingPolicy policy() {
        if (think != null) {
            return ThinkingPolicies.parse(think, trigger);
        }
        if (!thinkAfter.isEmpty()) {
            return ThinkingPolicy.afterTriggers(thinkAfter);
        }
        return policy != null ? policy : ThinkingPolicy.everyToken();
    }

    /** Configures {@link GenerateOptions}; {@link #build} checks the values. */
    public static final class Builder {
        private int maxTokens = 64;
        private final List<String> stops = new ArrayList<>();
        private double temperature;
        private int topK;
        private double topP = 1;
        private long seed;
        private boolean greedyThoughts;
        private String think;
        private String trigger = "A: ";
        private final List<String> thinkAfter = new ArrayList<>();
        private ThinkingPolicy policy;

        private Builder() {}

        /**
         * Sets the most tokens to generate per row (default 64).
         *
         * @param value at least 1
         * @return this builder
         */
        public Builder maxTokens(int value) {
            this.maxTokens = value;
            return this;
        }

        /**
         * Adds a stop string: generation ends once the text contains it.
         *
         * @param value the text
         * @return this builder
         */
        public Builder stop(String value) {
            stops.add(Objects.requireNonNull(value, "stop"));
            return this;
        }

        /**
         * Sets output sampling (default greedy: temperature 0).
         *
         * @param temperatureValue 0 for greedy
         * @param topKValue 0 keeps all tokens
         * @param topPValue nucleus threshold in (0, 1]
         * @return this builder
         */
        public Builder sampling(double temperatureValue, int topKValue, double topPValue) {
            this.temperature = temperatureValue;
            this.topK = topKValue;
            this.topP = topPValue;
            return this;
        }

        /**
         * Sets the job seed (default 0); row seeds derive from it and the row's id.
         *
         * @param value the seed
         * @return this builder
         */
        public Builder seed(long value) {
            this.seed = value;
            return this;
        }

        /**
         * Picks thought tokens greedily instead of sampling them.
         *
         * @param value whether to
         * @return this builder
         */
        public Builder greedyThoughts(boolean value) {
            this.greedyThoughts = value;
            return this;
        }

        /**
         * Where to think, as {@code quietstar generate --think} takes it: every, never, once (after the trigger),
         * adaptive[:THRESHOLD].
         *
         * @param mode the mode
         * @return this builder
         */
        public Builder think(String mode) {
            this.think = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /**
         * Sets the text after which {@code once} thinks (default {@code "A: "}).
         *
         * @param value the trigger
         * @return this builder
         */
        public Builder trigger(String value) {
            this.trigger = Objects.requireNonNull(value, "trigger");
            return this;
        }

        /**
         * Thinks only when the text so far ends with one of these (as {@code --think-after}).
         *
         * @param triggers the texts
         * @return this builder
         */
        public Builder thinkAfter(List<String> triggers) {
            thinkAfter.addAll(triggers);
            return this;
        }

        /**
         * Uses a policy of the caller's own; it must be {@link Serializable} to reach the executors.
         *
         * @param value the policy
         * @return this builder
         * @throws IllegalArgumentException when the policy is not serializable
         */
        public Builder policy(ThinkingPolicy value) {
            if (!(value instanceof Serializable)) {
                throw new IllegalArgumentException("a thinking policy for Spark must be Serializable to reach the "
                        + "executors; " + value.getClass().getName() + " is not (a lambda can be cast to "
                        + "(ThinkingPolicy & Serializable))");
            }
            this.policy = value;
            return this;
        }

        /**
         * Checks and builds the options.
         *
         * @return the options
         * @throws IllegalArgumentException for a value {@code quietstar generate} would refuse, or for two ways of
         *     choosing where to think
         */
        public GenerateOptions build() {
            int ways = (think != null ? 1 : 0) + (thinkAfter.isEmpty() ? 0 : 1) + (policy != null ? 1 : 0);
            if (ways > 1) {
                throw new IllegalArgumentException("think, thinkAfter and policy each choose where to think; use one");
            }
            if (think != null) {
                ThinkingPolicies.parse(think, trigger); // refuses a malformed mode with the allowed forms
            }
            GenerateOptions options = new GenerateOptions(this);
            options.forRow(seed); // checks the numbers as GenerationOptions and Sampling do
            return options;
        }
    }
}
