package dev.quietstar.core.infer;

import dev.quietstar.api.MixingHead;

/**
 * The user components core's inference loops use in place of the backend's own: a mixing head on hidden-state
 * vectors and a thought-token sampler. Both work on every engine because they see plain Java arrays.
 *
 * <p>Users do not build this directly: they bind the components in a Guice module handed to
 * {@link dev.quietstar.core.inject.Components#create}, and the backend passes them to its reasoners.
 *
 * @param mixingHead the mixing head of every thought, on {@code float[rows][H]} hidden states, or null for the
 *     backend's own (see {@link ThoughtBranch} for how each engine applies it)
 * @param thoughtSampler chooses every thought token in generation, scoring and evaluation (except the
 *     constant-thought ablation), or null for the default seeded sampling at the model's thought temperature
 */
public record InferenceComponents(MixingHead<float[][]> mixingHead, ThoughtTokenSampler thoughtSampler) {

    /** The backend's own mixing head and the default sampling. */
    public static final InferenceComponents NONE = new InferenceComponents(null, null);

    /**
     * Whether any component replaces the backend's default.
     *
     * @return true when a mixing head or a sampler is set
     */
    public boolean any() {
        return mixingHead != null || thoughtSampler != null;
    }
}
