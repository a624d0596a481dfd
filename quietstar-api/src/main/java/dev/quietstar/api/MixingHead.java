package dev.quietstar.api;

/**
 * Decides how much a thought changes the next-token prediction (the paper's "mixing head", section 4.2).
 *
 * <p>The weight is w = MLP(concat[h_base, h_thought]) with layers 2H to H, ReLU, H to H, ReLU, H to 1, no sigmoid;
 * the last layer starts at zero, so an untrained head leaves the model unchanged. The mixed logits are
 * {@code lm_head((1 - w) * h_base + w * h_thought)}.
 *
 * @param <A> the backend's array type
 */
public interface MixingHead<A> {

    /**
     * Computes the mixing weight for each position.
     *
     * @param baseHidden final-norm hidden states without the thought, (..., H)
     * @param thoughtHidden final-norm hidden states after the thought, (..., H)
     * @return weights, (..., 1)
     */
    A weight(A baseHidden, A thoughtHidden);

    /**
     * Mixes two hidden states with a weight from {@link #weight}.
     *
     * @param baseHidden hidden states without the thought
     * @param thoughtHidden hidden states after the thought
     * @param weight the mixing weight
     * @return {@code (1 - w) * baseHidden + w * thoughtHidden}
     */
    A mix(A baseHidden, A thoughtHidden, A weight);
}
