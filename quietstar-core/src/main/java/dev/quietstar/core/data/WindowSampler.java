package dev.quietstar.core.data;

import dev.quietstar.api.Dataset;
import dev.quietstar.core.text.TextTokenizer;
import java.util.Arrays;
import java.util.OptionalInt;
import java.util.SplittableRandom;

/**
 * Turns documents into fixed-length training rows the way the official Quiet-STaR training script does.
 *
 * <p>Each document is tokenised once, with the tokenizer's BOS token prepended (its EOS token when it has no BOS,
 * as GPT-2 style tokenizers use one token for both). A document longer than the sequence length L contributes a
 * uniformly random window of L tokens, chosen anew every time it is drawn; a shorter one is right-padded with the
 * pad token (the EOS token when there is none), and its attention mask is 0 over the padding.
 *
 * <p>Documents are drawn in a shuffled order that is reshuffled every epoch. All randomness derives from the seed
 * and the example's position in the stream (the number of examples drawn before it), not from how examples were
 * grouped into batches: the permutation of epoch e comes from a {@link SplittableRandom} seeded with a hash of
 * (seed, e), and the window of example n from one seeded with a hash of (seed, n). Therefore a trainer that
 * resumes at step k calls {@link #seek(long)} with the {@link #position()} saved at step k, and gets exactly the
 * batches an uninterrupted run would have drawn.
 *
 * <p>Instances are not thread-safe.
 */
public final class WindowSampler {

    private static final long EPOCH_SALT = 0x5DEECE66DL;
    private static final long WINDOW_SALT = 0x9E3779B97F4A7C15L;

    private final Dataset dataset;
    private final int sequenceLength;
    private final int lookahead;
    private final long seed;
    private final int padId;
    private final int[][] tokens;
    private final long totalTokens;

    private long position;
    private long cachedEpoch = -1;
    private int[] cachedOrder;

    /**
     * One batch of training rows.
     *
     * <p>The arrays are owned by the caller once returned. Equality compares array contents.
     *
     * @param tokenIds token ids, {@code [examples][sequenceLength]}
     * @param attentionMask 1 at real tokens, 0 at padding, {@code [examples][sequenceLength]}
     * @param documentIndex for each row, the index of the document it came from
     */
    public record Batch(int[][] tokenIds, int[][] attentionMask, int[] documentIndex) {

        /**
         * The number of rows.
         *
         * @return the row count
         */
        public int size() {
            return tokenIds.length;
        }

        /** {@inheritDoc} */
        @Override
        public boolean equals(Object o) {
            return o instanceof Batch b && Arrays.deepEquals(tokenIds, b.tokenIds)
                    && Arrays.deepEquals(attentionMask, b.attentionMask)
                    && Arrays.equals(documentIndex, b.documentIndex);
        }

        /** {@inheritDoc} */
        @Override
        public int hashCode() {
            return 31 * (31 * Arrays.deepHashCode(tokenIds) + Arrays.deepHashCode(attentionMask))
                    + Arrays.hashCode(documentIndex);
        }

        /** {@inheritDoc} */
        @Override
        public String toString() {
            return "Batch[rows=" + tokenIds.length + ", documents=" + Arrays.toString(documentIndex) + "]";
        }
    }

    /**
     * Tokenises the dataset and checks that it is large enough to train on.
     *
     * @param tokenizer the model's tokenizer
     * @param dataset the documents
     * @param sequenceLength tokens per row L, at least 2
     * @param lookahead true tokens scored after each thought T, at least 0
     * @param seed seed of the document order and the windows
     * @throws DatasetException when the tokenizer has neither a BOS nor an EOS token, neither a pad nor an EOS
     *     token, or the dataset holds fewer than {@code sequenceLength + lookahead} tokens in total
     */
    public WindowSampler(TextTokenizer tokenizer, Dataset dataset, int sequenceLength, int lookahead, long seed) {
        if (sequenceLength < 2) {
            throw new IllegalArgumentException("sequenceLength must be at least 2, was " + sequenceLength);
        }
        if (lookahead < 0) {
            throw new IllegalArgumentException("lookahead must be at least 0, was " + lookahead);
        }
        this.dataset = dataset;
        this.sequenceLength = sequenceLength;
        this.lookahead = lookahead;
        this.seed = seed;
        int bos = tokenizer.documentStartId().orElseThrow(() -> new DatasetException("the tokenizer has neither a BOS "
                + "nor an EOS token, but each document must start with one; use a tokenizer that defines either"));
        this.padId = firstPresent(tokenizer.padId(), tokenizer.eosId(), "the tokenizer has neither a pad nor an EOS "
                + "token, but short documents must be padded with one; use a tokenizer that defines either");
        if (dataset.size() == 0) {
            throw new DatasetException("dataset '" + dataset.description() + "' holds no documents");
        }
        this.tokens = new int[dataset.size()][];
        long total = 0;
        for (int d = 0; d < tokens.length; d++) {
            int[] body = tokenizer.encode(dataset.document(d));
            int[] row = new int[body.length + 1];
            row[0] = bos;
            System.arraycopy(body, 0, row, 1, body.length);
            tokens[d] = row;
            total += row.length;
        }
        this.totalTokens = total;
        long needed = (long) sequenceLength + lookahead;
        if (total < needed) {
            throw new DatasetException("dataset '" + dataset.description() + "' holds " + total
                    + " tokens; training needs at least sequenceLength + lookahead = " + needed);
        }
    }

    private static int firstPresent(OptionalInt first, OptionalInt second, String message) {
        if (first.isPresent()) {
            return first.getAsInt();
        }
        if (second.isPresent()) {
            return second.getAsInt();
        }
        throw new DatasetException(message);
    }

    /**
     * Draws the next rows and advances the position by {@code examples}.
     *
     * @param examples rows to draw, at least 1
     * @return the batch
     */
    public Batch next(int examples) {
        if (examples < 1) {
            throw new IllegalArgumentException("examples must be at least 1, was " + examples);
        }
        int[][] ids = new int[examples][];
        int[][] mask = new int[examples][];
        int[] docs = new int[examples];
        for (int r = 0; r < examples; r++) {
            long n = position + r;
            int d = documentAt(n);
            docs[r] = d;
            int[] row = new int[sequenceLength];
            int[] rowMask = new int[sequenceLength];
            int[] doc = tokens[d];
            if (doc.length > sequenceLength) {
                SplittableRandom rng = new SplittableRandom(mix(seed ^ WINDOW_SALT, n));
                int start = rng.nextInt(doc.length - sequenceLength + 1);
                System.arraycopy(doc, start, row, 0, sequenceLength);
                Arrays.fill(rowMask, 1);
            } else {
                System.arraycopy(doc, 0, row, 0, doc.length);
                Arrays.fill(row, doc.length, sequenceLength, padId);
                Arrays.fill(rowMask, 0, doc.length, 1);
            }
            ids[r] = row;
            mask[r] = rowMask;
        }
        position += examples;
        return new Batch(ids, mask, docs);
    }

    private int documentAt(long n) {
        long epoch = n / tokens.length;
        if (epoch != cachedEpoch) {
            int[] order = new int[tokens.length];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            SplittableRandom rng = new SplittableRandom(mix(seed ^ EPOCH_SALT, epoch));
            for (int i = order.length - 1; i > 0; i--) { // Fisher-Yates
                int j = rng.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            cachedOrder = order;
            cachedEpoch = epoch;
        }
        return cachedOrder[(int) (n % tokens.length)];
    }

    /** A 64-bit hash of two values (the SplitMix64 finaliser over their combination). */
    private static long mix(long a, long b) {
        long z = a + 0x9E3779B97F4A7C15L * (b + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * The number of examples drawn so far; save it with a checkpoint and pass it to {@link #seek(long)} to resume.
     *
     * @return the position
     */
    public long position() {
        return position;
    }

    /**
     * Moves to a position, so that the next batch starts with the example an uninterrupted run would draw there.
     *
     * @param newPosition examples drawn before the next one, at least 0
     */
    public void seek(long newPosition) {
        if (newPosition < 0) {
            throw new IllegalArgumentException("position must be at least 0, was " + newPosition);
        }
        this.position = newPosition;
    }

    /**
     * The number of complete passes over the dataset so far.
     *
     * @return the epoch of the next example
     */
    public long epoch() {
        return position / tokens.length;
    }

    /**
     * Tokens in the whole dataset, BOS tokens included.
     *
     * @return the token count
     */
    public long totalTokens() {
        return totalTokens;
    }

    /**
     * The row length L.
     *
     * @return the sequence length
     */
    public int sequenceLength() {
        return sequenceLength;
    }

    /**
     * The look-ahead T the dataset was checked against.
     *
     * @return the look-ahead
     */
    public int lookahead() {
        return lookahead;
    }

    /**
     * The token that fills padding.
     *
     * @return the pad id
     */
    public int padId() {
        return padId;
    }

    /**
     * The dataset rows are drawn from.
     *
     * @return the dataset
     */
    public Dataset dataset() {
        return dataset;
    }
}
