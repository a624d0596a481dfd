package dev.quietstar.examples.data;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The generators behind {@link ArithmeticCorpus}: one addition, multiplication or word problem with its worked
 * solution and a key that identifies its operands, or one filler document of plain sentences. Each is a pure
 * function of the random generator it is handed; the corpus decides how many of which and keeps training and
 * held-out problems apart.
 */
final class ArithmeticProblems {

    private static final String[][] PEOPLE = {
        {"Tom", "He", "he"}, {"Anna", "She", "she"}, {"Ben", "He", "he"}, {"Mia", "She", "she"},
        {"Sam", "He", "he"}, {"Lea", "She", "she"}, {"Omar", "He", "he"}, {"Nina", "She", "she"},
    };
    private static final String[] ITEMS = {
        "apples", "pencils", "stickers", "marbles", "cookies", "books", "shells", "stamps", "coins", "cards",
    };
    private static final String[] ADJECTIVES = {
        "small", "red", "quiet", "old", "happy", "tall", "green", "busy", "warm", "bright",
    };
    private static final String[] NOUNS = {
        "dog", "cat", "teacher", "bird", "child", "farmer", "train", "river", "garden", "baker",
    };
    private static final String[] VERBS = {
        "walks to", "looks at", "runs past", "sits near", "waits by", "sings in", "reads in", "stops at",
    };
    private static final String[] PLACES = {
        "the park", "the market", "the school", "the lake", "the house", "the station", "the field", "the shop",
    };
    private static final String[] TIMES = {
        "in the morning", "at noon", "after lunch", "every day", "before dinner", "at night",
    };

    private ArithmeticProblems() {}

    /** A generated problem before it is written as a document: its dedup key, question, worked solution, answer. */
    record Generated(String key, String question, String scratchpad, String answer) {}

    /** One problem of a kind ({@link ArithmeticCorpus#ADDITION}, ...), drawn from {@code rng}. */
    static Generated generate(String kind, SplittableRandom rng) {
        return switch (kind) {
            case ArithmeticCorpus.ADDITION -> addition(rng);
            case ArithmeticCorpus.MULTIPLICATION -> multiplication(rng);
            case ArithmeticCorpus.WORD -> wordProblem(rng);
            default -> throw new IllegalStateException("unknown problem kind " + kind);
        };
    }

    private static int numberWithDigits(int digits, SplittableRandom rng) {
        int low = digits == 1 ? 2 : (int) Math.pow(10, digits - 1);
        int high = (int) Math.pow(10, digits);
        return rng.nextInt(low, high);
    }

    private static Generated addition(SplittableRandom rng) {
        int a = numberWithDigits(rng.nextInt(2, 5), rng);
        int b = numberWithDigits(rng.nextInt(2, 5), rng);
        return new Generated("add:" + Math.min(a, b) + "," + Math.max(a, b), "Q: " + a + "+" + b + "=?\nA: ",
                additionScratchpad(a, b), Integer.toString(a + b));
    }

    /**
     * The column sums of {@code a + b}, most significant column first, each including the incoming carry.
     *
     * @param a first operand, at least 0
     * @param b second operand, at least 0
     * @return the scratchpad without brackets, for example {@code 5,12,11,8} for 4821+397
     */
    static String additionScratchpad(int a, int b) {
        List<String> sums = new ArrayList<>();
        int carry = 0;
        while (a > 0 || b > 0) {
            int s = a % 10 + b % 10 + carry;
            sums.add(0, Integer.toString(s));
            carry = s / 10;
            a /= 10;
            b /= 10;
        }
        return String.join(",", sums);
    }

    private static Generated multiplication(SplittableRandom rng) {
        int a = numberWithDigits(rng.nextInt(2, 4), rng);
        int b = numberWithDigits(rng.nextInt(1, 3), rng);
        return new Generated("mul:" + Math.min(a, b) + "," + Math.max(a, b), "Q: " + a + "*" + b + "=?\nA: ",
                multiplicationScratchpad(a, b), Integer.toString(a * b));
    }

    /**
     * The partial products of {@code a * b}: by each digit of {@code b} (units first) when it has two digits or
     * more, else by each digit of {@code a} (most significant first).
     *
     * @param a multiplicand
     * @param b multiplier
     * @return the scratchpad without brackets, for example {@code 2082+6940} for 347*26
     */
    static String multiplicationScratchpad(int a, int b) {
        List<String> parts = new ArrayList<>();
        if (b >= 10) {
            int place = 1;
            for (int rest = b; rest > 0; rest /= 10, place *= 10) {
                parts.add(Integer.toString(a * (rest % 10) * place));
            }
        } else {
            int place = 1;
            for (int rest = a; rest > 0; rest /= 10, place *= 10) {
                parts.add(0, Integer.toString((rest % 10) * place * b));
            }
        }
        return String.join("+", parts);
    }

    private static Generated wordProblem(SplittableRandom rng) {
        String[] person = PEOPLE[rng.nextInt(PEOPLE.length)];
        String item = ITEMS[rng.nextInt(ITEMS.length)];
        int template = rng.nextInt(3);
        String question;
        List<Integer> steps = new ArrayList<>();
        String key;
        switch (template) {
            case 0 -> {
                int have = rng.nextInt(2, 100);
                int bags = rng.nextInt(2, 10);
                int per = rng.nextInt(2, 13);
                question = person[0] + " has " + have + " " + item + ". " + person[1] + " buys " + bags
                        + " bags of " + per + " " + item + ". How many " + item + " does " + person[2] + " have?";
                steps.add(bags * per);
                steps.add(have + bags * per);
                key = "word0:" + have + "," + bags + "," + per;
            }
            case 1 -> {
                int have = rng.nextInt(10, 100);
                int given = rng.nextInt(1, have);
                int boxes = rng.nextInt(2, 10);
                int per = rng.nextInt(2, 13);
                question = person[0] + " has " + have + " " + item + ". " + person[1] + " gives away " + given
                        + " " + item + " and then buys " + boxes + " boxes of " + per + " " + item + ". How many "
                        + item + " does " + person[2] + " have now?";
                steps.add(have - given);
                steps.add(boxes * per);
                steps.add(have - given + boxes * per);
                key = "word1:" + have + "," + given + "," + boxes + "," + per;
            }
            default -> {
                int per = rng.nextInt(3, 13);
                int boxes = rng.nextInt(2, 10);
                int eaten = rng.nextInt(1, per * boxes);
                question = "A box holds " + per + " " + item + ". " + person[0] + " fills " + boxes + " boxes and "
                        + "gives " + eaten + " " + item + " to a friend. How many " + item + " does " + person[2]
                        + " keep?";
                steps.add(per * boxes);
                steps.add(per * boxes - eaten);
                key = "word2:" + per + "," + boxes + "," + eaten;
            }
        }
        int answer = steps.get(steps.size() - 1);
        String scratchpad = String.join(",", steps.stream().map(String::valueOf).toList());
        return new Generated(key, "Q: " + question + "\nA: ", scratchpad, "#### " + answer);
    }

    /** A filler document of one to three plain sentences built from the word lists. */
    static String filler(SplittableRandom rng) {
        int sentences = rng.nextInt(1, 4);
        StringBuilder text = new StringBuilder();
        for (int s = 0; s < sentences; s++) {
            if (s > 0) {
                text.append(' ');
            }
            text.append("The ").append(ADJECTIVES[rng.nextInt(ADJECTIVES.length)]).append(' ')
                    .append(NOUNS[rng.nextInt(NOUNS.length)]).append(' ')
                    .append(VERBS[rng.nextInt(VERBS.length)]).append(' ')
                    .append(PLACES[rng.nextInt(PLACES.length)]);
            if (rng.nextBoolean()) {
                text.append(' ').append(TIMES[rng.nextInt(TIMES.length)]);
            }
            text.append('.');
        }
        return text.append('\n').toString();
    }
}
