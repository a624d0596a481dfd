package dev.quietstar.core.eval;

import dev.quietstar.api.config.ThoughtSampling;
import dev.quietstar.core.infer.OutputSampler;
import dev.quietstar.core.infer.ThinkThenTalk;
import dev.quietstar.core.infer.ThoughtTokenSampler;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * How the {@link AnswerEvaluator} draws the thoughts of one example under one setting while it scores answers: the
 * constant token for the constant-thought ablation, else the model's own thought sampler when a user plugged one in,
 * else greedy or sampled at the model's thought temperature from a random source seeded by the evaluator's seed, the
 * example's index in the whole set and the setting's name, so that a setting's numbers neither depend on the other
 * settings of a run nor on how the set is split into parts.
 */
final class EvalThoughtSamplers {

    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private final long seed;
    private final ThoughtSampling thoughtSampling;
    private final int constantThoughtId;

    EvalThoughtSamplers(long seed, ThoughtSampling thoughtSampling, int constantThoughtId) {
        this.seed = seed;
        this.thoughtSampling = thoughtSampling;
        this.constantThoughtId = constantThoughtId;
    }

    /** The thought sampler of the example at {@code index} of the whole set under {@code setting}. */
    ThoughtTokenSampler forExample(ThinkThenTalk loop, EvalSetting setting, int index) {
        if (setting.constantThought()) {
            return constant();
        }
        if (loop.components().thoughtSampler() != null) {
            return loop.components().thoughtSampler();
        }
        if (thoughtSampling == ThoughtSampling.GREEDY) {
            return (logits, rows, vocab, k) -> {
                long[] ids = new long[rows];
                for (int r = 0; r < rows; r++) {
                    ids[r] = OutputSampler.argMax(logits, r * vocab, vocab);
                }
                return ids;
            };
        }
        long mixed = seed ^ (GOLDEN * (index + 1L)) ^ ((long) setting.name().hashCode() << 32);
        SplittableRandom rng = new SplittableRandom(mixed);
        double temperature = loop.settings().thoughtTemperature();
        return (logits, rows, vocab, k) -> {
            long[] ids = new long[rows];
            for (int r = 0; r < rows; r++) {
                ids[r] = ThinkThenTalk.categorical(logits, r * vocab, vocab, temperature, rng);
            }
            return ids;
        };
    }

    /** The sampler whose every thought token is the constant-thought ablation's token. */
    ThoughtTokenSampler constant() {
        return (logits, rows, vocab, k) -> {
            long[] ids = new long[rows];
            Arrays.fill(ids, constantThoughtId);
            return ids;
        };
    }
}
