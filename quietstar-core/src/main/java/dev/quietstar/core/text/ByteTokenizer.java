package dev.quietstar.core.text;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The built-in byte-level tokenizer: every UTF-8 byte is one token, followed by five special tokens.
 *
 * <p>Ids {@code 0..255} are the bytes of the UTF-8 encoding of the text; {@link #BOS} (256), {@link #EOS} (257),
 * {@link #PAD} (258), {@link #START_OF_THOUGHT} (259) and {@link #END_OF_THOUGHT} (260) follow, so the vocabulary
 * holds {@link #VOCAB_SIZE} = 261 ids. It needs no vocabulary file, which makes it the tokenizer of the tiny models
 * the project trains on generated data. {@link #encode(String)} never emits a special token, even when the text
 * contains a special token's name: special tokens enter a sequence only where code puts them.
 *
 * <p>A checkpoint made with this tokenizer stores {@link #SPEC_JSON} as its {@code tokenizer.json};
 * {@link #fromSpecJson(String)} reads it back and checks that it describes this exact tokenizer. Instances are
 * immutable and thread-safe.
 */
public final class ByteTokenizer implements TextTokenizer {

    /** Beginning-of-sequence token, prepended to every training document. */
    public static final int BOS = 256;
    /** End-of-text token. */
    public static final int EOS = 257;
    /** Padding token; targets equal to it are ignored by every loss. */
    public static final int PAD = 258;
    /** Start-of-thought meta-token. */
    public static final int START_OF_THOUGHT = 259;
    /** End-of-thought meta-token. */
    public static final int END_OF_THOUGHT = 260;
    /** Number of ids: 256 bytes plus 5 special tokens. */
    public static final int VOCAB_SIZE = 261;

    /** The {@code type} field of the JSON spec. */
    public static final String SPEC_TYPE = "quietstar-byte-level";
    /** The {@code version} field of the JSON spec. */
    public static final int SPEC_VERSION = 1;

    private static final String[] SPECIAL_NAMES = {
        "<bos>", "<eos>", "<pad>", "<|startofthought|>", "<|endofthought|>"
    };

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /**
     * The JSON spec of this tokenizer, as a checkpoint's {@code tokenizer.json} holds it: type, version and the
     * id of every special token.
     */
    public static final String SPEC_JSON = buildSpecJson();

    private static final ByteTokenizer INSTANCE = new ByteTokenizer();

    /** Creates the tokenizer; all instances behave identically. */
    public ByteTokenizer() {}

    /**
     * The shared instance.
     *
     * @return the tokenizer
     */
    public static ByteTokenizer instance() {
        return INSTANCE;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Returns the UTF-8 bytes of the text as ids {@code 0..255}.
     */
    @Override
    public int[] encode(String text) {
        if (text == null) {
            throw new IllegalArgumentException("text to encode must not be null; pass \"\" for an empty text");
        }
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            ids[i] = bytes[i] & 0xFF;
        }
        return ids;
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException when an id is outside {@code 0..260}
     */
    @Override
    public String decode(int[] ids) {
        StringBuilder out = new StringBuilder(ids.length);
        ByteBuffer pending = ByteBuffer.allocate(ids.length);
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            if (id < 0 || id >= VOCAB_SIZE) {
                throw new IllegalArgumentException("token id " + id + " at index " + i
                        + " is outside the byte tokenizer's range 0.." + (VOCAB_SIZE - 1));
            }
            if (id < 256) {
                pending.put((byte) id);
            } else {
                flush(pending, decoder, out);
                out.append(SPECIAL_NAMES[id - 256]);
            }
        }
        flush(pending, decoder, out);
        return out.toString();
    }

    private static void flush(ByteBuffer pending, CharsetDecoder decoder, StringBuilder out) {
        if (pending.position() == 0) {
            return;
        }
        pending.flip();
        try {
            CharBuffer chars = decoder.reset().decode(pending);
            out.append(chars);
        } catch (CharacterCodingException e) {
            // Unreachable: the decoder replaces malformed input instead of reporting it.
            throw new IllegalStateException("UTF-8 decoder with REPLACE reported an error", e);
        }
        pending.clear();
    }

    /** {@inheritDoc} */
    @Override
    public int vocabSize() {
        return VOCAB_SIZE;
    }

    /** {@inheritDoc} */
    @Override
    public OptionalInt bosId() {
        return OptionalInt.of(BOS);
    }

    /** {@inheritDoc} */
    @Override
    public OptionalInt eosId() {
        return OptionalInt.of(EOS);
    }

    /** {@inheritDoc} */
    @Override
    public OptionalInt padId() {
        return OptionalInt.of(PAD);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Special tokens are found by their exact names ({@code <bos>}, {@code <eos>}, {@code <pad>},
     * {@code <|startofthought|>}, {@code <|endofthought|>}); any other string must be a single ASCII character,
     * whose byte is its id. Longer strings such as {@code ---} span several tokens and give an empty result.
     */
    @Override
    public OptionalInt tokenId(String token) {
        if (token == null) {
            return OptionalInt.empty();
        }
        for (int i = 0; i < SPECIAL_NAMES.length; i++) {
            if (SPECIAL_NAMES[i].equals(token)) {
                return OptionalInt.of(256 + i);
            }
        }
        if (token.length() == 1 && token.charAt(0) < 0x80) {
            return OptionalInt.of(token.charAt(0));
        }
        return OptionalInt.empty();
    }

    /**
     * The name of a special token.
     *
     * @param id an id in {@code 256..260}
     * @return the name, for example {@code <|startofthought|>}
     */
    public static String specialTokenName(int id) {
        if (id < 256 || id >= VOCAB_SIZE) {
            throw new IllegalArgumentException("token id " + id + " is not a special token; special tokens are 256.."
                    + (VOCAB_SIZE - 1));
        }
        return SPECIAL_NAMES[id - 256];
    }

    /**
     * The JSON spec of this tokenizer, equal to {@link #SPEC_JSON}.
     *
     * @return the spec
     */
    public String toSpecJson() {
        return SPEC_JSON;
    }

    /**
     * Reads a JSON spec, checking that it describes this tokenizer.
     *
     * @param json the spec, as written by {@link #toSpecJson()}
     * @return the tokenizer
     * @throws IllegalArgumentException when the text is not JSON, has another type or version, or a special token
     *     is missing or has another id
     */
    public static ByteTokenizer fromSpecJson(String json) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("byte tokenizer spec is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("byte tokenizer spec must be a JSON object like " + SPEC_JSON);
        }
        String type = root.path("type").asText(null);
        if (!SPEC_TYPE.equals(type)) {
            throw new IllegalArgumentException("tokenizer spec has type " + (type == null ? "(missing)" : "'" + type
                    + "'") + ", expected '" + SPEC_TYPE + "'; this file does not describe the built-in byte tokenizer");
        }
        JsonNode version = root.get("version");
        if (version == null || !version.isIntegralNumber() || version.intValue() != SPEC_VERSION) {
            throw new IllegalArgumentException("byte tokenizer spec has version " + version + ", this library reads "
                    + "version " + SPEC_VERSION);
        }
        JsonNode vocab = root.get("vocab_size");
        if (vocab != null && (!vocab.isIntegralNumber() || vocab.intValue() != VOCAB_SIZE)) {
            throw new IllegalArgumentException("byte tokenizer spec has vocab_size " + vocab + ", the built-in "
                    + "tokenizer has " + VOCAB_SIZE);
        }
        JsonNode specials = root.get("special_tokens");
        if (specials == null || !specials.isObject()) {
            throw new IllegalArgumentException("byte tokenizer spec lacks the object 'special_tokens'; expected "
                    + SPEC_JSON);
        }
        List<String> found = new ArrayList<>();
        Iterator<String> names = specials.fieldNames();
        while (names.hasNext()) {
            found.add(names.next());
        }
        for (int i = 0; i < SPECIAL_NAMES.length; i++) {
            JsonNode id = specials.get(SPECIAL_NAMES[i]);
            if (id == null) {
                throw new IllegalArgumentException("byte tokenizer spec lacks special token " + SPECIAL_NAMES[i]
                        + " (expected id " + (256 + i) + "); found " + found);
            }
            if (!id.isIntegralNumber() || id.intValue() != 256 + i) {
                throw new IllegalArgumentException("byte tokenizer spec gives special token " + SPECIAL_NAMES[i]
                        + " the id " + id + ", but the built-in tokenizer uses " + (256 + i));
            }
        }
        if (found.size() != SPECIAL_NAMES.length) {
            throw new IllegalArgumentException("byte tokenizer spec lists special tokens " + found
                    + "; the built-in tokenizer has exactly " + List.of(SPECIAL_NAMES));
        }
        return INSTANCE;
    }

    private static String buildSpecJson() {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("type", SPEC_TYPE);
        root.put("version", SPEC_VERSION);
        Map<String, Integer> ids = new LinkedHashMap<>();
        for (int i = 0; i < SPECIAL_NAMES.length; i++) {
            ids.put(SPECIAL_NAMES[i], 256 + i);
        }
        ObjectNode specials = root.putObject("special_tokens");
        ids.forEach(specials::put);
        root.put("vocab_size", VOCAB_SIZE);
        try {
            return MAPPER.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the byte tokenizer spec", e);
        }
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        return "ByteTokenizer[vocabSize=" + VOCAB_SIZE + "]";
    }
}
