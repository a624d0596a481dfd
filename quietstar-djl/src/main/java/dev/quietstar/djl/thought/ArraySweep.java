package dev.quietstar.djl.thought;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * Frees the intermediate arrays of one piece of work as soon as it is done instead of when its manager closes.
 *
 * <p>Every DJL operation returns a new array owned by a manager; an array nobody closes keeps its native memory until
 * the manager closes, which for training is the end of the micro-batch. A decoder pass creates dozens of arrays per
 * layer (attention scores before and after masking, the concatenated scores, projections, norms), most of them the
 * size of the attention matrix, and only its outputs are read afterwards: closing the rest right after the pass
 * frees them. What backward needs is unaffected: autograd holds its own references to the tensors it saved, and a
 * closed array only releases the Java side's reference. That holds for memory PyTorch allocated; an array made from
 * Java data borrows the JVM's memory, which closing lets the collector free under autograd's feet, so everything a
 * pass makes from Java data goes through {@link dev.quietstar.djl.model.EngineArrays}. Only a manager private to the
 * caller may be swept, since every array created in it since the snapshot is closed.
 */
final class ArraySweep {

    private final NDManager manager;
    private final Set<NDArray> before;

    private ArraySweep(NDManager manager) {
        this.manager = manager;
        this.before = identitySet(manager.getManagedArrays());
    }

    /**
     * Remembers the arrays a manager holds now.
     *
     * @param manager a manager no other thread creates arrays in
     * @return the sweep, to close what is created after this call
     */
    static ArraySweep from(NDManager manager) {
        return new ArraySweep(manager);
    }

    /**
     * Closes every array the manager gained since {@link #from}, except the ones kept.
     *
     * @param keep the work's results (and anything else still read later)
     */
    void closeAllBut(List<NDArray> keep) {
        Set<NDArray> kept = identitySet(keep);
        for (NDArray a : manager.getManagedArrays()) {
            if (!before.contains(a) && !kept.contains(a)) {
                a.close();
            }
        }
    }

    private static Set<NDArray> identitySet(List<NDArray> arrays) {
        Set<NDArray> s = Collections.newSetFromMap(new IdentityHashMap<>());
        s.addAll(arrays);
        return s;
    }
}
