package dev.quietstar.djl.model;

import dev.quietstar.core.io.BoundedFiles;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quietstar.core.text.TextTokenizer;
import java.io.IOException;
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

    private final HuggingFaceTokenizer tokenizer;
    private final Map<String, Integer> vocab;
    private final Map<String, Integer> appended;
    private final Map<Integer, String> appendedById = new HashMap<>();
    private final int baseVocab;
    private final Integer bos;
    private final Integer eos;
    private final Integer pad;
    private final Path file;

    private HfTextTokenizer(Path file, HuggingFaceTokenizer tokenizer, Map<String, Integer> vocab, int baseVocab,
            Map<String, Integer> appended, Integer bos, Integer eos, Integer pad) {
        this.file = file;
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
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no tokenizer.json at " + file);
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(BoundedFiles.readUtf8(file, BoundedFiles.MAX_TOKENIZER_BYTES,
                    "tokenizer file"));
        } catch (IOException e) {
            throw new IllegalArgumentException("malformed tokenizer.json " + file + ": " + e.getMessage(), e);
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
            throw new IllegalArgumentException("tokenizer.json " + file + " has no model.vocab");
        }
        for (JsonNode t : root.path("added_tokens")) {
            vocab.put(t.get("content").asText(), t.get("id").asInt());
        }
        int base = vocab.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        HuggingFaceTokenizer tok;
        try {
            tok = HuggingFaceTokenizer.builder().optTokenizerPath(file).optAddSpecialTokens(false).build();
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot load tokenizer.json " + file + ": " + e.getMessage(), e);
        }
        Integer bos = first(vocab, "<s>", "<|begin_of_text|>", "<|endoftext|>", "<bos>");
        Integer eos = first(vocab, "</s>", "<|end_of_text|>", "<|endoftext|>", "<|im_end|>", "<eos>");
        Integer pad = first(vocab, "<pad>", "<|pad|>", "[PAD]");
        return new HfTextTokenizer(file, tok, vocab, base, appended, bos, eos, pad);
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
     * The {@code tokenizer.json} file this tokenizer was read from.
     *
     * @return the file
     */
    public Path file() {
        return file;
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
