package com.example.consumer;

import dev.quietstar.core.infer.ThoughtTokenSampler;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A user's thought sampler for inference on any engine: every thought token is one fixed token, and every call is
 * counted.
 */
public final class ForcedThoughts implements ThoughtTokenSampler {

    private final int tokenId;
    private final AtomicLong calls = new AtomicLong();

    /**
     * Creates the sampler.
     *
     * @param tokenId the token every thought consists of; not a meta-token
     */
    public ForcedThoughts(int tokenId) {
        this.tokenId = tokenId;
    }

    /**
     * The forced token.
     *
     * @return its id
     */
    public int tokenId() {
        return tokenId;
    }

    /**
     * How many thought tokens were chosen.
     *
     * @return the count of calls
     */
    public long calls() {
        return calls.get();
    }

    @Override
    public long[] sample(float[] logits, int rows, int vocab, int step) {
        calls.incrementAndGet();
        long[] ids = new long[rows];
        Arrays.fill(ids, tokenId);
        return ids;
    }
}
