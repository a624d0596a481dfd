package dev.quietstar.core.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The {@code rope_scaling} of a Llama-family {@code config.json}: how the rotary inverse frequencies are changed from
 * the plain {@code 1 / theta^(2i/d)}, as HuggingFace transformers' rope initialisation functions define it.
 *
 * <ul>
 *   <li>{@code default}: no change (also the meaning of an absent or null {@code rope_scaling}).
 *   <li>{@code linear}: every frequency divided by {@code factor} (position interpolation).
 *   <li>{@code dynamic} (dynamic NTK): the base grows only for sequences longer than {@code max_position_embeddings};
 *       the library never runs a model beyond its {@code max_position_embeddings} positions, so within them the
 *       frequencies are the plain ones, exactly as HuggingFace computes them there.
 *   <li>{@code llama3}: Llama 3.1's per-frequency rule: wavelengths longer than
 *       {@code original_max_position_embeddings / low_freq_factor} are divided by {@code factor}, shorter than
 *       {@code original_max_position_embeddings / high_freq_factor} kept, and those in between interpolated.
 * </ul>
 *
 * <p>Other types ({@code yarn}, {@code longrope}, ...) scale the attention as well and are refused by name.
 *
 * @param type {@code default}, {@code linear}, {@code dynamic} or {@code llama3}
 * @param factor the scaling factor (1 for {@code default})
 * @param lowFreqFactor llama3's {@code low_freq_factor} (0 for other types)
 * @param highFreqFactor llama3's {@code high_freq_factor} (0 for other types)
 * @param originalMaxPositions llama3's {@code original_max_position_embeddings} (0 for other types)
 */
public record RopeScaling(String type, double factor, double lowFreqFactor, double highFreqFactor,
        int originalMaxPositions) {

    /** The types this library computes. */
    public static final List<String> SUPPORTED = List.of("default", "linear", "dynamic", "llama3");

    /** No scaling. */
    public static final RopeScaling NONE = new RopeScaling("default", 1.0, 0, 0, 0);

    /** Checks the type and the factors. */
    public RopeScaling {
        Objects.requireNonNull(type, "type");
        if (!SUPPORTED.contains(type)) {
            throw new IllegalArgumentException("config.json: rope_scaling type '" + type + "' is not supported; "
                    + "supported: " + SUPPORTED + " (yarn and longrope also rescale attention and are not "
                    + "implemented)");
        }
        if (!(factor > 0 && Double.isFinite(factor))) {
            throw new IllegalArgumentException("config.json: rope_scaling.factor must be a finite number > 0, was "
                    + factor);
        }
        if ("llama3".equals(type)) {
            if (!(lowFreqFactor > 0 && highFreqFactor > lowFreqFactor && Double.isFinite(highFreqFactor))) {
                throw new IllegalArgumentException("config.json: rope_scaling needs 0 < low_freq_factor < "
                        + "high_freq_factor for llama3, was " + lowFreqFactor + " and " + highFreqFactor);
            }
            if (originalMaxPositions <= 0) {
                throw new IllegalArgumentException("config.json: rope_scaling.original_max_position_embeddings "
                        + "must be > 0 for llama3, was " + originalMaxPositions);
            }
        }
    }

    /**
     * Reads the {@code rope_scaling} object of a {@code config.json} (HuggingFace names the type {@code rope_type},
     * older files {@code type}).
     *
     * @param node the object, or null / JSON null for none
     * @return the scaling
     * @throws IllegalArgumentException naming an unsupported type, a missing or invalid field, or an unknown one
     */
    public static RopeScaling fromJson(JsonNode node) {
        if (node == null || node.isNull()) {
            return NONE;
        }
        if (!node.isObject()) {
            throw new IllegalArgumentException("config.json: rope_scaling must be an object or null, was " + node);
        }
        JsonNode t = node.hasNonNull("rope_type") ? node.get("rope_type") : node.get("type");
        if (t == null || !t.isTextual()) {
            throw new IllegalArgumentException("config.json: rope_scaling needs a 'rope_type' (one of " + SUPPORTED
                    + "), was " + node);
        }
        String type = t.asText().toLowerCase(Locale.ROOT);
        if (!SUPPORTED.contains(type)) {
            throw new IllegalArgumentException("config.json: rope_scaling type '" + type + "' is not supported; "
                    + "supported: " + SUPPORTED + " (yarn and longrope also rescale attention and are not "
                    + "implemented)");
        }
        List<String> known = switch (type) {
            case "llama3" -> List.of("rope_type", "type", "factor", "low_freq_factor", "high_freq_factor",
                    "original_max_position_embeddings");
            default -> List.of("rope_type", "type", "factor");
        };
        for (Iterator<String> names = node.fieldNames(); names.hasNext();) {
            String name = names.next();
            if (!known.contains(name)) {
                throw new IllegalArgumentException("config.json: rope_scaling field '" + name + "' is not "
                        + "implemented for rope_type " + type + "; known fields: " + known);
            }
        }
        if ("default".equals(type)) {
            return NONE;
        }
        double factor = number(node, "factor", type);
        if ("llama3".equals(type)) {
            return new RopeScaling(type, factor, number(node, "low_freq_factor", type),
                    number(node, "high_freq_factor", type), (int) whole(node, "original_max_position_embeddings"));
        }
        return new RopeScaling(type, factor, 0, 0, 0);
    }

    /**
     * The rotary inverse frequencies of a head width and base under this scaling.
     *
     * @param headDim the head width (even)
     * @param theta the rotary base
     * @return {@code headDim / 2} frequencies
     */
    public float[] inverseFrequencies(int headDim, double theta) {
        float[] inv = new float[headDim / 2];
        for (int i = 0; i < inv.length; i++) {
            double f = 1.0 / Math.pow(theta, (2.0 * i) / headDim);
            inv[i] = (float) switch (type) {
                case "linear" -> f / factor;
                case "llama3" -> llama3(f);
                default -> f;
            };
        }
        return inv;
    }

    private double llama3(double f) {
        double lowFreqWavelen = originalMaxPositions / lowFreqFactor;
        double highFreqWavelen = originalMaxPositions / highFreqFactor;
        double wavelen = 2 * Math.PI / f;
        if (wavelen < highFreqWavelen) {
            return f;
        }
        if (wavelen > lowFreqWavelen) {
            return f / factor;
        }
        double smooth = (originalMaxPositions / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
        return (1 - smooth) * f / factor + smooth * f;
    }

    /**
     * The {@code rope_scaling} value to write into {@code config.json}.
     *
     * @return the object, or null for no scaling
     */
    public ObjectNode toJson() {
        if (this.equals(NONE)) {
            return null;
        }
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("rope_type", type);
        n.put("factor", factor);
        if ("llama3".equals(type)) {
            n.put("low_freq_factor", lowFreqFactor);
            n.put("high_freq_factor", highFreqFactor);
            n.put("original_max_position_embeddings", originalMaxPositions);
        }
        return n;
    }

    private static double number(JsonNode node, String field, String type) {
        JsonNode v = node.get(field);
        if (v == null || !v.isNumber()) {
            throw new IllegalArgumentException("config.json: rope_scaling." + field + " is required for rope_type "
                    + type + " and must be a number, was " + v);
        }
        return v.asDouble();
    }

    private static long whole(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) {
            throw new IllegalArgumentException("config.json: rope_scaling." + field + " must be an integer, was "
                    + v);
        }
        return v.asInt();
    }
}
