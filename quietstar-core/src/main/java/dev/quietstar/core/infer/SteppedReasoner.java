package dev.quietstar.core.infer;

import dev.quietstar.api.Reasoner;
import dev.quietstar.api.config.ThoughtSampling;

/**
 * A {@link Reasoner} built on core's loops: it lends its {@link DecoderStep} and its {@link ThinkThenTalk} loop to
 * engine-neutral code such as the answer evaluator, so that every backend with inference runs the same evaluation.
 *
 * <p>Both shipped backends implement it. A custom backend whose reasoner implements it gets evaluation, adaptive
 * curves and the rest of core's inference tools without writing any of them.
 */
public interface SteppedReasoner extends Reasoner {

    /**
     * Work that runs on a decoder step.
     *
     * @param <T> the result type
     */
    interface StepTask<T> {
        /**
         * Runs the work.
         *
         * @param step the reasoner's decoder step, valid for the duration of the call
         * @param loop the reasoner's generation loop (settings, thought branch, thinking gate)
         * @param <C> the engine's cache type
         * @return the result
         */
        <C> T run(DecoderStep<C> step, ThinkThenTalk loop);
    }

    /**
     * Runs work on this reasoner's decoder step, with whatever the engine needs around it (no autograd, a native
     * memory scope); the reasoner cannot be closed while the work runs.
     *
     * @param task the work
     * @param <T> the result type
     * @return the task's result
     * @throws IllegalStateException when the reasoner is closed
     */
    <T> T withStep(StepTask<T> task);

    /**
     * How the model's configuration chooses thought tokens by default.
     *
     * @return sampled or greedy
     */
    ThoughtSampling thoughtSampling();
}
