package dev.quietstar.core.text;

import java.util.OptionalInt;

/**
 * Turns text into token ids and back, with the special tokens Quiet-STaR needs.
 *
 * <p>Implementations: the built-in {@link ByteTokenizer} (256 byte ids plus special tokens, for models trained on
 * data the project generates) and, in the DJL backend, HuggingFace {@code tokenizer.json} files read from a local
 * folder. Implementations are immutable and thread-safe.
 */
public interface TextTokenizer {

    /**
     * Encodes text without adding any special token.
     *
     * @param text the text
     * @return token ids, each in {@code 0..vocabSize()-1}
     */
    int[] encode(String text);

    /**
     * Decodes ids to text. Special tokens decode to their names (for example {@code <bos>}); byte sequences that
     * are not valid UTF-8 decode with the replacement character.
     *
     * @param ids token ids
     * @return the text
     */
    String decode(int[] ids);

    /**
     * The text that ids add when they follow context ids: what a reader sees appear when the ids are appended.
     *
     * <p>For a tokenizer whose pieces decode independently (the byte-level one) this is {@code decode(ids)}. A
     * SentencePiece tokenizer strips the space that starts a text, so a piece decoded on its own loses its space;
     * such tokenizers override this to decode the ids together with the end of the context.
     *
     * @param context the ids before, may be empty
     * @param ids the ids whose text is wanted
     * @return their text in that context
     */
    default String decodeAfter(int[] context, int[] ids) {
        return decode(ids);
    }

    /**
     * The number of ids, special tokens included.
     *
     * @return the vocabulary size
     */
    int vocabSize();

    /**
     * The beginning-of-sequence token prepended to every training document, when the tokenizer has one.
     *
     * @return the id
     */
    OptionalInt bosId();

    /**
     * The end-of-text token that stops generation, when the tokenizer has one.
     *
     * @return the id
     */
    OptionalInt eosId();

    /**
     * The padding token, when the tokenizer has one (targets equal to it are ignored by every loss).
     *
     * @return the id
     */
    OptionalInt padId();

    /**
     * The id of a special or ordinary token given by its exact string, for example {@code <|startofthought|>}.
     *
     * @param token the token's string
     * @return the id, empty when the vocabulary lacks it
     */
    OptionalInt tokenId(String token);

    /**
     * The token every document starts with: the BOS token, else the end-of-text token (the GPT-2 convention),
     * as the training data pipeline uses it.
     *
     * @return the id, empty when the tokenizer has neither
     */
    default OptionalInt documentStartId() {
        return bosId().isPresent() ? bosId() : eosId();
    }

    /**
     * Ids of a text as the model sees it at the start of a document: {@link #documentStartId()} (when there is one)
     * followed by the text's ids.
     *
     * @param body the text's ids
     * @return the ids with the start token prepended
     */
    default int[] withDocumentStart(int[] body) {
        OptionalInt start = documentStartId();
        if (start.isEmpty()) {
            return body;
        }
        int[] ids = new int[body.length + 1];
        ids[0] = start.getAsInt();
        System.arraycopy(body, 0, ids, 1, body.length);
        return ids;
    }
}
