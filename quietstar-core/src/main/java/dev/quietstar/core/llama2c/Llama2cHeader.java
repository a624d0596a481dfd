package dev.quietstar.core.llama2c;

/**
 * The seven-integer header of a llama2.c legacy (version 0) weight file, validated.
 *
 * <p>Field order in the file: {@code dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len}, all
 * little-endian int32. A negative {@code vocab_size} means the classifier is stored separately instead of being
 * tied to the token embedding.
 *
 * @param dim model width
 * @param hiddenDim SwiGLU MLP width
 * @param layers transformer blocks
 * @param heads query heads
 * @param kvHeads key/value heads (grouped-query attention when fewer than {@code heads})
 * @param vocabSize vocabulary size (always positive here)
 * @param seqLen longest sequence the model was trained for
 * @param sharedClassifier whether the classifier is tied to the token embedding
 */
public record Llama2cHeader(int dim, int hiddenDim, int layers, int heads, int kvHeads, int vocabSize, int seqLen,
        boolean sharedClassifier) {

    /** Bytes of the header in the file. */
    public static final int BYTES = 7 * Integer.BYTES;

    /** Largest width, MLP width, vocabulary or sequence length accepted: far above any llama2.c model. */
    static final int MAX_DIM = 1 << 20;
    /** Largest number of layers or heads accepted. */
    static final int MAX_COUNT = 4096;

    /**
     * Checks the fields are positive, within bounds and consistent.
     *
     * @throws IllegalArgumentException naming the field, its value and the allowed range
     */
    public Llama2cHeader {
        range("dim", dim, MAX_DIM);
        range("hidden_dim", hiddenDim, MAX_DIM);
        range("n_layers", layers, MAX_COUNT);
        range("n_heads", heads, MAX_COUNT);
        range("n_kv_heads", kvHeads, MAX_COUNT);
        range("vocab_size", vocabSize, MAX_DIM);
        range("seq_len", seqLen, MAX_DIM);
        if (dim % heads != 0) {
            throw new IllegalArgumentException("llama2.c header: dim (" + dim + ") must be a multiple of n_heads ("
                    + heads + ")");
        }
        if (kvHeads > heads || heads % kvHeads != 0) {
            throw new IllegalArgumentException("llama2.c header: n_heads (" + heads
                    + ") must be a multiple of n_kv_heads (" + kvHeads + ")");
        }
        if ((dim / heads) % 2 != 0) {
            throw new IllegalArgumentException("llama2.c header: the head size dim/n_heads (" + dim / heads
                    + ") must be even for rotary positions");
        }
    }

    private static void range(String field, int value, int max) {
        if (value <= 0 || value > max) {
            throw new IllegalArgumentException("llama2.c header: " + field + " must be in 1.." + max + ", was "
                    + value + (value <= 0 ? "" : " (not a llama2.c model, or a corrupt file)"));
        }
    }

    /**
     * Reads the header from its seven raw integers.
     *
     * @param raw the integers in file order
     * @return the header
     * @throws IllegalArgumentException for out-of-range or inconsistent values
     */
    static Llama2cHeader fromRaw(int[] raw) {
        int vocab = raw[5];
        if (vocab == Integer.MIN_VALUE) {
            throw new IllegalArgumentException("llama2.c header: vocab_size must be in 1.." + MAX_DIM
                    + " (negative for an untied classifier), was " + vocab);
        }
        return new Llama2cHeader(raw[0], raw[1], raw[2], raw[3], raw[4], Math.abs(vocab), raw[6], vocab > 0);
    }

    /**
     * The width of one attention head.
     *
     * @return dim / n_heads
     */
    public int headSize() {
        return dim / heads;
    }

    /**
     * The width of the key and value projections.
     *
     * @return n_kv_heads * head size
     */
    public int kvDim() {
        return kvHeads * headSize();
    }

    /**
     * The exact size of a legacy file with this header: the header, the weights, the two RoPE tables llama2.c
     * stores (and readers skip), and the classifier when it is not shared.
     *
     * @return bytes
     */
    public long expectedFileBytes() {
        long d = dim;
        long l = layers;
        long floats = (long) vocabSize * d // token embedding
                + l * d // rms_att
                + l * d * d // wq
                + 2 * l * kvDim() * d // wk, wv
                + l * d * d // wo
                + l * d // rms_ffn
                + 3 * l * hiddenDim * d // w1, w2, w3
                + d // rms_final
                + (long) seqLen * headSize() // freq_cis real and imaginary, seq_len x head_size/2 each
                + (sharedClassifier ? 0 : (long) vocabSize * d);
        return BYTES + floats * Float.BYTES;
    }
}
