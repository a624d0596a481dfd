package dev.quietstar.api;

/**
 * A training or evaluation corpus: an ordered collection of text documents.
 *
 * <p>A trainer tokenises each document with the model's tokenizer and a BOS token; a document longer than the
 * training window contributes a random (seeded) window, a shorter one is right-padded.
 */
public interface Dataset {

    /**
     * How many documents there are.
     *
     * @return the count
     */
    int size();

    /**
     * One document's text.
     *
     * @param index 0-based index below {@link #size()}
     * @return the text
     */
    String document(int index);

    /**
     * A human-readable description of where the documents came from, recorded in checkpoints' provenance.
     *
     * @return the description
     */
    String description();
}
