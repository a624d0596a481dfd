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
 * Sums and differences of numbers below 1000 whose worked solution has a <em>fixed width</em>, so that one
 * Quiet-STaR thought of the same length can hold it, token for token and position for position.
 *
 * <p>A problem reads {@code Q: 437+448=?\nA: 885\n}. Its worked solution goes through the {@value #COLUMNS} columns
 * least-significant first and writes two characters per column: the carry (or borrow) out of the column, then the
 * column's digit. For 437+448 that is {@code 15 08 08 00}, written as {@code [15080800]} right before the answer:
 * {@code Q: 437+448=?\nA: [15080800]885\n}; for 437-248 ({@code 7-8} borrows: {@code 19}, {@code 3-4-1}: {@code 18},
 * {@code 4-2-1}: {@code 01}, nothing left: {@code 00}) it is {@code [19180100]189}. Every worked solution is
 * exactly {@value #WIDTH} characters between the brackets, which is why the demo trains with thoughtLength
 * {@value #WIDTH} and initialises the start- and end-of-thought tokens from {@code [} and {@code ]}: a thought
 * before the answer then has the layout and position ids of a written worked solution.
 *
 * <p>Three parts, all seeded and disjoint in their operand pairs (a pair counts in either order for sums):
 * <ul>
 *   <li>{@link #pretrain()}: the pretraining documents; a share of them ({@link Builder#optWorkedShare}, default
 *       0.5) carries the worked solution, the others give the answer directly;</li>
 *   <li>{@link #continued()}: direct-answer documents only, for the continued training that Quiet-STaR and the
 *       controls get (so that no run sees a written worked solution after pretraining);</li>
 *   <li>{@link #heldOut()}: direct-answer problems for evaluation, each with its worked solution for scoring
 *       thoughts and for the oracle-thought ablation.</li>
 * </ul>
 */
public final class ColumnArithmeticCorpus {

    /** Columns of every worked solution (operands below 1000, so a sum has at most 4 digits). */
    public static final int COLUMNS = 4;
    /** Characters of every worked solution between the brackets: two per column. */
    public static final int WIDTH = 2 * COLUMNS;
    /** Kind of a sum. */
    public static final String ADDITION = "addition";
    /** Kind of a difference (never negative). */
    public static final String SUBTRACTION = "subtraction";

    private static final int MAX_ATTEMPTS = 100_000;

    private final long seed;
    private final List<String> pretrain;
    private final List<String> continued;
    private final List<Problem> continuedProblems;
    private final List<Problem> heldOut;

    /**
     * One problem.
     *
     * @param question the text up to and including {@code "A: "}
     * @param answer the answer digits
     * @param scratchpad the worked solution, {@value #WIDTH} characters, without brackets
     * @param kind {@value #ADDITION} or {@value #SUBTRACTION}
     */
    public record Problem(String question, String answer, String scratchpad, String kind) {

        /**
         * The direct-answer document.
         *
         * @return question, answer and newline
         */
        public String direct() {
            return question + answer + "\n";
        }

        /**
         * The document with the worked solution.
         *
         * @return question, bracketed worked solution, answer and newline
         */
        public String worked() {
            return question + "[" + scratchpad + "]" + answer + "\n";
        }
    }

    private ColumnArithmeticCorpus(Builder b) {
        this.seed = b.seed;
        SplittableRandom rng = new SplittableRandom(b.seed);
        Set<String> used = new HashSet<>();
        List<String> pre = new ArrayList<>(b.pretrainDocuments);
        for (int i = 0; i < b.pretrainDocuments; i++) {
            Problem p = fresh(rng, used, b.minOperand);
            pre.add(rng.nextDouble() < b.workedShare ? p.worked() : p.direct());
        }
        List<String> cont = new ArrayList<>(b.continuedDocuments);
        List<Problem> contProblems = new ArrayList<>(b.continuedDocuments);
        SplittableRandom contRng = rng.split();
        for (int i = 0; i < b.continuedDocuments; i++) {
            Problem p = fresh(contRng, used, b.minOperand);
            contProblems.add(p);
            cont.add(p.direct());
        }
        List<Problem> held = new ArrayList<>(b.heldOutProblems);
        SplittableRandom heldRng = rng.split();
        for (int i = 0; i < b.heldOutProblems; i++) {
            held.add(fresh(heldRng, used, b.minOperand));
        }
        this.pretrain = List.copyOf(pre);
        this.continued = List.copyOf(cont);
        this.continuedProblems = List.copyOf(contProblems);
        this.heldOut = List.copyOf(held);
    }

    /**
     * Starts a builder: seed 42, 20 000 pretraining documents, 4 000 continued-training documents, 300 held-out
     * problems, worked share 0.5, operands from 10.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The worked solution of {@code a op b}: per column, least-significant first, the carry or borrow out of the
     * column and the column's digit.
     *
     * @param a first operand, 0..999
     * @param subtract true for {@code a - b} (then {@code a >= b}), false for {@code a + b}
     * @param b second operand, 0..999
     * @return {@value #WIDTH} characters
     * @throws IllegalArgumentException when an operand is out of range or the difference would be negative
     */
    public static String scratchpad(int a, boolean subtract, int b) {
        if (a < 0 || a > 999 || b < 0 || b > 999 || (subtract && b > a)) {
            throw new IllegalArgumentException("operands must be in 0..999 (and a >= b for a difference), were "
                    + a + (subtract ? "-" : "+") + b);
        }
        StringBuilder s = new StringBuilder(WIDTH);
        int flag = 0;
        for (int c = 0; c < COLUMNS; c++) {
            int x = a % 10;
            int y = b % 10;
            int digit;
            if (subtract) {
                int d = x - y - flag;
                flag = d < 0 ? 1 : 0;
                digit = d + 10 * flag;
            } else {
                int sum = x + y + flag;
                flag = sum / 10;
                digit = sum % 10;
            }
            s.append(flag).append(digit);
            a /= 10;
            b /= 10;
        }
        return s.toString();
    }

    /**
     * Reads the answer off a worked solution: the column digits, most significant first, without leading zeros.
     *
     * @param scratchpad {@value #WIDTH} characters
     * @return the answer digits
     */
    public static String answerOf(String scratchpad) {
        if (scratchpad.length() != WIDTH) {
            throw new IllegalArgumentException("a worked solution has " + WIDTH + " characters, was '" + scratchpad
                    + "'");
        }
        StringBuilder digits = new StringBuilder();
        for (int c = COLUMNS - 1; c >= 0; c--) {
            digits.append(scratchpad.charAt(2 * c + 1));
        }
        String d = digits.toString().replaceFirst("^0+(?=.)", "");
        return d;
    }

    private static Problem fresh(SplittableRandom rng, Set<String> used, int minOperand) {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            boolean subtract = rng.nextBoolean();
            int a = rng.nextInt(minOperand, 1000);
            int b = rng.nextInt(minOperand, 1000);
            if (subtract && b > a) {
                int t = a;
                a = b;
                b = t;
            }
            String key = subtract ? "sub:" + a + "," + b : "add:" + Math.min(a, b) + "," + Math.max(a, b);
            if (used.add(key)) {
                int value = subtract ? a - b : a + b;
                return new Problem("Q: " + a + (subtract ? "-" : "+") + b + "=?\nA: ", Integer.toString(value),
                        scratchpad(a, subtract, b), subtract ? SUBTRACTION : ADDITION);
            }
        }
        throw new DatasetException("ran out of distinct operand pairs; ask for fewer documents");
    }

    /**
     * The pretraining documents (a share with worked solutions).
     *
     * @return the documents, immutable
     */
    public List<String> pretrain() {
        return pretrain;
    }

    /**
     * The continued-training documents (direct answers only).
     *
     * @return the documents, immutable
     */
    public List<String> continued() {
        return continued;
    }

    /**
     * The problems behind {@link #continued()}, in the same order, with their worked solutions (for STaR, which
     * writes rationales for them and checks the answers).
     *
     * @return the problems
     */
    public List<Problem> continuedProblems() {
        return continuedProblems;
    }

    /**
     * The held-out problems.
     *
     * @return the problems, immutable
     */
    public List<Problem> heldOut() {
        return heldOut;
    }

    /**
     * The pretraining documents as a dataset.
     *
     * @return the dataset
     */
    public Dataset pretrainDataset() {
        return TextDatasets.fromStrings(description("pretrain", pretrain.size()), pretrain);
    }

    /**
     * The continued-training documents as a dataset.
     *
     * @return the dataset
     */
    public Dataset continuedDataset() {
        return TextDatasets.fromStrings(description("continued", continued.size()), continued);
    }

    private String description(String part, int size) {
        return "column-arithmetic(seed=" + seed + ", " + part + ", " + size + " documents)";
    }

    /** Settings of a {@link ColumnArithmeticCorpus}; every setting is optional. */
    public static final class Builder {
        private long seed = 42L;
        private int pretrainDocuments = 20_000;
        private int continuedDocuments = 4_000;
        private int heldOutProblems = 300;
        private double workedShare = 0.5;
        private int minOperand = 10;

        private Builder() {}

        /**
         * Sets the seed (default 42).
         *
         * @param value the seed
         * @return this builder
         */
        public Builder optSeed(long value) {
            this.seed = value;
            return this;
        }

        /**
         * Sets the number of pretraining documents (default 20 000).
         *
         * @param value 0 to 400 000
         * @return this builder
         */
        public Builder optPretrainDocuments(int value) {
            this.pretrainDocuments = value;
            return this;
        }

        /**
         * Sets the number of continued-training documents (default 4 000).
         *
         * @param value 0 to 400 000
         * @return this builder
         */
        public Builder optContinuedDocuments(int value) {
            this.continuedDocuments = value;
            return this;
        }

        /**
         * Sets the number of held-out problems (default 300).
         *
         * @param value 0 to 100 000
         * @return this builder
         */
        public Builder optHeldOutProblems(int value) {
            this.heldOutProblems = value;
            return this;
        }

        /**
         * Sets the share of pretraining documents with a worked solution (default 0.5).
         *
         * @param value a share in 0..1
         * @return this builder
         */
        public Builder optWorkedShare(double value) {
            this.workedShare = value;
            return this;
        }

        /**
         * Sets the smallest operand (default 10, so operands have 2 or 3 digits).
         *
         * @param value 0 to 999
         * @return this builder
         */
        public Builder optMinOperand(int value) {
            this.minOperand = value;
            return this;
        }

        /**
         * Validates the settings and generates the corpus.
         *
         * @return the corpus
         * @throws IllegalArgumentException when a setting is out of range
         * @throws DatasetException when there are not enough distinct operand pairs
         */
        public ColumnArithmeticCorpus build() {
            ArithmeticCorpus.Builder.checkRange("pretrainDocuments", pretrainDocuments, 0, 400_000);
            ArithmeticCorpus.Builder.checkRange("continuedDocuments", continuedDocuments, 0, 400_000);
            ArithmeticCorpus.Builder.checkRange("heldOutProblems", heldOutProblems, 0, 100_000);
            ArithmeticCorpus.Builder.checkRange("minOperand", minOperand, 0, 999);
            ArithmeticCorpus.Builder.checkShare("workedShare", workedShare);
            long pairs = (long) (1000 - minOperand) * (1000 - minOperand);
            if (pretrainDocuments + continuedDocuments + heldOutProblems > pairs / 2) {
                throw new IllegalArgumentException("asked for " + (pretrainDocuments + continuedDocuments
                        + heldOutProblems) + " distinct problems; operands from " + minOperand + " allow at most "
                        + pairs / 2);
            }
            return new ColumnArithmeticCorpus(this);
        }
    }
}
