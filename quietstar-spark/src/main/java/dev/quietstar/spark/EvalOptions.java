package dev.quietstar.spark;

import dev.quietstar.core.eval.AnswerEvaluator;
import dev.quietstar.core.eval.EvalSetting;
import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * The options of {@link QuietStarSpark#evaluate}, those of {@code quietstar eval}: settings, the trigger of
 * {@code once}, the thought seed, the generation batch size and margin, the constant-thought token and whether to
 * generate at all.
 *
 * @param settings comma-separated settings among off, every, once, constant, constant-once, adaptive[:THRESHOLD]
 * @param trigger the prompt suffix after which {@code once} thinks
 * @param seed the seed of the sampled thoughts
 * @param batchSize questions generated together (the batches are the single-process evaluator's: questions
 *     {@code k * batchSize ..} of the whole set)
 * @param margin tokens generation may write beyond the gold answer's length
 * @param constantToken token id of the constant-thought ablation, or null for the token of a space
 * @param exactMatch whether to run greedy generation (exact match and tokens per second)
 * @param limit evaluate only the first questions of the set, or null for all
 */
public record EvalOptions(String settings, String trigger, long seed, int batchSize, int margin,
        Integer constantToken, boolean exactMatch, Integer limit) implements Serializable {

    /** {@code quietstar eval}'s default settings. */
    public static final String DEFAULT_SETTINGS = "off,every,once";

    /** Checks the values as {@code quietstar eval} does. */
    public EvalOptions {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(trigger, "trigger");
        EvalSetting.parse(settings, trigger); // refuses an unknown setting with the allowed forms
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, was " + batchSize);
        }
        if (margin < 0) {
            throw new IllegalArgumentException("generation margin must be >= 0, was " + margin);
        }
        if (limit != null && limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, was " + limit);
        }
    }

    /**
     * {@code quietstar eval}'s defaults: off, every and once (after {@code "A: "}), seed 0, batches of
     * {@value AnswerEvaluator#DEFAULT_BATCH_SIZE}, margin {@value AnswerEvaluator#DEFAULT_GENERATION_MARGIN}, with
     * generation.
     *
     * @return the options
     */
    public static EvalOptions defaults() {
        return new EvalOptions(DEFAULT_SETTINGS, EvalSetting.ANSWER_TRIGGER, 0, AnswerEvaluator.DEFAULT_BATCH_SIZE,
                AnswerEvaluator.DEFAULT_GENERATION_MARGIN, null, true, null);
    }

    /**
     * A copy with other settings.
     *
     * @param value comma-separated settings
     * @return the copy
     */
    public EvalOptions withSettings(String value) {
        return new EvalOptions(value, trigger, seed, batchSize, margin, constantToken, exactMatch, limit);
    }

    /**
     * A copy with another seed.
     *
     * @param value the seed
     * @return the copy
     */
    public EvalOptions withSeed(long value) {
        return new EvalOptions(settings, trigger, value, batchSize, margin, constantToken, exactMatch, limit);
    }

    /**
     * A copy with another limit.
     *
     * @param value the first questions to evaluate, or null for all
     * @return the copy
     */
    public EvalOptions withLimit(Integer value) {
        return new EvalOptions(settings, trigger, seed, batchSize, margin, constantToken, exactMatch, value);
    }

    /**
     * The settings, parsed.
     *
     * @return the settings in order
     */
    public List<EvalSetting> parsedSettings() {
        return EvalSetting.parse(settings, trigger);
    }

    /**
     * The evaluator these options describe, on a reasoner.
     *
     * @param reasoner the model
     * @return the evaluator
     */
    AnswerEvaluator evaluator(dev.quietstar.core.infer.SteppedReasoner reasoner) {
        AnswerEvaluator.Builder b = AnswerEvaluator.builder(reasoner).optSeed(seed).optBatchSize(batchSize)
                .optGenerationMargin(margin).optExactMatch(exactMatch);
        if (constantToken != null) {
            b.optConstantThoughtId(constantToken);
        }
        return b.build();
    }
}
