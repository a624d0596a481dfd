package dev.quietstar.djl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The checks a {@link CausalDecoder} makes of its inputs before computing anything: shapes, token ids within the
 * vocabulary, positions within the model's context. Ids and positions a caller holds in Java are checked there; ones
 * that are already engine arrays cost a reduction and a read-back each.
 */
final class DecoderInputs {

    private final DecoderConfig config;

    DecoderInputs(DecoderConfig config) {
        this.config = config;
    }

    /** Ids held in Java: rows x length of them, each in the vocabulary. */
    void checkIds(long[] ids, int rows, int length) {
        if (ids.length == 0 || ids.length != (long) rows * length) {
            throw new IllegalArgumentException("token ids must be rows x length = " + rows + " x " + length
                    + " values, were " + ids.length);
        }
        for (long id : ids) {
            if (id < 0 || id >= config.vocabSize()) {
                throw new IllegalArgumentException("token ids must be in 0.." + (config.vocabSize() - 1)
                        + " (the vocabulary), found " + id);
            }
        }
    }

    /** Positions held in Java: one per input embedding of shape {@code es}, each within the context. */
    void checkPositions(long[] positionIds, Shape es) {
        if (es.dimension() != 3 || positionIds.length != es.get(0) * es.get(1)) {
            throw new IllegalArgumentException("position ids must be one per input embedding, (batch, length) = "
                    + es + " without its last axis; were " + positionIds.length);
        }
        for (long p : positionIds) {
            if (p < 0 || p >= config.maxPositions()) {
                throw new IllegalArgumentException(positionMessage(p, p));
            }
        }
    }

    void checkShapes(NDArray inputEmbeds, NDArray positionIds, NDArray mask, KvCache past) {
        Shape es = inputEmbeds.getShape();
        if (es.dimension() != 3 || es.get(2) != config.hiddenSize()) {
            throw new IllegalArgumentException("input embeddings must have shape (batch, length, "
                    + config.hiddenSize() + "), was " + es);
        }
        long b = es.get(0);
        long l = es.get(1);
        long pastLen = past == null ? 0 : past.length();
        if (past != null && past.batchSize() != b) {
            throw new IllegalArgumentException("cache batch size " + past.batchSize() + " does not match input batch "
                    + b);
        }
        if (!positionIds.getShape().equals(new Shape(b, l))) {
            throw new IllegalArgumentException("position ids must have shape " + new Shape(b, l) + ", was "
                    + positionIds.getShape());
        }
        Shape expectedMask = new Shape(b, 1, l, pastLen + l);
        if (!mask.getShape().equals(expectedMask)) {
            throw new IllegalArgumentException("attention mask must have shape (batch, 1, length, cached + length) = "
                    + expectedMask + ", was " + mask.getShape());
        }
    }

    void checkPositions(NDArray positionIds) {
        long maxPos = positionIds.max().toType(DataType.INT64, false).getLong();
        long minPos = positionIds.min().toType(DataType.INT64, false).getLong();
        if (minPos < 0 || maxPos >= config.maxPositions()) {
            throw new IllegalArgumentException(positionMessage(minPos, maxPos));
        }
    }

    private String positionMessage(long minPos, long maxPos) {
        return "position ids must be in 0.." + (config.maxPositions() - 1) + " (the model's max positions), were "
                + (minPos == maxPos ? Long.toString(minPos) : minPos + ".." + maxPos)
                + ": the sequence plus thoughts is longer than the model's context";
    }

    void checkIds(NDArray ids) {
        if (ids.getShape().dimension() != 2) {
            throw new IllegalArgumentException("token ids must have shape (batch, length), was " + ids.getShape());
        }
        if (ids.getDataType().isFloating()) {
            throw new IllegalArgumentException("token ids must be an integer array, was " + ids.getDataType());
        }
        if (ids.size() == 0) {
            throw new IllegalArgumentException("token ids must not be empty");
        }
        long max = ids.max().toType(DataType.INT64, false).getLong();
        long min = ids.min().toType(DataType.INT64, false).getLong();
        if (min < 0 || max >= config.vocabSize()) {
            throw new IllegalArgumentException("token ids must be in 0.." + (config.vocabSize() - 1)
                    + " (the vocabulary), found " + (min < 0 ? min : max));
        }
    }
}
