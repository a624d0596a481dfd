package dev.quietstar.djl.model;

import dev.quietstar.core.io.BoundedFiles;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quietstar.core.text.TextTokenizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A HuggingFace {@code tokenizer.json} read from a local file through DJL's tokenizers binding (never a hub name),
 * optionally extended with tokens the model appended to its vocabulary (the two Quiet-STaR meta-tokens).
 *
 * <p>Thread-safe: the native tokenizer is immutable after construction.
 */
public final class HfTextTokenizer implements TextTokenizer, AutoCloseable {

    static {
        // Offline mode and DJL's cache folder are set before this class can touch DJL (see DjlEngines#configure).
        dev.quietstar.djl.DjlEngines.configure();
    }

    /** Context tokens decoded with the ids by {@link #decodeAfter}: enough for a UTF-8 character's bytes. */
    private static final int CONTEXT_TOKENS = 8;

    private final HuggingFaceTokenizer tokenizer;
    private final Map<String, Integer> vocab;
    private final Map<String, Integer> appended;
    private final Map<Integer, String> appendedById = new HashMap<>();
    private final int baseVocab;
    private final Integer bos;
    private final Integer eos;
    private final Integer pad;
    private final byte[] json;
    private final String origin;

    private HfTextTokenizer(byte[] json, String origin, HuggingFaceTokenizer tokenizer, Map<String, Integer> vocab,
            int baseVocab,
            Map<String, Integer> appended, Integer bos, Integer eos, Integer pad) {
        this.json = json;
        this.origin = origin;
        this.tokenizer = tokenizer;
        this.vocab = vocab;
        this.baseVocab = baseVocab;
        this.appended = new LinkedHashMap<>(appended);
        appended.forEach((k, v) -> appendedById.put(v, k));
        this.bos = bos;
        this.eos = eos;
        this.pad = pad;
    }

    /**
     * Loads {@code tokenizer.json} from a local file or a folder holding one.
     *
     * @param path the file or folder
     * @param appended tokens appended after the file's vocabulary, by name (may be empty)
     * @return the tokenizer
     * @throws IllegalArgumentException when the file is missing or malformed
     */
    public static HfTextTokenizer load(Path path, Map<String, Integer> appended) {
        Path file = Files.isDirectory(path) ? path.resolve("tokenizer.json") : path;
        BoundedFiles.requireFileIn(file, "no tokenizer.json at " + file);
        byte[] bytes = BoundedFiles.readUtf8(file, BoundedFiles.MAX_TOKENIZER_BYTES, "tokenizer file")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return fromJson(bytes, file.toString(), appended);
    }

    /**
     * Builds a tokenizer from the content of a {@code tokenizer.json} (for example one converted in memory).
     *
     * @param json the file's bytes
     * @param origin where it came from, for error messages
     * @param appended tokens appended after the vocabulary, by name (may be empty)
     * @return the tokenizer
     * @throws IllegalArgumentException when the content is malformed
     */
    public static HfTextTokenizer fromJson(byte[] json, String origin, Map<String, Integer> appended) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("malformed tokenizer.json " + origin + ": " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("tokenizer.json " + origin + " must hold a JSON object");
        }
        Map<String, Integer> vocab = new HashMap<>();
        JsonNode v = root.path("model").path("vocab");
        if (v.isObject()) {
            v.properties().forEach(e -> vocab.put(e.getKey(), e.getValue().asInt()));
        } else if (v.isArray()) { // Unigram: [[piece, score], ...]
            for (int i = 0; i < v.size(); i++) {
                vocab.put(v.get(i).get(0).asText(), i);
            }
        } else {
            throw new IllegalArgumentException("tokenizer.json " + origin + " has no model.vocab");
        }
        for (JsonNode t : root.path("added_tokens")) {
            vocab.put(t.get("content").asText(), t.get("id").asInt());
        }
        // Two tokens with one id would decode ambiguously and make the model's ids mean two things.
        Map<Integer, String> byId = new HashMap<>();
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            if (e.getValue() < 0) {
                throw new IllegalArgumentException("tokenizer.json " + origin + ": token '" + e.getKey()
                        + "' has a negative id " + e.getValue());
            }
            String other = byId.putIfAbsent(e.getValue(), e.getKey());
            if (other != null) {
                throw new IllegalArgumentException("tokenizer.json " + origin + ": tokens '" + other + "' and '"
                        + e.getKey() + "' share id " + e.getValue() + "; every token needs its own id");
            }
        }
        int base = vocab.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        HuggingFaceTokenizer tok;
        try (InputStream in = new ByteArrayInputStream(json)) {
            // DJL truncates to 512 tokens unless told not to: a long document must keep all of its tokens.
            tok = HuggingFaceTokenizer.newInstance(in, Map.of("addSpecialTokens", "false", "truncation", "false",
                    "padding", "false"));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot load tokenizer.json " + origin + ": " + e.getMessage(), e);
        }
        Integer bos = first(vocab, "<s>", "<|begin_of_text|>", "<|endoftext|>", "<bos>");
        Integer eos = first(vocab, "</s>", "<|end_of_text|>", "<|endoftext|>", "<|im_end|>", "<eos>");
        Integer pad = first(vocab, "<pad>", "<|pad|>", "[PAD]");
        return new HfTextTokenizer(json.clone(), origin, tok, vocab, base, appended, bos, eos, pad);
    }

    /**
     * A tokenizer of the same {@code tokenizer.json} with other appended tokens.
     *
     * @param appendedTokens tokens appended after the vocabulary, by name
     * @return the new tokenizer (this one stays open)
     */
    public HfTextTokenizer withAppended(Map<String, Integer> appendedTokens) {
        return fromJson(json, origin, appendedTokens);
    }

    private static Integer first(Map<String, Integer> vocab, String... names) {
        for (String n : names) {
            if (vocab.containsKey(n)) {
                return vocab.get(n);
            }
        }
        return null;
    }

    /**
     * The content of the {@code tokenizer.json} this tokenizer was built from, to save beside a model.
     *
     * @return a copy of the bytes
     */
    public byte[] json() {
        return json.clone();
    }

    /**
     * The tokens appended after the file's vocabulary.
     *
     * @return name to id
     */
    public Map<String, Integer> appended() {
        return java.util.Collections.unmodifiableMap(appended);
    }

    /**
     * The vocabulary size of the file alone.
     *
     * @return the size before appended tokens
     */
    public int baseVocabSize() {
        return baseVocab;
    }

    @Override
    public int[] encode(String text) {
        long[] ids = tokenizer.encode(text, false, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    @Override
    public String decode(int[] ids) {
        StringBuilder sb = new StringBuilder();
        java.util.List<Long> run = new java.util.ArrayList<>();
        for (int id : ids) {
            if (id < 0 || id >= vocabSize()) {
                throw new IllegalArgumentException("token id " + id + " is outside 0.." + (vocabSize() - 1));
            }
            String extra = appendedById.get(id);
            if (extra != null) {
                sb.append(tokenizer.decode(run.stream().mapToLong(Long::longValue).toArray(), false));
                run.clear();
                sb.append(extra);
            } else {
                run.add((long) id);
            }
        }
        sb.append(tokenizer.decode(run.stream().mapToLong(Long::longValue).toArray(), false));
        return sb.toString();
    }

    /**
     * {@inheritDoc}
     *
     * <p>Decodes the last context tokens together with the ids and keeps what follows the context's own text, so
     * a leading space that a decoder strips at the start of a text (SentencePiece's dummy prefix) is kept.
     */
    @Override
    public String decodeAfter(int[] context, int[] ids) {
        if (context.length == 0 || ids.length == 0) {
            return context.length == 0 ? decode(ids) : "";
        }
        int keep = Math.min(context.length, CONTEXT_TOKENS);
        int[] tail = java.util.Arrays.copyOfRange(context, context.length - keep, context.length);
        int[] joined = java.util.Arrays.copyOf(tail, keep + ids.length);
        System.arraycopy(ids, 0, joined, keep, ids.length);
        String before = decode(tail);
        String all = decode(joined);
        return all.startsWith(before) ? all.substring(before.length()) : decode(ids);
    }

    @Override
    public int vocabSize() {
        return Math.max(baseVocab, appended.values().stream().mapToInt(i -> i + 1).max().orElse(0));
    }

    @Override
    public OptionalInt bosId() {
        return bos == null ? OptionalInt.empty() : OptionalInt.of(bos);
    }

    @Override
    public OptionalInt eosId() {
        return eos == null ? OptionalInt.empty() : OptionalInt.of(eos);
    }

    @Override
    public OptionalInt padId() {
        return pad == null ? OptionalInt.empty() : OptionalInt.of(pad);
    }

    @Override
    public OptionalInt tokenId(String token) {
        Integer id = appended.containsKey(token) ? appended.get(token) : vocab.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
