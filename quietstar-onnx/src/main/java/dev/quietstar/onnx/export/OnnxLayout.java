package dev.quietstar.onnx.export;

/**
 * The names and files of an exported model, shared by the exporter and the loader.
 *
 * <p>{@value #DECODER_FILE}: inputs {@value #INPUT_IDS} int64 [batch, sequence], {@value #POSITION_IDS} int64
 * [batch, sequence], {@value #ATTENTION_MASK} float [batch, 1, sequence, past_sequence + sequence] (additive: 0
 * where a query sees a key, a large negative value where not), and per layer i {@code past_key_values.i.key} and
 * {@code past_key_values.i.value} float [batch, kv_heads, past_sequence, head_dim]; outputs {@value #HIDDEN_STATES}
 * float [batch, sequence, H] (after the final norm), {@value #LOGITS} float [batch, sequence, V] and per layer
 * {@code present.i.key} / {@code present.i.value} float [batch, kv_heads, past_sequence + sequence, head_dim].
 * Token ids equal to the start- or end-of-thought id are embedded with the learned meta-token vectors.
 *
 * <p>{@value #MIXING_HEAD_FILE}: inputs {@value #BASE_HIDDEN} and {@value #THOUGHT_HIDDEN} float [rows, H], output
 * {@value #MIXING_WEIGHT} float [rows, 1], w = head([h_base; h_thought]). Since lm_head is linear and has no bias,
 * the mixed logits are {@code logits_base + w (logits_thought - logits_base)}.
 */
public final class OnnxLayout {

    /** The decoder graph's file. */
    public static final String DECODER_FILE = "model.onnx";
    /** The decoder's external data file, present when the weights are too large to live inside the graph. */
    public static final String DECODER_DATA_FILE = "model.onnx.data";
    /** The mixing head graph's file. */
    public static final String MIXING_HEAD_FILE = "mixing_head.onnx";
    /** The lowest opset the graphs use and the loader accepts. */
    public static final int OPSET = 17;
    /** The ONNX IR version written. */
    public static final int IR_VERSION = 8;

    /** Decoder input: token ids. */
    public static final String INPUT_IDS = "input_ids";
    /** Decoder input: position ids. */
    public static final String POSITION_IDS = "position_ids";
    /** Decoder input: additive attention mask. */
    public static final String ATTENTION_MASK = "attention_mask";
    /** Decoder output: final-norm hidden states. */
    public static final String HIDDEN_STATES = "hidden_states";
    /** Decoder output: logits. */
    public static final String LOGITS = "logits";
    /** Mixing head input: the base hidden state. */
    public static final String BASE_HIDDEN = "base_hidden";
    /** Mixing head input: the hidden state after the thought. */
    public static final String THOUGHT_HIDDEN = "thought_hidden";
    /** Mixing head output: the mixing weight. */
    public static final String MIXING_WEIGHT = "mixing_weight";
    /** Metadata key of the export layout version. */
    public static final String FORMAT_KEY = "quietstar.onnx_format";
    /**
     * Metadata key of both graphs of an export: a digest of the checkpoint it was made from, so that graphs of
     * different exports are never run together.
     */
    public static final String SOURCE_KEY = "quietstar.source_digest";
    /** The export layout version. */
    public static final String FORMAT_VERSION = "1";

    private OnnxLayout() {}

    /**
     * Input name of layer i's past keys.
     *
     * @param layer i
     * @return the name
     */
    public static String pastKey(int layer) {
        return "past_key_values." + layer + ".key";
    }

    /**
     * Input name of layer i's past values.
     *
     * @param layer i
     * @return the name
     */
    public static String pastValue(int layer) {
        return "past_key_values." + layer + ".value";
    }

    /**
     * Output name of layer i's present keys.
     *
     * @param layer i
     * @return the name
     */
    public static String presentKey(int layer) {
        return "present." + layer + ".key";
    }

    /**
     * Output name of layer i's present values.
     *
     * @param layer i
     * @return the name
     */
    public static String presentValue(int layer) {
        return "present." + layer + ".value";
    }
}
