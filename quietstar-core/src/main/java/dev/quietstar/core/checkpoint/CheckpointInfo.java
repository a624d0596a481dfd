package dev.quietstar.core.checkpoint;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.core.io.BoundedFiles;
import dev.quietstar.core.text.ByteTokenizer;
import dev.quietstar.core.text.TokenizerLoader;
import dev.quietstar.core.text.TextTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a checkpoint's {@code quietstar.json} says (docs/training.md), read without any engine: the Quiet-STaR
 * configuration, the meta-token ids and the tokenizer type.
 *
 * @param formatVersion layout version of {@code quietstar.json}
 * @param config the Quiet-STaR configuration
 * @param startTokenId id of the start-of-thought token
 * @param endTokenId id of the end-of-thought token
 * @param tokenizerType {@code byte-level} or {@code huggingface}
 * @param appendedTokens tokens appended to a HuggingFace vocabulary, name to id
 */
public record CheckpointInfo(int formatVersion, QuietStarConfig config, int startTokenId, int endTokenId,
        String tokenizerType, Map<String, Integer> appendedTokens) {

    /** The {@code quietstar.json} layout version this reader understands. */
    public static final int FORMAT_VERSION = 1;
    /** Tokenizer type of the built-in byte-level tokenizer. */
    public static final String BYTE_LEVEL = "byte-level";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** Checks the fields. */
    public CheckpointInfo {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(tokenizerType, "tokenizerType");
        appendedTokens = Map.copyOf(appendedTokens == null ? Map.of() : appendedTokens);
    }

    /**
     * Reads {@code quietstar.json} from a folder.
     *
     * @param folder a checkpoint or exported folder
     * @return what it says
     * @throws IllegalArgumentException when the file is missing or malformed, of another format version, or says
     *     the meta-tokens were never initialised
     */
    public static CheckpointInfo read(Path folder) {
        Path file = folder.resolve("quietstar.json");
        BoundedFiles.requireFileIn(file, "folder " + folder
                + " has no quietstar.json: it is not a Quiet-STaR checkpoint (or it is incomplete)");
        try {
            JsonNode n = JSON.readTree(file.toFile());
            int version = required(n, "format_version", file).asInt();
            if (version != FORMAT_VERSION) {
                throw new IllegalArgumentException(file + " has format_version " + version
                        + "; this library reads version " + FORMAT_VERSION);
            }
            if (!required(n, "meta_tokens_initialised", file).asBoolean()) {
                throw new IllegalArgumentException(file + " says the meta-tokens were never initialised; the "
                        + "checkpoint is incomplete");
            }
            QuietStarConfig config = JSON.treeToValue(required(n, "config", file), QuietStarConfig.class);
            Map<String, Integer> appended = new LinkedHashMap<>();
            JsonNode a = n.get("appended_tokens");
            if (a != null && a.isObject()) {
                a.properties().forEach(e -> appended.put(e.getKey(), e.getValue().asInt()));
            }
            return new CheckpointInfo(version, config, required(n, "start_token_id", file).asInt(),
                    required(n, "end_token_id", file).asInt(), required(n, "tokenizer_type", file).asText(), appended);
        } catch (IOException e) {
            throw new IllegalArgumentException("malformed quietstar.json in " + folder + ": " + e.getMessage(), e);
        }
    }

    /**
     * Checks a checkpoint's meta-token ids against its vocabulary: two distinct ids inside it. Every backend calls
     * this when it loads a checkpoint, so a hand-edited {@code quietstar.json} fails with its field named instead of
     * deep inside an engine.
     *
     * @param startTokenId the start-of-thought id
     * @param endTokenId the end-of-thought id
     * @param vocabSize the model's vocabulary size
     * @param folder the checkpoint, for the message
     * @throws IllegalArgumentException naming the field and the allowed range
     */
    public static void checkMetaTokenIds(int startTokenId, int endTokenId, int vocabSize, Path folder) {
        for (String field : new String[] {"start_token_id", "end_token_id"}) {
            int id = field.startsWith("start") ? startTokenId : endTokenId;
            if (id < 0 || id >= vocabSize) {
                throw new IllegalArgumentException(folder.resolve("quietstar.json") + ": " + field + " must be in 0.."
                        + (vocabSize - 1) + " (the model's vocabulary), was " + id);
            }
        }
        if (startTokenId == endTokenId) {
            throw new IllegalArgumentException(folder.resolve("quietstar.json") + ": start_token_id and end_token_id "
                    + "are both " + startTokenId + "; the start- and end-of-thought tokens must be two different ids");
        }
    }

    /**
     * Checks that a model has an embedding row for every id its tokenizer can produce. A tokenizer with more ids
     * than the model's {@code vocab_size} (a {@code tokenizer.json} from a larger model next to a smaller model's
     * {@code config.json} and weights) would feed ids past the embedding table, and the meta-tokens a backend appends
     * after the model's vocabulary would share ids with ordinary tokens. Every backend calls this when it loads a
     * model.
     *
     * @param tokenizerIds ids the tokenizer can produce (its highest id plus one, appended tokens included)
     * @param tokenizer the tokenizer's file, or a description of a tokenizer given in code
     * @param vocabSize the model's vocabulary size
     * @param configFile the {@code config.json} that gives the vocabulary size
     * @throws IllegalArgumentException naming both numbers, both files and the fix
     */
    public static void checkTokenizerFits(int tokenizerIds, String tokenizer, int vocabSize, Path configFile) {
        if (tokenizerIds > vocabSize) {
            throw new IllegalArgumentException("the tokenizer " + tokenizer + " produces ids 0.." + (tokenizerIds
                    - 1) + " (" + tokenizerIds + " ids) but " + configFile + " gives the model a vocabulary of "
                    + vocabSize + " (vocab_size), so ids " + vocabSize + ".." + (tokenizerIds - 1) + " have no "
                    + "embedding row; use the tokenizer the model was trained with, or a config.json and weights with "
                    + "a vocab_size of at least " + tokenizerIds);
        }
    }

    private static JsonNode required(JsonNode n, String field, Path file) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException(file + ": required field '" + field + "' is missing");
        }
        return v;
    }

    /**
     * Loads the tokenizer stored beside {@code quietstar.json}: the byte-level one directly, any other type through
     * the {@link TokenizerLoader} on the class path that reads it.
     *
     * @param folder the folder holding {@code tokenizer.json}
     * @return the tokenizer
     * @throws IllegalArgumentException when the file is missing, or the tokenizer type needs a library no module on
     *     the class path provides (a HuggingFace {@code tokenizer.json} without quietstar-djl)
     */
    public TextTokenizer engineNeutralTokenizer(Path folder) {
        Path file = folder.resolve("tokenizer.json");
        BoundedFiles.requireFileIn(file, "folder " + folder + " has no tokenizer.json");
        if (!BYTE_LEVEL.equals(tokenizerType)) {
            return TokenizerLoader.find(tokenizerType).orElseThrow(() -> new IllegalArgumentException(
                    "quietstar.json in " + folder + ": tokenizer_type '" + tokenizerType + "' needs the HuggingFace "
                            + "tokenizers library, which the djl-pytorch module ships: put quietstar-djl on the "
                            + "class path, or use a model with the built-in byte-level tokenizer"))
                    .load(file, appendedTokens);
        }
        try {
            return ByteTokenizer.fromSpecJson(Files.readString(file));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
