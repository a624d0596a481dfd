package dev.quietstar.djl.model;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * Keys and values of every layer for the tokens seen so far, each (batch, kvHeads, length, headDim).
 *
 * <p>Immutable: a forward call returns a new cache that concatenates the old one with the new keys, so a caller can
 * branch (feed a thought on top of a cache) and drop the branch by keeping the old cache. In training the arrays
 * stay in the autograd graph (they are never detached), so losses on later calls send gradients through them.
 *
 * @param keys per layer
 * @param values per layer
 */
public record KvCache(List<NDArray> keys, List<NDArray> values) {

    /** Copies the lists and checks they match. */
    public KvCache {
        keys = List.copyOf(keys);
        values = List.copyOf(values);
        if (keys.size() != values.size()) {
            throw new IllegalArgumentException("a KvCache needs as many value arrays as key arrays");
        }
    }

    /**
     * The number of cached positions.
     *
     * @return the length (third axis of every array)
     */
    public long length() {
        return keys.isEmpty() ? 0 : keys.get(0).getShape().get(2);
    }

    /**
     * The batch size.
     *
     * @return rows
     */
    public long batchSize() {
        return keys.isEmpty() ? 0 : keys.get(0).getShape().get(0);
    }
}
