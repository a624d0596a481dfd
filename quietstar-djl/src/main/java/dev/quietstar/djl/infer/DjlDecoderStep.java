package dev.quietstar.djl.infer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.quietstar.api.ThoughtSampler;
import dev.quietstar.core.infer.DecoderStep;
import dev.quietstar.core.infer.ThoughtTokenSampler;
import dev.quietstar.djl.model.CausalDecoder;
import dev.quietstar.djl.model.DecoderOutput;
import dev.quietstar.djl.model.KvCache;
import dev.quietstar.djl.thought.MlpMixingHead;
import dev.quietstar.djl.thought.QuietStarModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The DJL implementation of the engine-neutral {@link DecoderStep}: one forward of a {@link QuietStarModel}'s
 * decoder with its key/value cache, for the {@link dev.quietstar.core.infer.ThinkThenTalk} loop.
 *
 * <p>Memory: an instance serves one generation call and owns a sub-manager of the model's manager. Each returned
 * cache lives in its own sub-manager of that one, which {@link #release} closes; every other array of a step lives
 * in a work scope closed before the step returns, so native memory stays bounded by the caches the caller holds,
 * and {@link #close()} frees whatever is left.
 *
 * <p>Thread safety: one instance per call and thread; the model's weights are only read. Gradient recording is the
 * caller's: {@link DjlReasoner} turns it off around a call.
 */
public final class DjlDecoderStep implements DecoderStep<DjlDecoderStep.Cache>, AutoCloseable {

    /**
     * A key/value cache and the scope that owns its arrays.
     *
     * @param kv the cache
     * @param scope owner of the cache's arrays
     */
    public record Cache(KvCache kv, NDManager scope) {}

    private final QuietStarModel model;
    private final CausalDecoder decoder;
    private final NDManager call;

    /**
     * Creates a step over a model, with its own sub-manager of the model's manager.
     *
     * @param model the model; it must stay open while the step is used
     */
    public DjlDecoderStep(QuietStarModel model) {
        this.model = Objects.requireNonNull(model, "model");
        this.decoder = model.decoder();
        this.call = model.manager().newSubManager();
    }

    /** {@inheritDoc} */
    @Override
    public int vocabSize() {
        return decoder.config().vocabSize();
    }

    /** {@inheritDoc} */
    @Override
    public int hiddenSize() {
        return decoder.config().hiddenSize();
    }

    /** {@inheritDoc} */
    @Override
    public int maxPositions() {
        return decoder.config().maxPositions();
    }

    /** {@inheritDoc} */
    @Override
    public Output<Cache> forward(long[] tokenIds, long[] positionIds, int rows, int length, float[] mask,
            Cache past) {
        return run(tokenIds, positionIds, rows, length, mask, past, false);
    }

    /** {@inheritDoc} */
    @Override
    public Output<Cache> forwardAll(long[] tokenIds, long[] positionIds, int rows, int length, float[] mask,
            Cache past) {
        return run(tokenIds, positionIds, rows, length, mask, past, true);
    }

    private Output<Cache> run(long[] tokenIds, long[] positionIds, int rows, int length, float[] mask, Cache past,
            boolean every) {
        long cached = past == null ? 0 : past.kv().length();
        try (NDManager work = call.newSubManager()) {
            NDArray maskArray = work.create(mask, new Shape(rows, 1, length, cached + length));
            // ids and positions are checked in Java: no round trip to the engine per token
            DecoderOutput out = decoder.forward(model.inputEmbeddings(work, tokenIds, rows, length), positionIds,
                    maskArray, past == null ? null : past.kv());
            NDArray last = length == 1 || every ? out.hidden() : out.hidden().get(":, -1:, :");
            float[] hidden = last.toFloatArray();
            float[] logits = decoder.logits(last).toFloatArray();
            NDManager keep = call.newSubManager();
            for (NDArray a : out.cache().keys()) {
                a.attach(keep);
            }
            for (NDArray a : out.cache().values()) {
                a.attach(keep);
            }
            return new Output<>(hidden, logits, new Cache(out.cache(), keep), out.cache().length());
        }
    }

    /** {@inheritDoc} */
    @Override
    public Mixing mix(Output<Cache> base, Output<Cache> after, int rows) {
        int h = hiddenSize();
        try (NDManager work = call.newSubManager()) {
            NDArray b = work.create(base.hidden(), new Shape(rows, 1, h));
            NDArray a = work.create(after.hidden(), new Shape(rows, 1, h));
            MlpMixingHead head = model.mixingHead();
            NDArray w = head.weight(b, a);
            float[] logits = decoder.logits(head.mix(b, a, w)).toFloatArray();
            return new Mixing(w.toFloatArray(), logits);
        }
    }

    /** {@inheritDoc} */
    @Override
    public Cache repeat(Cache cache, int rows) {
        if (rows < 1) {
            throw new IllegalArgumentException("rows must be >= 1, was " + rows);
        }
        NDManager keep = call.newSubManager();
        List<NDArray> keys = new ArrayList<>();
        List<NDArray> values = new ArrayList<>();
        for (NDArray a : cache.kv().keys()) {
            NDArray r = a.repeat(0, rows);
            r.attach(keep);
            keys.add(r);
        }
        for (NDArray a : cache.kv().values()) {
            NDArray r = a.repeat(0, rows);
            r.attach(keep);
            values.add(r);
        }
        return new Cache(new KvCache(keys, values), keep);
    }

    /** {@inheritDoc} */
    @Override
    public float[] logits(float[] hidden, int rows) {
        try (NDManager work = call.newSubManager()) {
            NDArray h = work.create(hidden, new Shape(rows, 1, hiddenSize()));
            return decoder.logits(h).toFloatArray();
        }
    }

    /** {@inheritDoc} */
    @Override
    public void release(Cache cache) {
        if (cache != null) {
            cache.scope().close();
        }
    }

    /**
     * Runs a DJL thought sampler on plain-array logits: the logits become a (rows, 1, V) array in a scope closed
     * before returning.
     *
     * @param sampler the DJL sampler
     * @return the plain-array sampler
     */
    public ThoughtTokenSampler adapt(ThoughtSampler<NDArray> sampler) {
        return (logits, rows, vocab, step) -> {
            try (NDManager work = call.newSubManager()) {
                NDArray chosen = sampler.sample(work.create(logits, new Shape(rows, 1, vocab)), step);
                chosen.attach(work);
                return chosen.toType(ai.djl.ndarray.types.DataType.INT64, false).reshape(rows).toLongArray();
            }
        };
    }

    /** Frees every array this step still holds. */
    @Override
    public void close() {
        call.close();
    }
}
