package dev.quietstar.djl.train;

import ai.djl.ndarray.NDArray;
import dev.quietstar.api.MixingHead;
import dev.quietstar.api.RewardEstimator;
import dev.quietstar.api.ThoughtGenerator;
import dev.quietstar.api.ThoughtSampler;
import dev.quietstar.api.config.Advantage;
import dev.quietstar.djl.thought.BestOfRewardEstimator;
import dev.quietstar.djl.thought.LeaveOneOutRewardEstimator;
import dev.quietstar.djl.thought.ParallelThoughtGenerator;
import dev.quietstar.djl.thought.QuietStarModel;
import dev.quietstar.djl.thought.ReinforceRewardEstimator;

/**
 * The Quiet-STaR components a {@link DjlTrainingStep} runs; a null field means "the default".
 *
 * <p>The defaults are the backend's own: a {@link ParallelThoughtGenerator} over the model (diagonal attention),
 * the model's own {@link dev.quietstar.djl.thought.MlpMixingHead}, and the estimator the configuration's
 * {@code advantage} names ({@link #defaultEstimator}). A user's component replaces the default on every path the
 * step drives (every micro-batch of every step). The step optimises the model's parameters: a user's mixing head
 * that keeps weights of its own trains or freezes them itself.
 *
 * <p>This is the entry point for injection: {@code new DjlTrainerFactory(components)} or
 * {@code DjlBackend#newTrainer(setup, components)} pass the components on to every trainer they build.
 *
 * @param thoughtGenerator generates the thoughts of a micro-batch, or null for a {@link ParallelThoughtGenerator}
 * @param mixingHead mixes base and post-thought hidden states, or null for the model's own head
 * @param rewardEstimator turns log-probabilities into advantages, or null for the configured estimator
 * @param thoughtSampler chooses the thought tokens of every micro-batch, or null for sampling at the configured
 *     temperature from the step's seeded random source (greedy when the configuration says so)
 */
public record DjlComponents(ThoughtGenerator<NDArray> thoughtGenerator, MixingHead<NDArray> mixingHead,
        RewardEstimator<NDArray> rewardEstimator, ThoughtSampler<NDArray> thoughtSampler) {

    /** Every component at its default. */
    public static final DjlComponents DEFAULTS = new DjlComponents(null, null, null, null);

    /**
     * Components without a training thought sampler of their own.
     *
     * @param thoughtGenerator the generator, or null for the default
     * @param mixingHead the head, or null for the model's own
     * @param rewardEstimator the estimator, or null for the configured one
     */
    public DjlComponents(ThoughtGenerator<NDArray> thoughtGenerator, MixingHead<NDArray> mixingHead,
            RewardEstimator<NDArray> rewardEstimator) {
        this(thoughtGenerator, mixingHead, rewardEstimator, null);
    }

    /**
     * These components with another thought generator.
     *
     * @param generator the generator, or null for the default
     * @return the new components
     */
    public DjlComponents withThoughtGenerator(ThoughtGenerator<NDArray> generator) {
        return new DjlComponents(generator, mixingHead, rewardEstimator, thoughtSampler);
    }

    /**
     * These components with another mixing head.
     *
     * @param head the head, or null for the model's own
     * @return the new components
     */
    public DjlComponents withMixingHead(MixingHead<NDArray> head) {
        return new DjlComponents(thoughtGenerator, head, rewardEstimator, thoughtSampler);
    }

    /**
     * These components with another reward estimator.
     *
     * @param estimator the estimator, or null for the configured one
     * @return the new components
     */
    public DjlComponents withRewardEstimator(RewardEstimator<NDArray> estimator) {
        return new DjlComponents(thoughtGenerator, mixingHead, estimator, thoughtSampler);
    }

    /**
     * The estimator an {@link Advantage} names.
     *
     * @param advantage the configured rule
     * @return a new estimator
     */
    public static RewardEstimator<NDArray> defaultEstimator(Advantage advantage) {
        return switch (advantage) {
            case OFFICIAL -> new ReinforceRewardEstimator();
            case LEAVE_ONE_OUT -> new LeaveOneOutRewardEstimator();
            case BEST_OF -> new BestOfRewardEstimator();
        };
    }

    /**
     * The default thought generator of a model.
     *
     * @param model the model
     * @param thoughtLength sampled tokens per thought
     * @param lookahead true tokens scored after each thought
     * @param layout how thought attention is computed
     * @return a new generator
     */
    static ThoughtGenerator<NDArray> defaultGenerator(QuietStarModel model, int thoughtLength, int lookahead,
            ParallelThoughtGenerator.AttentionLayout layout) {
        return new ParallelThoughtGenerator(model, thoughtLength, lookahead, layout);
    }
}
