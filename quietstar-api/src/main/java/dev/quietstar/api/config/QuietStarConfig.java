package dev.quietstar.api.config;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * Every setting of the Quiet-STaR algorithm (Zelikman et al., 2024, arXiv 2403.09629), with defaults equal to the
 * official implementation.
 *
 * <p>After every token of a training text the model generates a thought of {@code thoughtLength} sampled tokens
 * between a start-of-thought and an end-of-thought token, then predicts the next {@code lookahead} true tokens
 * from a mix of its hidden state with and without the thought. The objective is
 * {@code baseLossWeight * NLL_base + (talkLossWeight / lookahead) * sum_s NLL_talk_s + policyWeight * L_policy},
 * where the REINFORCE term rewards thoughts that make the true continuation more likely.
 *
 * <p>Instances are immutable and validated on construction: an out-of-range value throws
 * {@link InvalidConfigException} naming the field, the value and the allowed range. Files are read by
 * {@code dev.quietstar.core.config.ConfigLoader}, which starts from {@link #official()} and rejects unknown fields.
 *
 * @param thoughtLength sampled tokens per thought, excluding the two meta-tokens (official n_ahead 12 - 3 = 9); 0
 *     feeds only the start and end tokens (official n_ahead 3, the pause-token-like ablation) and has no policy term
 * @param lookahead true future tokens scored after each thought (official n_ahead_talk 4)
 * @param thoughtsPerPosition thoughts sampled per position for the REINFORCE baseline (official n_passes 2)
 * @param sequenceLength tokens per training window L (official 256)
 * @param policyWeight weight beta of the REINFORCE loss (official 1e6)
 * @param reinforceTemperature temperature of the log-probabilities in the policy loss (official 3)
 * @param thoughtTemperature sampling temperature of thought tokens (official 1)
 * @param thoughtSampling sampling rule for thought tokens
 * @param baseLossWeight weight of the ordinary next-token loss (official 0.5)
 * @param talkLossWeight total weight of the post-thought losses, shared over the look-ahead steps (official 0.5)
 * @param metaTokenInit text whose token embedding initialises both meta-tokens (the paper's "---")
 * @param metaTokenScale scale s: meta-token embeddings are stored divided by s so that Adam moves them s times
 *     faster (official 100)
 * @param optimizer optimiser settings
 * @param training schedule, batching, seed and checkpointing
 * @param advantage how rewards become advantages (the official rule by default; a missing value in a file means
 *     the official rule)
 * @param gate the thinking gate trained alongside the objective (not part of the official implementation; it never
 *     changes the objective's gradients; a missing value in a file means {@link GateConfig#defaults()})
 * @param positions which positions of a row think (not part of the official implementation, which thinks at every
 *     position; a missing value in a file means {@link PositionsConfig#all()})
 */
@JsonPropertyOrder({"thoughtLength", "lookahead", "thoughtsPerPosition", "sequenceLength", "policyWeight",
    "reinforceTemperature", "thoughtTemperature", "thoughtSampling", "baseLossWeight", "talkLossWeight",
    "metaTokenInit", "metaTokenScale", "optimizer", "training", "advantage", "gate", "positions"})
public record QuietStarConfig(
        int thoughtLength,
        int lookahead,
        int thoughtsPerPosition,
        int sequenceLength,
        double policyWeight,
        double reinforceTemperature,
        double thoughtTemperature,
        ThoughtSampling thoughtSampling,
        double baseLossWeight,
        double talkLossWeight,
        String metaTokenInit,
        double metaTokenScale,
        OptimizerConfig optimizer,
        TrainingConfig training,
        Advantage advantage,
        GateConfig gate,
        PositionsConfig positions) {

    /** Largest thought length accepted. */
    public static final int MAX_THOUGHT_LENGTH = 64;
    /** Largest look-ahead accepted. */
    public static final int MAX_LOOKAHEAD = 64;

    /** Validates every field; see the class documentation for the meaning of each. */
    public QuietStarConfig {
        Checks.inRange("thoughtLength", thoughtLength, 0, MAX_THOUGHT_LENGTH);
        Checks.inRange("lookahead", lookahead, 1, MAX_LOOKAHEAD);
        Checks.inRange("thoughtsPerPosition", thoughtsPerPosition, 1, 64);
        Checks.inRange("sequenceLength", sequenceLength, 2, 1 << 20);
        if (lookahead > sequenceLength - 1) {
            throw new InvalidConfigException("lookahead must be in 1.." + (sequenceLength - 1)
                    + " (sequenceLength - 1), was " + lookahead);
        }
        Checks.inRange("policyWeight", policyWeight, 0.0, 1e12);
        Checks.positive("reinforceTemperature", reinforceTemperature);
        Checks.positive("thoughtTemperature", thoughtTemperature);
        Checks.required("thoughtSampling", thoughtSampling);
        Checks.nonNegative("baseLossWeight", baseLossWeight);
        Checks.nonNegative("talkLossWeight", talkLossWeight);
        Checks.required("metaTokenInit", metaTokenInit);
        if (metaTokenInit.isEmpty()) {
            throw new InvalidConfigException("metaTokenInit must be a non-empty string, was \"\"");
        }
        Checks.inRange("metaTokenScale", metaTokenScale, 1e-6, 1e6);
        Checks.required("optimizer", optimizer);
        Checks.required("training", training);
        if (advantage == null) {
            advantage = Advantage.OFFICIAL;
        }
        if (advantage != Advantage.OFFICIAL && thoughtsPerPosition < 2) {
            throw new InvalidConfigException("advantage " + advantage + " compares the thoughts of one position and "
                    + "needs thoughtsPerPosition >= 2, was " + thoughtsPerPosition);
        }
        if (gate == null) {
            gate = GateConfig.defaults();
        }
        if (positions == null) {
            positions = PositionsConfig.all();
        }
        if (positions.count() > sequenceLength - 1) {
            throw new InvalidConfigException("positions.count must be in 1.." + (sequenceLength - 1)
                    + " (sequenceLength - 1, the positions with a next token), was " + positions.count());
        }
    }

    /**
     * Creates a configuration that thinks at every position (the form every release before {@code positions} used).
     *
     * @param thoughtLength sampled tokens per thought
     * @param lookahead true future tokens scored after each thought
     * @param thoughtsPerPosition thoughts per position
     * @param sequenceLength training window length
     * @param policyWeight weight of the REINFORCE loss
     * @param reinforceTemperature temperature of the policy loss
     * @param thoughtTemperature sampling temperature of thought tokens
     * @param thoughtSampling sampling rule of thought tokens
     * @param baseLossWeight weight of the ordinary next-token loss
     * @param talkLossWeight weight of the post-thought losses
     * @param metaTokenInit text that initialises the meta-tokens
     * @param metaTokenScale meta-token scale
     * @param optimizer optimiser settings
     * @param training training settings
     * @param advantage the advantage rule
     * @param gate the thinking gate settings
     */
    public QuietStarConfig(int thoughtLength, int lookahead, int thoughtsPerPosition, int sequenceLength,
            double policyWeight, double reinforceTemperature, double thoughtTemperature,
            ThoughtSampling thoughtSampling, double baseLossWeight, double talkLossWeight, String metaTokenInit,
            double metaTokenScale, OptimizerConfig optimizer, TrainingConfig training, Advantage advantage,
            GateConfig gate) {
        this(thoughtLength, lookahead, thoughtsPerPosition, sequenceLength, policyWeight, reinforceTemperature,
                thoughtTemperature, thoughtSampling, baseLossWeight, talkLossWeight, metaTokenInit, metaTokenScale,
                optimizer, training, advantage, gate, PositionsConfig.all());
    }

    /**
     * Creates a configuration with the default thinking gate (the form every release before the gate used).
     *
     * @param thoughtLength sampled tokens per thought
     * @param lookahead true future tokens scored after each thought
     * @param thoughtsPerPosition thoughts per position
     * @param sequenceLength training window length
     * @param policyWeight weight of the REINFORCE loss
     * @param reinforceTemperature temperature of the policy loss
     * @param thoughtTemperature sampling temperature of thought tokens
     * @param thoughtSampling sampling rule of thought tokens
     * @param baseLossWeight weight of the ordinary next-token loss
     * @param talkLossWeight weight of the post-thought losses
     * @param metaTokenInit text that initialises the meta-tokens
     * @param metaTokenScale meta-token scale
     * @param optimizer optimiser settings
     * @param training training settings
     * @param advantage the advantage rule
     */
    public QuietStarConfig(int thoughtLength, int lookahead, int thoughtsPerPosition, int sequenceLength,
            double policyWeight, double reinforceTemperature, double thoughtTemperature,
            ThoughtSampling thoughtSampling, double baseLossWeight, double talkLossWeight, String metaTokenInit,
            double metaTokenScale, OptimizerConfig optimizer, TrainingConfig training, Advantage advantage) {
        this(thoughtLength, lookahead, thoughtsPerPosition, sequenceLength, policyWeight, reinforceTemperature,
                thoughtTemperature, thoughtSampling, baseLossWeight, talkLossWeight, metaTokenInit, metaTokenScale,
                optimizer, training, advantage, GateConfig.defaults(), PositionsConfig.all());
    }

    /**
     * The official settings of the paper's Mistral-7B run: thoughtLength 9, lookahead 4, 2 thoughts per position,
     * L = 256, beta = 1e6, REINFORCE temperature 3, sampled thoughts at temperature 1, loss weights 0.5/0.5,
     * meta-tokens from "---" at scale 100, AdamW lr 1e-6, 100 steps of 8 examples.
     *
     * @return the official configuration
     */
    public static QuietStarConfig official() {
        return new QuietStarConfig(9, 4, 2, 256, 1e6, 3.0, 1.0, ThoughtSampling.SAMPLE, 0.5, 0.5, "---", 100.0,
                OptimizerConfig.official(), TrainingConfig.official(), Advantage.OFFICIAL);
    }

    /**
     * A recipe for small models (a few million parameters or fewer): the official settings with beta = 1 and the
     * mixing head and meta-tokens learning at 30 times a backbone rate of 3e-5.
     *
     * <p>On a 0.7M-parameter byte-level GPT-2 the official recipe (one learning rate, beta = 1e6, clip 1.0)
     * degraded the model within 150 steps at every learning rate from 1e-5 to 3e-4, while this recipe improved
     * held-out answer NLL. See {@code docs/algorithm.md}.
     *
     * @return the small-model preset
     */
    public static QuietStarConfig smallModel() {
        QuietStarConfig o = official();
        return new QuietStarConfig(o.thoughtLength, o.lookahead, o.thoughtsPerPosition, o.sequenceLength, 1.0,
                o.reinforceTemperature, o.thoughtTemperature, o.thoughtSampling, o.baseLossWeight,
                o.talkLossWeight, o.metaTokenInit, o.metaTokenScale,
                o.optimizer.withLearningRate(3e-5).withMultipliers(30.0, 30.0), o.training, o.advantage, o.gate,
                o.positions);
    }

    /**
     * Returns a copy with other thought shape settings.
     *
     * @param newThoughtLength sampled tokens per thought
     * @param newLookahead true tokens scored after each thought
     * @param newThoughtsPerPosition thoughts per position
     * @param newSequenceLength training window length
     * @return the copy
     */
    public QuietStarConfig withShape(int newThoughtLength, int newLookahead, int newThoughtsPerPosition,
            int newSequenceLength) {
        return new QuietStarConfig(newThoughtLength, newLookahead, newThoughtsPerPosition, newSequenceLength,
                policyWeight, reinforceTemperature, thoughtTemperature, thoughtSampling, baseLossWeight,
                talkLossWeight, metaTokenInit, metaTokenScale, optimizer, training, advantage, gate, positions);
    }

    /**
     * Returns a copy with another policy weight beta.
     *
     * @param value the weight of the REINFORCE loss
     * @return the copy
     */
    public QuietStarConfig withPolicyWeight(double value) {
        return new QuietStarConfig(thoughtLength, lookahead, thoughtsPerPosition, sequenceLength, value,
                reinforceTemperature, thoughtTemperature, thoughtSampling, baseLossWeight, talkLossWeight,
                metaTokenInit, metaTokenScale, optimizer, training, advantage, gate, positions);
    }

    /**
     * Returns a copy with another thought sampling rule and temperature.
     *
     * @param sampling the rule
     * @param temperature the sampling temperature
     * @return the copy
     */
    public QuietStarConfig withThoughtSampling(ThoughtSampling sampling, double temperature) {
        return new QuietStarConfig(thoughtLength, lookahead, thoughtsPerPosition, sequenceLength, policyWeight,
                reinforceTemperature, temperature, sampling, baseLossWeight, talkLossWeight, metaTokenInit,
                metaTokenScale, optimizer, training, advantage, gate, positions);
    }

    /**
     * Returns a copy with another meta-token initialisation string.
     *
     * @param value text whose embedding initialises the start/end-of-thought tokens
     * @return the copy
     */
    public QuietStarConfig withMetaTokenInit(String value) {
        return new QuietStarConfig(thoughtLength, lookahead, thoughtsPerPosition, sequenceLength, policyWeight,
                reinforceTemperature, thoughtTemperature, thoughtSampling, baseLossWeight, talkLossWeight, value,
                metaTokenScale, optimizer, training, advantage, gate, positions);
    }

    /**
     * Returns a copy with other optimiser settings.
     *
     * @param value the optimiser settings
     * @return the copy
     */
    public QuietStarConfig withOptimizer(OptimizerConfig value) {
        return new QuietStarConfig(thoughtLength, lookahead, thoughtsPerPosition, sequenceLength, policyWeight,
                reinforceTemperature, thoughtTemperature, thoughtSampling, baseLossWeight, talkLossWeight,
                metaTokenInit, metaTokenScale, value, training, advantage, gate, positions);
    }

    /**
     * Returns a copy with other training settings.
     *
     * @param value the training settings
     * @return the copy
     */
    public QuietStarConfig withTraining(TrainingConfig value) {
        return new QuietStarConfig(thoughtLength, lookahead, thoughtsPerPosition, sequenceLength, policyWeight,
                reinforceTemperature, thoughtTemperature, thoughtSampling, baseLossWeight, talkLossWeight,
                metaTokenInit, metaTokenScale, optimizer, value, advantage, gate, positions);
    }

    /**
     * Returns a copy with another advantage rule.
     *
     * @param value the rule
     * @return the copy
     */
    public QuietStarConfig withAdvantage(Advantage value) {
        return new QuietStarConfig(thoughtLength, lookahead, thoughtsPerPosition, sequenceLength, policyWeight,
                reinforceTemperature, thoughtTemperature, thoughtSampling, baseLossWeight, talkLossWeight,
                metaTokenInit, metaTokenScale, optimizer, training, value, gate, positions);
    }

    /**
     * Returns a copy with other thinking gate settings.
     *
     * @param value the gate settings
     * @return the copy
     */
    public QuietStarConfig withGate(GateConfig value) {
        return new QuietStarConfig(thoughtLength, lookahead, thoughtsPerPosition, sequenceLength, policyWeight,
                reinforceTemperature, thoughtTemperature, thoughtSampling, baseLossWeight, talkLossWeight,
                metaTokenInit, metaTokenScale, optimizer, training, advantage, value, positions);
    }

    /**
     * Returns a copy that thinks at other positions.
     *
     * @param value which positions of a row think
     * @return the copy
     */
    public QuietStarConfig withPositions(PositionsConfig value) {
        return new QuietStarConfig(thoughtLength, lookahead, thoughtsPerPosition, sequenceLength, policyWeight,
                reinforceTemperature, thoughtTemperature, thoughtSampling, baseLossWeight, talkLossWeight,
                metaTokenInit, metaTokenScale, optimizer, training, advantage, gate, value);
    }
}
