package com.example.consumer;

import ai.djl.ndarray.NDArray;
import com.google.inject.Inject;
import dev.quietstar.api.ThoughtGenerator;
import dev.quietstar.api.ThoughtRollout;
import dev.quietstar.api.ThoughtSampler;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.core.text.ByteTokenizer;
import dev.quietstar.djl.thought.ParallelThoughtGenerator;
import dev.quietstar.djl.thought.QuietStarModel;
import dev.quietstar.djl.thought.ThoughtSamplers;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A user's thought generator for training on djl-pytorch: the library's parallel generator with every thought forced
 * to one token (a space), whatever sampler the trainer hands in. Guice builds it with the model being trained.
 */
public final class ForcedThoughtGenerator implements ThoughtGenerator<NDArray> {

    /** The token every training thought consists of: a space in the byte-level tokenizer. */
    public static final int TOKEN = ByteTokenizer.instance().encode(" ")[0];

    private static final AtomicLong CALLS = new AtomicLong();

    private final ParallelThoughtGenerator delegate;

    /**
     * Creates the generator over the model being trained.
     *
     * @param model the model, bound by the backend for each trainer
     * @param config the training configuration
     */
    @Inject
    public ForcedThoughtGenerator(QuietStarModel model, QuietStarConfig config) {
        this.delegate = new ParallelThoughtGenerator(model, config.thoughtLength(), config.lookahead());
    }

    /**
     * How many micro-batches all instances generated thoughts for.
     *
     * @return the count
     */
    public static long calls() {
        return CALLS.get();
    }

    @Override
    public ThoughtRollout<NDArray> generate(NDArray inputIds, NDArray attentionMask, ThoughtSampler<NDArray> sampler) {
        CALLS.incrementAndGet();
        return delegate.generate(inputIds, attentionMask, ThoughtSamplers.constant(TOKEN));
    }
}
