package dev.quietstar.djl.thought;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.quietstar.djl.model.Ops;
import java.util.Map;

/**
 * The learned start-of-thought and end-of-thought embeddings (docs/algorithm.md section 1).
 *
 * <p>Both are ids of the vocabulary; when fed as input, these learned vectors replace their embedding rows. The
 * parameters hold the embeddings divided by the scale s (100 by default) and are multiplied by s when used, so
 * Adam, whose step size does not depend on the gradient's magnitude, moves them s times faster than other
 * weights. A gradient multiplier would have been cancelled by Adam's normalisation.
 *
 * <p>Checkpoints store them as used ({@value #START_NAME}, {@value #END_NAME}, already multiplied by s), with the
 * ids and the "initialised" flag in {@code quietstar.json}, so a reload never re-initialises them.
 */
public final class MetaTokens {

    /** Safetensors name of the start-of-thought embedding, stored as used. */
    public static final String START_NAME = "quietstar.start_embedding";
    /** Safetensors name of the end-of-thought embedding, stored as used. */
    public static final String END_NAME = "quietstar.end_embedding";

    private final int startId;
    private final int endId;
    private final double scale;
    private final Parameter start;
    private final Parameter end;

    private MetaTokens(int startId, int endId, double scale, NDArray startScaled, NDArray endScaled) {
        this.startId = startId;
        this.endId = endId;
        this.scale = scale;
        this.start = parameter(START_NAME, startScaled);
        this.end = parameter(END_NAME, endScaled);
    }

    private static Parameter parameter(String name, NDArray array) {
        array.setName(name);
        Parameter p = Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT).build();
        p.setArray(array);
        return p;
    }

    /**
     * Initialises both meta-tokens to the mean embedding of the given token ids (the tokens of {@code "---"} by
     * default).
     *
     * @param manager owner of the parameters
     * @param embedding the token embedding matrix, (vocab, H)
     * @param initIds ids whose mean embedding starts both meta-tokens
     * @param startId id of the start-of-thought token
     * @param endId id of the end-of-thought token
     * @param scale the scale s
     * @return the meta-tokens
     */
    public static MetaTokens initialise(NDManager manager, NDArray embedding, int[] initIds, int startId, int endId,
            double scale) {
        return initialise(manager, embedding, 1f, initIds, startId, endId, scale);
    }

    /**
     * Initialises both meta-tokens to the mean embedding of the given token ids as the first block receives
     * embeddings: times the decoder's embedding multiplier (Gemma's sqrt(H)), so that a meta-token enters the
     * decoder like a looked-up, scaled token. The learned vectors are fed as they are, never scaled again.
     *
     * @param manager owner of the parameters
     * @param embedding the token embedding matrix, (vocab, H)
     * @param embeddingScale what the decoder multiplies looked-up rows by
     *     ({@code DecoderSpec#embeddingScale()})
     * @param initIds ids whose mean embedding starts both meta-tokens
     * @param startId id of the start-of-thought token
     * @param endId id of the end-of-thought token
     * @param scale the scale s
     * @return the meta-tokens
     */
    public static MetaTokens initialise(NDManager manager, NDArray embedding, float embeddingScale, int[] initIds,
            int startId, int endId, double scale) {
        if (initIds.length == 0) {
            throw new IllegalArgumentException("the meta-token initialisation text encodes to no token");
        }
        float[] sum = null;
        long h = embedding.getShape().get(1);
        for (int id : initIds) {
            float[] row = embedding.get(id).toFloatArray();
            if (sum == null) {
                sum = new float[row.length];
            }
            for (int k = 0; k < row.length; k++) {
                sum[k] += row[k];
            }
        }
        for (int k = 0; k < sum.length; k++) {
            sum[k] = (float) ((float) (sum[k] / initIds.length) * embeddingScale / scale);
        }
        return new MetaTokens(startId, endId, scale, manager.create(sum, new Shape(h)),
                manager.create(sum.clone(), new Shape(h)));
    }

    /**
     * Restores meta-tokens from their stored (as used) values.
     *
     * @param manager owner of the parameters
     * @param startAsUsed start embedding multiplied by the scale, (H)
     * @param endAsUsed end embedding multiplied by the scale, (H)
     * @param startId id of the start-of-thought token
     * @param endId id of the end-of-thought token
     * @param scale the scale s
     * @return the meta-tokens
     */
    public static MetaTokens restore(NDManager manager, NDArray startAsUsed, NDArray endAsUsed, int startId,
            int endId, double scale) {
        NDArray s = manager.create(startAsUsed.toType(DataType.FLOAT32, false).toFloatArray(), startAsUsed.getShape())
                .div((float) scale);
        NDArray e = manager.create(endAsUsed.toType(DataType.FLOAT32, false).toFloatArray(), endAsUsed.getShape())
                .div((float) scale);
        return new MetaTokens(startId, endId, scale, s, e);
    }

    /**
     * The start-of-thought embedding as used (parameter times scale).
     *
     * @param scope manager of the result
     * @return (H)
     */
    public NDArray startEmbedding(NDManager scope) {
        return scaled(start, scope);
    }

    /**
     * The end-of-thought embedding as used (parameter times scale).
     *
     * @param scope manager of the result
     * @return (H)
     */
    public NDArray endEmbedding(NDManager scope) {
        return scaled(end, scope);
    }

    private NDArray scaled(Parameter p, NDManager scope) {
        // The constant and the product live in the caller's scope (never in the parameters' manager).
        NDArray a = p.getArray().mul(Ops.constant(scope, scale, p.getArray().getDataType()));
        a.attach(scope);
        return a;
    }

    /**
     * The parameters, by their safetensors names.
     *
     * @return start and end parameters
     */
    public Map<String, Parameter> parameters() {
        return Map.of(START_NAME, start, END_NAME, end);
    }

    /**
     * Id of the start-of-thought token.
     *
     * @return the id
     */
    public int startId() {
        return startId;
    }

    /**
     * Id of the end-of-thought token.
     *
     * @return the id
     */
    public int endId() {
        return endId;
    }

    /**
     * The scale s.
     *
     * @return the scale
     */
    public double scale() {
        return scale;
    }
}
