package dev.quietstar.core.infer;

import java.util.Objects;

/**
 * A {@link DecoderStep} that checks every number the wrapped step returns (hidden states, logits, mixing weights and
 * mixed logits) and stops with a {@link NonFiniteOutputException} at the first NaN or infinite one, naming what it
 * was, the token position and the model.
 *
 * <p>Every loop of core (generation, scoring, evaluation, span thoughts) reads a model only through a decoder step,
 * so a reasoner that hands its loops a checked step cannot return text sampled from NaN logits, a score of NaN or
 * metrics averaged over NaN. Both shipped reasoners wrap their steps with {@link #wrap}; a custom backend's
 * reasoner can do the same. The check is one pass over each returned array.
 *
 * <p>Thread safety: as the wrapped step; this class holds no mutable state.
 *
 * @param <C> the backend's cache type
 */
public final class FiniteDecoderStep<C> implements DecoderStep<C> {

    private static final String CAUSE = "its weights or config.json (rope_theta, rms_norm_eps, layer_norm_epsilon) "
            + "are likely corrupt or out of range";

    private final DecoderStep<C> inner;
    private final String model;

    private FiniteDecoderStep(DecoderStep<C> inner, String model) {
        this.inner = inner;
        this.model = model;
    }

    /**
     * Wraps a step; a step that is already checked is returned as it is.
     *
     * @param step the backend's step
     * @param model where the model came from (a folder, a file or a description), named in the error
     * @param <C> the backend's cache type
     * @return the checked step
     */
    public static <C> DecoderStep<C> wrap(DecoderStep<C> step, String model) {
        Objects.requireNonNull(step, "step");
        Objects.requireNonNull(model, "model");
        if (step instanceof FiniteDecoderStep<?>) {
            return step;
        }
        return new FiniteDecoderStep<>(step, model);
    }

    /**
     * Checks numbers a model produced outside a decoder step (a backend's own scoring path, say).
     *
     * @param values the numbers
     * @param what what they are, for the message ("base log-probabilities")
     * @param model where the model came from, named in the message
     * @throws NonFiniteOutputException at the first NaN or infinite value, naming its index
     */
    public static void requireFinite(float[] values, String what, String model) {
        int i = firstNonFinite(values);
        if (i >= 0) {
            throw new NonFiniteOutputException(message(values[i], what, "at index " + i, model));
        }
    }

    /** {@inheritDoc} */
    @Override
    public int vocabSize() {
        return inner.vocabSize();
    }

    /** {@inheritDoc} */
    @Override
    public int hiddenSize() {
        return inner.hiddenSize();
    }

    /** {@inheritDoc} */
    @Override
    public int maxPositions() {
        return inner.maxPositions();
    }

    /**
     * {@inheritDoc}
     *
     * @throws NonFiniteOutputException when a returned hidden state or logit is NaN or infinite; the returned cache
     *     is released first
     */
    @Override
    public Output<C> forward(long[] tokenIds, long[] positionIds, int rows, int length, float[] mask, C past) {
        Output<C> out = inner.forward(tokenIds, positionIds, rows, length, mask, past);
        check(out, positionIds, length, false);
        return out;
    }

    /**
     * {@inheritDoc}
     *
     * @throws NonFiniteOutputException when a returned hidden state or logit is NaN or infinite; the returned cache
     *     is released first
     */
    @Override
    public Output<C> forwardAll(long[] tokenIds, long[] positionIds, int rows, int length, float[] mask, C past) {
        Output<C> out = inner.forwardAll(tokenIds, positionIds, rows, length, mask, past);
        check(out, positionIds, length, true);
        return out;
    }

    /** {@inheritDoc} */
    @Override
    public C repeat(C cache, int rows) {
        return inner.repeat(cache, rows);
    }

    /**
     * {@inheritDoc}
     *
     * @throws NonFiniteOutputException when a returned logit is NaN or infinite
     */
    @Override
    public float[] logits(float[] hidden, int rows) {
        float[] logits = inner.logits(hidden, rows);
        int i = firstNonFinite(logits);
        if (i >= 0) {
            throw new NonFiniteOutputException(message(logits[i], "logits of a mixed hidden state",
                    "in row " + (i / Math.max(1, inner.vocabSize())), model));
        }
        return logits;
    }

    /**
     * {@inheritDoc}
     *
     * @throws NonFiniteOutputException when a returned weight or mixed logit is NaN or infinite
     */
    @Override
    public Mixing mix(Output<C> base, Output<C> after, int rows) {
        Mixing m = inner.mix(base, after, rows);
        int i = firstNonFinite(m.weights());
        if (i >= 0) {
            throw new NonFiniteOutputException(message(m.weights()[i], "mixing weights", "in row " + i, model));
        }
        i = firstNonFinite(m.mixedLogits());
        if (i >= 0) {
            throw new NonFiniteOutputException(message(m.mixedLogits()[i], "mixed logits",
                    "in row " + (i / Math.max(1, inner.vocabSize())), model));
        }
        return m;
    }

    /** {@inheritDoc} */
    @Override
    public void release(C cache) {
        inner.release(cache);
    }

    private void check(Output<C> out, long[] positionIds, int length, boolean every) {
        String what = "hidden states";
        int width = inner.hiddenSize();
        float[] values = out.hidden();
        int i = firstNonFinite(values);
        if (i < 0) {
            what = "logits";
            width = inner.vocabSize();
            values = out.logits();
            i = firstNonFinite(values);
        }
        if (i < 0) {
            return;
        }
        inner.release(out.cache());
        int vector = i / Math.max(1, width);
        int row = every ? vector / Math.max(1, length) : vector;
        int token = every ? vector % Math.max(1, length) : length - 1;
        int index = row * length + token;
        String where = index >= 0 && index < positionIds.length
                ? "at token position " + positionIds[index] + " (row " + row + ")"
                : "in row " + row;
        throw new NonFiniteOutputException(message(values[i], what, where, model));
    }

    private static String message(float value, String what, String where, String model) {
        return "the model produced " + (Float.isNaN(value) ? "NaN" : "infinite") + " values in its " + what + " "
                + where + "; " + CAUSE + ": check " + model + " (or use an earlier checkpoint)";
    }

    private static int firstNonFinite(float[] values) {
        if (values == null) {
            return -1;
        }
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                return i;
            }
        }
        return -1;
    }
}
