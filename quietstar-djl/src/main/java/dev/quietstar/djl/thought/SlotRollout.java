package dev.quietstar.djl.thought;

import ai.djl.ndarray.NDArray;
import dev.quietstar.api.ThoughtRollout;

/**
 * A thought rollout at a subset of positions ({@link SubsetThoughtGenerator}): the base hidden states cover every
 * position, (R, L, H); the thought ids (R, K, n), sampling logits (R, K, n, V) and look-ahead hidden states (R, K, H)
 * cover the K slots of {@code slots}.
 *
 * @param rollout the arrays, slot-shaped except the base hidden states
 * @param slots the position of every slot
 */
public record SlotRollout(ThoughtRollout<NDArray> rollout, ThoughtSlots slots) {}
