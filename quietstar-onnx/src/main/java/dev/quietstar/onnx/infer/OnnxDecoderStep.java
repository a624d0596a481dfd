package dev.quietstar.onnx.infer;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.quietstar.core.checkpoint.DecoderSpec;
import dev.quietstar.core.infer.DecoderStep;
import dev.quietstar.onnx.export.OnnxLayout;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The ONNX Runtime implementation of core's {@link DecoderStep}: one run of the exported decoder graph with the
 * past keys/values of a cache as inputs and the present ones kept as the new cache.
 *
 * <p>A cache is the ONNX Runtime result that produced it (its present tensors stay native), closed by
 * {@link #release}; the empty cache of a first step is a set of zero-length tensors created and closed within the
 * step. Mixed logits are {@code logits_base + w (logits_thought - logits_base)}, equal to lm_head of the mixed hidden
 * state because lm_head is linear without bias, so the mixing head graph only computes w.
 *
 * <p>Thread safety: ONNX Runtime sessions serve concurrent runs and this class holds no mutable state, so one
 * instance serves concurrent generations, each with its own caches.
 */
public final class OnnxDecoderStep implements DecoderStep<OnnxDecoderStep.Cache> {

    /**
     * A key/value cache held by the ONNX Runtime result whose present outputs it is.
     *
     * @param owner what frees the tensors: the ONNX Runtime result whose outputs they are, or the copies of
     *     {@link #repeat}
     * @param tensors past inputs by name (past_key_values.i.key / .value)
     * @param length cached positions
     */
    public record Cache(AutoCloseable owner, Map<String, OnnxTensor> tensors, long length) {}

    private final ExportedModel model;
    private final DecoderSpec spec;
    private final OrtEnvironment env;

    /**
     * Creates a step over a loaded export.
     *
     * @param model the model; it must stay open while the step is used
     */
    public OnnxDecoderStep(ExportedModel model) {
        this.model = Objects.requireNonNull(model, "model");
        this.spec = model.spec();
        this.env = model.environment();
    }

    /** {@inheritDoc} */
    @Override
    public int vocabSize() {
        return spec.vocabSize();
    }

    /** {@inheritDoc} */
    @Override
    public int hiddenSize() {
        return spec.hiddenSize();
    }

    /** {@inheritDoc} */
    @Override
    public int maxPositions() {
        return spec.maxPositions();
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
        long cached = past == null ? 0 : past.length();
        Map<String, OnnxTensor> inputs = new HashMap<>();
        Map<String, OnnxTensor> owned = new HashMap<>();
        OrtSession.Result result = null;
        try {
            owned.put(OnnxLayout.INPUT_IDS, OnnxTensor.createTensor(env, LongBuffer.wrap(tokenIds),
                    new long[] {rows, length}));
            owned.put(OnnxLayout.POSITION_IDS, OnnxTensor.createTensor(env, LongBuffer.wrap(positionIds),
                    new long[] {rows, length}));
            owned.put(OnnxLayout.ATTENTION_MASK, OnnxTensor.createTensor(env, FloatBuffer.wrap(mask),
                    new long[] {rows, 1, length, cached + length}));
            if (past == null) {
                long[] empty = {rows, spec.kvHeads(), 0, spec.headDim()};
                for (int i = 0; i < spec.layers(); i++) {
                    owned.put(OnnxLayout.pastKey(i), OnnxTensor.createTensor(env, FloatBuffer.allocate(0), empty));
                    owned.put(OnnxLayout.pastValue(i), OnnxTensor.createTensor(env, FloatBuffer.allocate(0), empty));
                }
            } else {
                inputs.putAll(past.tensors());
            }
            inputs.putAll(owned);
            result = model.decoder().run(inputs);
            OnnxTensor hiddenStates = (OnnxTensor) value(result, OnnxLayout.HIDDEN_STATES);
            OnnxTensor logitTensor = (OnnxTensor) value(result, OnnxLayout.LOGITS);
            float[] hidden = every ? all(hiddenStates) : last(hiddenStates, rows, length, spec.hiddenSize());
            float[] logits = every ? all(logitTensor) : last(logitTensor, rows, length, spec.vocabSize());
            Map<String, OnnxTensor> present = new HashMap<>();
            for (int i = 0; i < spec.layers(); i++) {
                present.put(OnnxLayout.pastKey(i), (OnnxTensor) value(result, OnnxLayout.presentKey(i)));
                present.put(OnnxLayout.pastValue(i), (OnnxTensor) value(result, OnnxLayout.presentValue(i)));
            }
            Output<Cache> out = new Output<>(hidden, logits, new Cache(result, present, cached + length),
                    cached + length);
            result = null;
            return out;
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed on the decoder of " + model.folder() + ": "
                    + e.getMessage(), e);
        } finally {
            owned.values().forEach(OnnxTensor::close);
            if (result != null) {
                result.close();
            }
        }
    }

    private static OnnxValue value(OrtSession.Result result, String name) {
        return result.get(name).orElseThrow(() -> new IllegalStateException("the decoder returned no " + name));
    }

    /** The last position of a (rows, length, width) tensor, (rows, width). */
    private static float[] last(OnnxTensor t, int rows, int length, int width) {
        FloatBuffer all = t.getFloatBuffer();
        float[] out = new float[rows * width];
        for (int r = 0; r < rows; r++) {
            all.position(((r * length) + length - 1) * width);
            all.get(out, r * width, width);
        }
        return out;
    }

    /** Every element of a float tensor, row-major. */
    private static float[] all(OnnxTensor t) {
        FloatBuffer buffer = t.getFloatBuffer();
        float[] out = new float[buffer.remaining()];
        buffer.get(out);
        return out;
    }

    /** {@inheritDoc} */
    @Override
    public Cache repeat(Cache cache, int rows) {
        if (rows < 1) {
            throw new IllegalArgumentException("rows must be >= 1, was " + rows);
        }
        Map<String, OnnxTensor> copies = new HashMap<>();
        try {
            for (Map.Entry<String, OnnxTensor> e : cache.tensors().entrySet()) {
                long[] shape = e.getValue().getInfo().getShape();
                if (shape[0] != 1) {
                    throw new IllegalArgumentException("only a one-row cache can be repeated, this one has "
                            + shape[0] + " rows");
                }
                float[] one = all(e.getValue());
                float[] many = new float[one.length * rows];
                for (int r = 0; r < rows; r++) {
                    System.arraycopy(one, 0, many, r * one.length, one.length);
                }
                long[] bigger = shape.clone();
                bigger[0] = rows;
                copies.put(e.getKey(), OnnxTensor.createTensor(env, FloatBuffer.wrap(many), bigger));
            }
        } catch (OrtException | RuntimeException e) {
            copies.values().forEach(OnnxTensor::close);
            if (e instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException("ONNX Runtime could not copy a cache of " + model.folder() + ": "
                    + e.getMessage(), e);
        }
        Map<String, OnnxTensor> owned = Map.copyOf(copies);
        return new Cache(() -> owned.values().forEach(OnnxTensor::close), owned, cache.length());
    }

    /** {@inheritDoc} */
    @Override
    public Mixing mix(Output<Cache> base, Output<Cache> after, int rows) {
        int h = spec.hiddenSize();
        int v = spec.vocabSize();
        float[] w;
        try (OnnxTensor b = OnnxTensor.createTensor(env, FloatBuffer.wrap(base.hidden()), new long[] {rows, h});
                OnnxTensor a = OnnxTensor.createTensor(env, FloatBuffer.wrap(after.hidden()), new long[] {rows, h});
                OrtSession.Result r = model.mixingHead().run(Map.of(OnnxLayout.BASE_HIDDEN, b,
                        OnnxLayout.THOUGHT_HIDDEN, a))) {
            FloatBuffer wb = ((OnnxTensor) r.get(OnnxLayout.MIXING_WEIGHT).orElseThrow(
                    () -> new IllegalStateException("the mixing head returned no " + OnnxLayout.MIXING_WEIGHT)))
                    .getFloatBuffer();
            w = new float[rows];
            wb.get(w);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed on the mixing head of " + model.folder() + ": "
                    + e.getMessage(), e);
        }
        float[] lb = base.logits();
        float[] la = after.logits();
        float[] mixed = new float[rows * v];
        for (int r = 0; r < rows; r++) {
            for (int k = r * v; k < (r + 1) * v; k++) {
                mixed[k] = lb[k] + (la[k] - lb[k]) * w[r];
            }
        }
        return new Mixing(w, mixed);
    }

    /** {@inheritDoc} */
    @Override
    public void release(Cache cache) {
        if (cache != null) {
            try {
                cache.owner().close();
            } catch (Exception e) {
                throw new IllegalStateException("could not free a cache of " + model.folder() + ": " + e.getMessage(),
                        e);
            }
        }
    }
}
