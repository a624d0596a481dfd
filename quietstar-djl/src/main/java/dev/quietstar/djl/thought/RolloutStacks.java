package dev.quietstar.djl.thought;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.quietstar.api.ThoughtRollout;
import java.util.List;

/** How both thought generators turn their per-pass samples into a rollout owned by the caller. */
final class RolloutStacks {

    private RolloutStacks() {}

    /**
     * Stacks the sampled ids and logits along a thought axis (an empty array when nothing was sampled: with
     * thoughtLength 0, the pause-token-like ablation, which has no policy term, or with no thinking position), frees the per-pass arrays, and moves the
     * rollout's arrays to the caller's manager; whatever else stays in the generator's manager closes with it.
     *
     * @param m the generator's manager
     * @param caller the manager the results go to
     * @param baseHidden the base pass's hidden states
     * @param sampledIds one [rows, width] id array per sampled thought token
     * @param sampledLogits one [rows, width, V] logits array per sampled thought token
     * @param talk the look-ahead passes' hidden states
     * @param rows rows of the batch
     * @param width thinking positions per row
     * @param thoughtLength sampled tokens per thought; nothing was sampled when it or width is 0
     * @param vocab vocabulary size
     * @return the rollout
     */
    static ThoughtRollout<NDArray> finish(NDManager m, NDManager caller, NDArray baseHidden,
            List<NDArray> sampledIds, List<NDArray> sampledLogits, List<NDArray> talk, long rows, long width,
            int thoughtLength, long vocab) {
        NDArray thoughtIds;
        NDArray thoughtLogits;
        if (sampledIds.isEmpty()) {
            thoughtIds = m.zeros(new Shape(rows, width, thoughtLength), DataType.INT64);
            thoughtLogits = m.zeros(new Shape(rows, width, thoughtLength, vocab));
        } else {
            thoughtIds = NDArrays.stack(new NDList(sampledIds), 2);
            thoughtLogits = NDArrays.stack(new NDList(sampledLogits), 2);
            // The stacks are copies and backward does not read the per-pass arrays: free them now (at a real
            // vocabulary each is rows x width x V floats).
            sampledIds.forEach(NDArray::close);
            sampledLogits.forEach(NDArray::close);
        }
        baseHidden.attach(caller);
        thoughtIds.attach(caller);
        thoughtLogits.attach(caller);
        talk.forEach(t -> t.attach(caller));
        return new ThoughtRollout<>(baseHidden, thoughtIds, thoughtLogits, talk);
    }
}
