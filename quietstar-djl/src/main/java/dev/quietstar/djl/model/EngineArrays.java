package dev.quietstar.djl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Arrays made from Java data in memory the engine owns.
 *
 * <p>DJL's PyTorch engine makes {@code NDManager.create(long[]|float[], shape)} a tensor over a direct buffer that the
 * Java array object keeps alive: the tensor borrows that memory, it does not own it. Closing the Java array drops the
 * buffer, and the garbage collector frees it whenever it runs, while every tensor that still shares the storage (a view
 * such as {@code get} or {@code expandDims}, or a tensor autograd saved for the backward pass, like the indices of an
 * embedding lookup or a gather) keeps reading it. Training that closes a pass's arrays early (see {@code ArraySweep})
 * then computes gradients from whatever the allocator put there since: the result changes with the collector's
 * timing, usually by a few units in the last place, in the worst case by anything.
 *
 * <p>Every array the library makes from Java data for a forward pass therefore goes through this class: the borrowed
 * tensor is cloned into PyTorch's own allocator (reference-counted, so a view or a saved tensor keeps it alive) and the
 * borrowed one is closed at once. The cost is one copy of data that is small next to the activations (ids, masks,
 * positions). Weights the model keeps open for its whole life may stay borrowed.
 */
public final class EngineArrays {

    private EngineArrays() {}

    /**
     * An int64 array in engine-owned memory.
     *
     * @param manager the array's owner
     * @param data the values, row-major
     * @param shape the shape; its size is data's length
     * @return the array
     */
    public static NDArray of(NDManager manager, long[] data, Shape shape) {
        return owned(manager.create(data, shape));
    }

    /**
     * A float32 array in engine-owned memory.
     *
     * @param manager the array's owner
     * @param data the values, row-major
     * @param shape the shape; its size is data's length
     * @return the array
     */
    public static NDArray of(NDManager manager, float[] data, Shape shape) {
        return owned(manager.create(data, shape));
    }

    /**
     * Replaces an array that borrows Java memory by a copy the engine owns.
     *
     * @param borrowed an array just made from Java data; it is closed
     * @return the copy, in the same manager
     */
    public static NDArray owned(NDArray borrowed) {
        try (NDArray b = borrowed) {
            return b.duplicate();
        }
    }
}
