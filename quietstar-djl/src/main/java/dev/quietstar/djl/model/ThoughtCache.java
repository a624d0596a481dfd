package dev.quietstar.djl.model;

import java.util.List;

/**
 * The key/value cache of parallel thought generation in its compact form: the real tokens' cache, then one cache
 * per thought pass holding one key per position (a thought token only ever attends to its own position's earlier
 * thought tokens, so the passes never need a dense mask).
 *
 * @param real keys and values of the base pass, (R, kvHeads, L, headDim) per layer
 * @param passes keys and values of each thought pass so far, each (R, kvHeads, L, headDim) per layer
 */
public record ThoughtCache(KvCache real, List<KvCache> passes) {

    /** Copies the list. */
    public ThoughtCache {
        passes = List.copyOf(passes);
    }
}
