package dev.quietstar.api;

/**
 * Rewards and advantages of a batch of thoughts.
 *
 * @param <A> the backend's array type
 * @param rewards per thought, {@code sum_s (log p_talk - log p_base)} of the look-ahead tokens, detached,
 *     (rows, positions)
 * @param advantages rewards minus the mean over the thoughts of the same example and position, negative values
 *     clipped to 0, (rows, positions)
 */
public record RewardEstimate<A>(A rewards, A advantages) {}
