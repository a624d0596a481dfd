package dev.quietstar.core.llama2c;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quietstar.core.io.BoundedFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A llama2.c tokenizer file ({@code tokenizer.bin}, {@code tok512.bin}, ...): a SentencePiece BPE vocabulary with
 * one merge score per piece, and its exact translation into a HuggingFace {@code tokenizer.json}.
 *
 * <p>File layout (little-endian): int32 {@code max_token_length}, then for each of the model's {@code vocab_size}
 * tokens a float32 score, an int32 byte length and that many UTF-8 bytes. Ids 0, 1 and 2 are {@code <unk>},
 * BOS and EOS (spelled {@code "\n<s>\n"} and {@code "\n</s>\n"} in the file); ids 3..258 are the byte-fallback
 * tokens {@code <0x00>}..{@code <0xFF>}.
 *
 * <p>llama2.c encodes by prepending a space (SentencePiece's dummy prefix), splitting the text into code points
 * (a code point missing from the vocabulary falls back to its UTF-8 bytes, id byte + 3), then repeatedly merging
 * the adjacent pair whose concatenation is a piece with the highest score (the leftmost such pair on a tie). The
 * translation reproduces that with HuggingFace's BPE model: spaces become {@code U+2581} ("▁") in pieces and in
 * the normalised text (the usual Llama layout), the merge list holds every split of every multi-character piece
 * into two pieces, ranked by the merged piece's score, and byte fallback is on. The decoder undoes the space
 * mapping, joins byte tokens into UTF-8 and strips the dummy prefix, as llama2.c's decoder does after BOS.
 */
public final class Llama2cVocabulary {

    /** The character HuggingFace's SentencePiece layout uses for a space inside pieces. */
    public static final String SPACE_MARK = "\u2581";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_TOKEN_LENGTH = 1 << 16;
    private static final int FIRST_BYTE_ID = 3;

    private final Path file;
    private final List<String> pieces;
    private final float[] scores;

    private Llama2cVocabulary(Path file, List<String> pieces, float[] scores) {
        this.file = file;
        this.pieces = List.copyOf(pieces);
        this.scores = scores.clone();
    }

    /**
     * Reads a tokenizer file holding exactly {@code vocabSize} tokens (the weight file's header gives it).
     *
     * @param file the tokenizer file
     * @param vocabSize tokens the model has
     * @return the vocabulary
     * @throws IllegalArgumentException naming the file, the token and the problem (missing, truncated, a
     *     negative or oversized length, bytes that are not UTF-8, duplicated pieces, special tokens out of place)
     */
    public static Llama2cVocabulary read(Path file, int vocabSize) {
        if (vocabSize < FIRST_BYTE_ID + 256) {
            throw new IllegalArgumentException("a llama2.c vocabulary needs at least " + (FIRST_BYTE_ID + 256)
                    + " tokens (<unk>, BOS, EOS and 256 byte tokens), the model has " + vocabSize);
        }
        BoundedFiles.requireRegularFile(file, "llama2.c tokenizer file", "pass the model's tokenizer.bin");
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > (long) vocabSize * (8 + MAX_TOKEN_LENGTH) + 4) {
                throw new IllegalArgumentException("llama2.c tokenizer file " + file + " has " + size
                        + " bytes, more than " + vocabSize + " tokens can take");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("llama2.c tokenizer file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read llama2.c tokenizer file " + file + ": " + e.getMessage(),
                    e);
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (buf.remaining() < 4) {
            throw new IllegalArgumentException("llama2.c tokenizer file " + file + " is truncated: " + bytes.length
                    + " bytes");
        }
        int maxLength = buf.getInt();
        if (maxLength <= 0 || maxLength > MAX_TOKEN_LENGTH) {
            throw new IllegalArgumentException("llama2.c tokenizer file " + file + ": max_token_length must be in 1.."
                    + MAX_TOKEN_LENGTH + ", was " + maxLength);
        }
        List<String> pieces = new ArrayList<>(vocabSize);
        float[] scores = new float[vocabSize];
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        for (int id = 0; id < vocabSize; id++) {
            if (buf.remaining() < 8) {
                throw new IllegalArgumentException("llama2.c tokenizer file " + file + " is truncated at token " + id
                        + " of " + vocabSize);
            }
            float score = buf.getFloat();
            int len = buf.getInt();
            if (!Float.isFinite(score)) {
                throw new IllegalArgumentException("llama2.c tokenizer file " + file + ": token " + id
                        + " has a non-finite score " + score);
            }
            if (len < 0 || len > maxLength) {
                throw new IllegalArgumentException("llama2.c tokenizer file " + file + ": token " + id
                        + " has byte length " + len + ", outside 0.." + maxLength + " (max_token_length)");
            }
            if (buf.remaining() < len) {
                throw new IllegalArgumentException("llama2.c tokenizer file " + file + " is truncated inside token "
                        + id + " of " + vocabSize);
            }
            ByteBuffer slice = buf.slice(buf.position(), len);
            buf.position(buf.position() + len);
            String piece;
            try {
                piece = decoder.decode(slice).toString();
            } catch (CharacterCodingException e) {
                throw new IllegalArgumentException("llama2.c tokenizer file " + file + ": token " + id
                        + " is not valid UTF-8", e);
            }
            pieces.add(piece);
            scores[id] = score;
        }
        if (buf.hasRemaining()) {
            throw new IllegalArgumentException("llama2.c tokenizer file " + file + " has " + buf.remaining()
                    + " bytes after its " + vocabSize + " tokens: it belongs to a model with a larger vocabulary");
        }
        Llama2cVocabulary v = new Llama2cVocabulary(file, pieces, scores);
        v.checkLayout();
        return v;
    }

    private void checkLayout() {
        expect(0, "<unk>");
        expect(1, "\n<s>\n");
        expect(2, "\n</s>\n");
        for (int b = 0; b < 256; b++) {
            expect(FIRST_BYTE_ID + b, String.format("<0x%02X>", b));
        }
        Map<String, Integer> seen = new HashMap<>();
        for (int id = 0; id < pieces.size(); id++) {
            String p = pieces.get(id);
            if (p.isEmpty()) {
                throw new IllegalArgumentException("llama2.c tokenizer file " + file + ": token " + id + " is empty");
            }
            if (p.contains(SPACE_MARK)) {
                throw new IllegalArgumentException("llama2.c tokenizer file " + file + ": token " + id
                        + " contains U+2581, which the HuggingFace layout reserves for spaces");
            }
            Integer before = seen.put(p, id);
            if (before != null) {
                throw new IllegalArgumentException("llama2.c tokenizer file " + file + ": tokens " + before + " and "
                        + id + " are the same piece '" + p + "'");
            }
        }
    }

    private void expect(int id, String piece) {
        if (!pieces.get(id).equals(piece)) {
            throw new IllegalArgumentException("llama2.c tokenizer file " + file + ": token " + id + " must be "
                    + printable(piece) + ", was " + printable(pieces.get(id)));
        }
    }

    private static String printable(String s) {
        return "'" + s.replace("\n", "\\n") + "'";
    }

    /**
     * The pieces as llama2.c stores them (with plain spaces), by id.
     *
     * @return the pieces
     */
    public List<String> pieces() {
        return pieces;
    }

    /**
     * The merge score of a piece.
     *
     * @param id the piece's id
     * @return its score
     */
    public float score(int id) {
        return scores[id];
    }

    /**
     * The number of tokens.
     *
     * @return the vocabulary size
     */
    public int size() {
        return pieces.size();
    }

    /**
     * The HuggingFace {@code tokenizer.json} that encodes and decodes exactly as llama2.c does (see the class
     * comment), with {@code <unk>}, {@code <s>} and {@code </s>} as special tokens and a post-processor that adds
     * BOS for tools that ask for special tokens.
     *
     * @return the JSON tree
     */
    public ObjectNode toTokenizerJson() {
        List<String> hfPieces = new ArrayList<>(pieces.size());
        for (int id = 0; id < pieces.size(); id++) {
            hfPieces.add(id == 1 ? "<s>" : id == 2 ? "</s>" : pieces.get(id).replace(" ", SPACE_MARK));
        }
        Map<String, Integer> ids = new HashMap<>();
        for (int id = 0; id < hfPieces.size(); id++) {
            ids.put(hfPieces.get(id), id);
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int id = 0; id < FIRST_BYTE_ID; id++) {
            ObjectNode t = added.addObject();
            t.put("id", id);
            t.put("content", hfPieces.get(id));
            t.put("single_word", false);
            t.put("lstrip", false);
            t.put("rstrip", false);
            t.put("normalized", false);
            t.put("special", true);
        }
        ObjectNode normalizer = root.putObject("normalizer");
        normalizer.put("type", "Sequence");
        ArrayNode norms = normalizer.putArray("normalizers");
        norms.addObject().put("type", "Prepend").put("prepend", SPACE_MARK);
        ObjectNode replace = norms.addObject().put("type", "Replace");
        replace.putObject("pattern").put("String", " ");
        replace.put("content", SPACE_MARK);
        root.putNull("pre_tokenizer");
        ObjectNode post = root.putObject("post_processor");
        post.put("type", "TemplateProcessing");
        ArrayNode single = post.putArray("single");
        single.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        ArrayNode pair = post.putArray("pair");
        pair.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        pair.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 1);
        pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        ObjectNode bos = post.putObject("special_tokens").putObject("<s>");
        bos.put("id", "<s>");
        bos.putArray("ids").add(1);
        bos.putArray("tokens").add("<s>");
        ObjectNode decoder = root.putObject("decoder");
        decoder.put("type", "Sequence");
        ArrayNode decs = decoder.putArray("decoders");
        ObjectNode unspace = decs.addObject().put("type", "Replace");
        unspace.putObject("pattern").put("String", SPACE_MARK);
        unspace.put("content", " ");
        decs.addObject().put("type", "ByteFallback");
        decs.addObject().put("type", "Fuse");
        decs.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.put("unk_token", "<unk>");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", true);
        model.put("byte_fallback", true);
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < hfPieces.size(); id++) {
            vocab.put(hfPieces.get(id), id);
        }
        ArrayNode merges = model.putArray("merges");
        for (String[] m : merges(hfPieces, ids)) {
            merges.add(m[0] + " " + m[1]);
        }
        return root;
    }

    /**
     * Every split of every multi-character ordinary piece into two pieces of the vocabulary, best merged score
     * first (llama2.c merges the pair with the highest score), then by id and split point for a stable order.
     */
    private List<String[]> merges(List<String> hfPieces, Map<String, Integer> ids) {
        record Merge(int merged, int split, String left, String right) {}
        List<Merge> all = new ArrayList<>();
        for (int id = FIRST_BYTE_ID + 256; id < hfPieces.size(); id++) {
            String p = hfPieces.get(id);
            int[] cps = p.codePoints().toArray();
            for (int k = 1; k < cps.length; k++) {
                String left = new String(cps, 0, k);
                String right = new String(cps, k, cps.length - k);
                Integer l = ids.get(left);
                Integer r = ids.get(right);
                if (l != null && r != null && l >= FIRST_BYTE_ID + 256 && r >= FIRST_BYTE_ID + 256) {
                    all.add(new Merge(id, k, left, right));
                }
            }
        }
        all.sort(Comparator.comparingDouble((Merge m) -> -scores[m.merged()]).thenComparingInt(Merge::merged)
                .thenComparingInt(Merge::split));
        List<String[]> out = new ArrayList<>(all.size());
        for (Merge m : all) {
            out.add(new String[] {m.left(), m.right()});
        }
        return out;
    }
}
