package dev.quietstar.examples.cli;

import dev.quietstar.api.TinyModelSpec;
import dev.quietstar.api.config.InvalidConfigException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Parses the compact tiny-model spec of {@code quietstar train --tiny}, such as
 * {@code gpt2:vocab=261,hidden=64,layers=2,heads=4,positions=512,seed=1}.
 *
 * <p>The architecture ({@code gpt2} or {@code llama}) comes first and may be followed by {@code :} and
 * comma-separated {@code key=value} pairs; either part may be left out. Keys not given take the defaults
 * {@value #DEFAULT_ARCHITECTURE}, vocab {@value #DEFAULT_VOCAB}, hidden {@value #DEFAULT_HIDDEN}, layers
 * {@value #DEFAULT_LAYERS}, heads {@value #DEFAULT_HEADS}, positions {@value #DEFAULT_POSITIONS}, and the run's seed.
 */
public final class TinyModelSpecs {

    /** Default architecture. */
    public static final String DEFAULT_ARCHITECTURE = "gpt2";
    /** Default vocabulary: the byte-level tokenizer's 261 ids. */
    public static final int DEFAULT_VOCAB = 261;
    /** Default width. */
    public static final int DEFAULT_HIDDEN = 64;
    /** Default number of blocks. */
    public static final int DEFAULT_LAYERS = 2;
    /** Default number of attention heads. */
    public static final int DEFAULT_HEADS = 4;
    /** Default number of positions. */
    public static final int DEFAULT_POSITIONS = 512;

    private static final String FORMAT = "expected ARCH[:key=value,...] with ARCH gpt2 or llama and keys vocab, "
            + "hidden, layers, heads, positions, seed, for example gpt2:vocab=261,hidden=64,layers=2,heads=4,"
            + "positions=512";

    private TinyModelSpecs() {}

    /**
     * Parses a spec.
     *
     * @param text the spec; empty or blank for every default
     * @param defaultSeed the seed used when the spec has no {@code seed} key
     * @return the validated spec
     * @throws InvalidConfigException naming the malformed part and the expected format
     */
    public static TinyModelSpec parse(String text, long defaultSeed) {
        String s = text == null ? "" : text.trim();
        String arch = DEFAULT_ARCHITECTURE;
        String pairs = s;
        int colon = s.indexOf(':');
        if (colon >= 0) {
            arch = s.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            pairs = s.substring(colon + 1);
        } else if (!s.contains("=")) {
            arch = s.isEmpty() ? DEFAULT_ARCHITECTURE : s.toLowerCase(Locale.ROOT);
            pairs = "";
        }
        if (!arch.equals("gpt2") && !arch.equals("llama")) {
            throw new InvalidConfigException("--tiny '" + text + "': unknown architecture '" + arch + "'; " + FORMAT);
        }
        Map<String, Long> values = new LinkedHashMap<>();
        values.put("vocab", (long) DEFAULT_VOCAB);
        values.put("hidden", (long) DEFAULT_HIDDEN);
        values.put("layers", (long) DEFAULT_LAYERS);
        values.put("heads", (long) DEFAULT_HEADS);
        values.put("positions", (long) DEFAULT_POSITIONS);
        values.put("seed", defaultSeed);
        for (String pair : pairs.split(",")) {
            if (pair.isBlank()) {
                continue;
            }
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new InvalidConfigException("--tiny '" + text + "': '" + pair.trim() + "' is not key=value; "
                        + FORMAT);
            }
            String key = pair.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            String value = pair.substring(eq + 1).trim();
            if (!values.containsKey(key)) {
                throw new InvalidConfigException("--tiny '" + text + "': unknown key '" + key + "'; " + FORMAT);
            }
            try {
                long v = Long.parseLong(value);
                if (!key.equals("seed") && (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE)) {
                    throw new NumberFormatException();
                }
                values.put(key, v);
            } catch (NumberFormatException e) {
                throw new InvalidConfigException("--tiny '" + text + "': " + key + " must be an integer, was '"
                        + value + "'", e);
            }
        }
        try {
            return new TinyModelSpec(arch, Math.toIntExact(values.get("vocab")),
                    Math.toIntExact(values.get("hidden")), Math.toIntExact(values.get("layers")),
                    Math.toIntExact(values.get("heads")), Math.toIntExact(values.get("positions")),
                    values.get("seed"));
        } catch (InvalidConfigException e) {
            throw new InvalidConfigException("--tiny '" + text + "': " + e.getMessage(), e);
        }
    }
}
