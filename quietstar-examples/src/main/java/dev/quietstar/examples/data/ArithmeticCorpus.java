package dev.quietstar.examples.data;

import dev.quietstar.api.Dataset;
import dev.quietstar.core.data.DatasetException;
import dev.quietstar.core.data.TextDatasets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A generated, seeded training corpus on which thinking can help a small byte-level model, with held-out problems
 * to measure it.
 *
 * <p>Training documents are of four kinds, one item per document, each line ending in {@code \n}:
 * <ul>
 *   <li>{@value #ADDITION}: {@code Q: 4821+397=?\nA: 5218\n}, operands of 2 to 4 digits;</li>
 *   <li>{@value #MULTIPLICATION}: {@code Q: 347*26=?\nA: 9022\n}, a 2-3 digit number times a 1-2 digit one;</li>
 *   <li>{@value #WORD}: GSM8K-shaped word problems of 2 or 3 arithmetic steps whose answer is written
 *       {@code #### 24};</li>
 *   <li>{@value #FILLER}: plain English sentences built from word lists, so the corpus is also ordinary language
 *       modelling.</li>
 * </ul>
 *
 * <p>A share of the training problems ({@link Builder#optWorkedShare(double)}, default 0.5) carries a compact
 * worked solution in square brackets right after {@code A: }, at most {@value #MAX_SCRATCHPAD_CHARS} characters
 * inside the brackets, short enough for one thought to hold:
 * <ul>
 *   <li>addition: the column sums, most significant column first, each including the carry from the column to
 *       its right; the answer's digits are their last digits, plus the first sum's carry:
 *       {@code 4821+397} gives {@code [5,12,11,8]5218};</li>
 *   <li>multiplication: the partial products, which sum to the answer; by each digit of a two-digit multiplier
 *       ({@code 347*26} gives {@code [2082+6940]9022}), or by each digit of the multiplicand for a one-digit
 *       multiplier ({@code 347*6} gives {@code [1800+240+42]2082});</li>
 *   <li>word problems: the intermediate quantities in the order they are computed, the last one the answer:
 *       {@code [12,24]#### 24}.</li>
 * </ul>
 * The other problems give the answer directly. Held-out problems ({@link #heldOut()}) are direct-answer only and
 * use operand tuples that appear in no training document (addition and multiplication pairs count in either
 * order), so a gain on them is not memorisation.
 *
 * <p>The corpus is a pure function of the builder's settings: the same seed gives the same documents.
 */
public final class ArithmeticCorpus {

    /** Kind of a multi-digit addition problem. */
    public static final String ADDITION = "addition";
    /** Kind of a multiplication problem. */
    public static final String MULTIPLICATION = "multiplication";
    /** Kind of a word problem. */
    public static final String WORD = "word";
    /** Kind of a filler document of plain sentences. */
    public static final String FILLER = "filler";
    /** Longest worked solution, in characters between the square brackets. */
    public static final int MAX_SCRATCHPAD_CHARS = 16;

    private static final String[] PROBLEM_KINDS = {ADDITION, MULTIPLICATION, WORD};
    private static final int MAX_ATTEMPTS_PER_PROBLEM = 10_000;

    private final long seed;
    private final List<String> train;
    private final List<Problem> heldOut;

    /**
     * One question and its answer.
     *
     * @param question the text up to and including {@code "A: "}
     * @param answer the answer as written after {@code "A: "} in a direct-answer document, without the final
     *     newline: digits for arithmetic ({@code 5218}), {@code #### 24} for word problems
     * @param kind {@value #ADDITION}, {@value #MULTIPLICATION} or {@value #WORD}
     */
    public record Problem(String question, String answer, String kind) {

        /**
         * The whole direct-answer document: question, answer and the final newline.
         *
         * @return the text
         */
        public String text() {
            return question + answer + "\n";
        }
    }

    /**
     * The corpus split into training documents and held-out problems.
     *
     * @param train training documents
     * @param heldOut held-out direct-answer problems
     */
    public record Split(List<String> train, List<Problem> heldOut) {}

    private ArithmeticCorpus(Builder b) {
        this.seed = b.seed;
        SplittableRandom rng = new SplittableRandom(b.seed);
        Set<String> usedByTraining = new HashSet<>();
        List<String> docs = new ArrayList<>(b.trainDocuments);
        for (int i = 0; i < b.trainDocuments; i++) {
            if (rng.nextDouble() < b.fillerShare) {
                docs.add(ArithmeticProblems.filler(rng));
                continue;
            }
            String kind = PROBLEM_KINDS[rng.nextInt(PROBLEM_KINDS.length)];
            ArithmeticProblems.Generated g = ArithmeticProblems.generate(kind, rng);
            usedByTraining.add(g.key());
            boolean worked = rng.nextDouble() < b.workedShare;
            docs.add(g.question() + (worked ? "[" + g.scratchpad() + "]" : "") + g.answer() + "\n");
        }
        this.train = List.copyOf(docs);

        SplittableRandom heldRng = rng.split();
        Set<String> usedByHeldOut = new HashSet<>();
        List<Problem> problems = new ArrayList<>(b.heldOutProblems);
        for (int i = 0; i < b.heldOutProblems; i++) {
            String kind = PROBLEM_KINDS[i % PROBLEM_KINDS.length];
            ArithmeticProblems.Generated g = null;
            for (int attempt = 0; attempt < MAX_ATTEMPTS_PER_PROBLEM; attempt++) {
                ArithmeticProblems.Generated candidate = ArithmeticProblems.generate(kind, heldRng);
                if (!usedByTraining.contains(candidate.key()) && !usedByHeldOut.contains(candidate.key())) {
                    g = candidate;
                    break;
                }
            }
            if (g == null) {
                throw new DatasetException("cannot find " + b.heldOutProblems + " held-out " + kind + " problems "
                        + "unseen in " + b.trainDocuments + " training documents; ask for fewer training documents "
                        + "or fewer held-out problems");
            }
            usedByHeldOut.add(g.key());
            problems.add(new Problem(g.question(), g.answer(), kind));
        }
        this.heldOut = List.copyOf(problems);
    }

    /**
     * Starts a builder with the defaults: seed 42, 5000 training documents, 300 held-out problems, worked share
     * 0.5, filler share 0.2.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The training documents.
     *
     * @return the documents, immutable
     */
    public List<String> train() {
        return train;
    }

    /**
     * The held-out direct-answer problems, an equal number of each problem kind (addition, multiplication, word in
     * turn).
     *
     * @return the problems, immutable
     */
    public List<Problem> heldOut() {
        return heldOut;
    }

    /**
     * Both parts together.
     *
     * @return the split
     */
    public Split split() {
        return new Split(train, heldOut);
    }

    /**
     * The training documents as a dataset, described with the seed and size.
     *
     * @return the dataset
     */
    public Dataset trainDataset() {
        return TextDatasets.fromStrings(description("train", train.size()), train);
    }

    /**
     * The held-out problems' direct-answer documents as a dataset, for perplexity-style evaluation.
     *
     * @return the dataset
     */
    public Dataset heldOutDataset() {
        return TextDatasets.fromStrings(description("held-out", heldOut.size()),
                heldOut.stream().map(Problem::text).toList());
    }

    private String description(String part, int size) {
        return "arithmetic-corpus(seed=" + seed + ", " + part + ", " + size + " documents)";
    }

    /**
     * Settings of an {@link ArithmeticCorpus}; every setting is optional.
     */
    public static final class Builder {
        private long seed = 42L;
        private int trainDocuments = 5000;
        private int heldOutProblems = 300;
        private double workedShare = 0.5;
        private double fillerShare = 0.2;

        private Builder() {}

        /**
         * Sets the seed of every random choice (default 42).
         *
         * @param value the seed
         * @return this builder
         */
        public Builder optSeed(long value) {
            this.seed = value;
            return this;
        }

        /**
         * Sets the number of training documents (default 5000).
         *
         * @param value documents, 1 to 1,000,000
         * @return this builder
         */
        public Builder optTrainDocuments(int value) {
            this.trainDocuments = value;
            return this;
        }

        /**
         * Sets the number of held-out problems (default 300).
         *
         * @param value problems, 0 to 100,000
         * @return this builder
         */
        public Builder optHeldOutProblems(int value) {
            this.heldOutProblems = value;
            return this;
        }

        /**
         * Sets the share of training problems that carry a worked solution (default 0.5).
         *
         * @param value a share in 0..1
         * @return this builder
         */
        public Builder optWorkedShare(double value) {
            this.workedShare = value;
            return this;
        }

        /**
         * Sets the share of training documents that are filler sentences rather than problems (default 0.2).
         *
         * @param value a share in 0..1
         * @return this builder
         */
        public Builder optFillerShare(double value) {
            this.fillerShare = value;
            return this;
        }

        /**
         * Validates the settings and generates the corpus.
         *
         * @return the corpus
         * @throws IllegalArgumentException when a setting is out of range
         * @throws DatasetException when the held-out problems cannot be kept apart from the training ones
         */
        public ArithmeticCorpus build() {
            checkRange("trainDocuments", trainDocuments, 1, 1_000_000);
            checkRange("heldOutProblems", heldOutProblems, 0, 100_000);
            checkShare("workedShare", workedShare);
            checkShare("fillerShare", fillerShare);
            return new ArithmeticCorpus(this);
        }

        /** Shared with the other corpora of this package. */
        static void checkRange(String field, int value, int min, int max) {
            if (value < min || value > max) {
                throw new IllegalArgumentException(field + " must be in " + min + ".." + max + ", was " + value);
            }
        }

        /** Shared with the other corpora of this package. */
        static void checkShare(String field, double value) {
            if (!(value >= 0.0 && value <= 1.0)) {
                throw new IllegalArgumentException(field + " must be in 0.0..1.0, was " + value);
            }
        }
    }
}
