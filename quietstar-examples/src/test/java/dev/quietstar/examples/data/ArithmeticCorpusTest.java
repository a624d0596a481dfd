package dev.quietstar.examples.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quietstar.api.Dataset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ArithmeticCorpusTest {

    private static final Pattern ADD = Pattern.compile("Q: (\\d+)\\+(\\d+)=\\?\nA: (?:\\[([^\\]]*)\\])?(\\d+)\n");
    private static final Pattern MUL = Pattern.compile("Q: (\\d+)\\*(\\d+)=\\?\nA: (?:\\[([^\\]]*)\\])?(\\d+)\n");
    private static final Pattern WORD = Pattern.compile("Q: [^\n]+\\?\nA: (?:\\[([^\\]]*)\\])?#### (\\d+)\n");
    private static final Pattern NUMBER = Pattern.compile("\\d+");

    private static final ArithmeticCorpus CORPUS = ArithmeticCorpus.builder()
            .optSeed(7).optTrainDocuments(3000).optHeldOutProblems(150).build();

    @Test
    void sameSeedGivesTheSameCorpus() {
        ArithmeticCorpus again = ArithmeticCorpus.builder()
                .optSeed(7).optTrainDocuments(3000).optHeldOutProblems(150).build();
        assertThat(again.train()).isEqualTo(CORPUS.train());
        assertThat(again.heldOut()).isEqualTo(CORPUS.heldOut());
        ArithmeticCorpus other = ArithmeticCorpus.builder()
                .optSeed(8).optTrainDocuments(3000).optHeldOutProblems(150).build();
        assertThat(other.train()).isNotEqualTo(CORPUS.train());
    }

    @Test
    void everyDocumentIsOfAKnownKindAndCorrect() {
        int add = 0;
        int mul = 0;
        int word = 0;
        int filler = 0;
        int worked = 0;
        for (String doc : CORPUS.train()) {
            assertThat(doc).endsWith("\n");
            Matcher m;
            if ((m = ADD.matcher(doc)).matches()) {
                add++;
                long a = Long.parseLong(m.group(1));
                long b = Long.parseLong(m.group(2));
                assertThat(Long.parseLong(m.group(4))).as(doc).isEqualTo(a + b);
                if (m.group(3) != null) {
                    worked++;
                    checkColumnSums(a, b, m.group(3), m.group(4));
                }
            } else if ((m = MUL.matcher(doc)).matches()) {
                mul++;
                long a = Long.parseLong(m.group(1));
                long b = Long.parseLong(m.group(2));
                assertThat(a).isBetween(10L, 999L);
                assertThat(b).isBetween(2L, 99L);
                assertThat(Long.parseLong(m.group(4))).as(doc).isEqualTo(a * b);
                if (m.group(3) != null) {
                    worked++;
                    checkPartialProducts(a, b, m.group(3), Long.parseLong(m.group(4)));
                }
            } else if ((m = WORD.matcher(doc)).matches()) {
                word++;
                if (m.group(1) != null) {
                    worked++;
                    String[] steps = m.group(1).split(",");
                    assertThat(steps.length).isBetween(2, 3);
                    assertThat(steps[steps.length - 1]).isEqualTo(m.group(2));
                    assertThat(m.group(1).length()).isLessThanOrEqualTo(ArithmeticCorpus.MAX_SCRATCHPAD_CHARS);
                }
            } else {
                filler++;
                assertThat(doc).as("filler document").matches("The [a-z ,.A-Z]+\\.\n").doesNotContainPattern("\\d");
            }
        }
        assertThat(add + mul + word + filler).isEqualTo(3000);
        assertThat((double) filler / 3000).isBetween(0.15, 0.25);
        int problems = add + mul + word;
        assertThat((double) worked / problems).isBetween(0.45, 0.55);
        assertThat(add).isGreaterThan(600);
        assertThat(mul).isGreaterThan(600);
        assertThat(word).isGreaterThan(600);
    }

    private static void checkColumnSums(long a, long b, String pad, String answer) {
        assertThat(pad.length()).isLessThanOrEqualTo(ArithmeticCorpus.MAX_SCRATCHPAD_CHARS);
        String[] sums = pad.split(",");
        // Recompute column by column, least significant first, from the sums' own carries.
        int carry = 0;
        StringBuilder digits = new StringBuilder();
        for (int i = sums.length - 1; i >= 0; i--) {
            int column = sums.length - 1 - i;
            long da = (a / (long) Math.pow(10, column)) % 10;
            long db = (b / (long) Math.pow(10, column)) % 10;
            int s = Integer.parseInt(sums[i]);
            assertThat(s).as("column %d of %d+%d", column, a, b).isEqualTo(da + db + carry);
            carry = s / 10;
            digits.insert(0, s % 10);
        }
        if (carry > 0) {
            digits.insert(0, carry);
        }
        assertThat(digits.toString()).isEqualTo(answer);
    }

    private static void checkPartialProducts(long a, long b, String pad, long answer) {
        assertThat(pad.length()).isLessThanOrEqualTo(ArithmeticCorpus.MAX_SCRATCHPAD_CHARS);
        long sum = 0;
        String[] parts = pad.split("\\+");
        for (String p : parts) {
            sum += Long.parseLong(p);
        }
        assertThat(sum).as("%d*%d partial products %s", a, b, pad).isEqualTo(answer);
        assertThat(parts).hasSize(b >= 10 ? 2 : Long.toString(a).length());
    }

    @Test
    void scratchpadsMatchTheDocumentedExamples() {
        assertThat(ArithmeticProblems.additionScratchpad(4821, 397)).isEqualTo("5,12,11,8");
        assertThat(ArithmeticProblems.additionScratchpad(999, 1)).isEqualTo("10,10,10");
        assertThat(ArithmeticProblems.multiplicationScratchpad(347, 26)).isEqualTo("2082+6940");
        assertThat(ArithmeticProblems.multiplicationScratchpad(347, 6)).isEqualTo("1800+240+42");
        assertThat(ArithmeticProblems.multiplicationScratchpad(305, 40)).isEqualTo("0+12200");
    }

    @Test
    void heldOutProblemsAreDirectAndUnseen() {
        Set<String> trainTuples = new HashSet<>();
        for (String doc : CORPUS.train()) {
            if (doc.contains("\nA: ")) {
                trainTuples.add(tuple(doc));
            }
        }
        assertThat(trainTuples).hasSizeGreaterThan(2000);
        Set<String> heldTuples = new HashSet<>();
        List<String> kinds = new ArrayList<>();
        for (ArithmeticCorpus.Problem p : CORPUS.heldOut()) {
            assertThat(p.question()).startsWith("Q: ").endsWith("\nA: ");
            assertThat(p.text()).doesNotContain("[");
            String t = tuple(p.text());
            assertThat(trainTuples).as("held-out %s", p.question()).doesNotContain(t);
            assertThat(heldTuples.add(t)).as("held-out problems are distinct").isTrue();
            kinds.add(p.kind());
            switch (p.kind()) {
                case ArithmeticCorpus.ADDITION -> assertThat(p.text()).matches(ADD.pattern());
                case ArithmeticCorpus.MULTIPLICATION -> assertThat(p.text()).matches(MUL.pattern());
                default -> assertThat(p.text()).matches(WORD.pattern());
            }
        }
        assertThat(CORPUS.heldOut()).hasSize(150);
        assertThat(kinds).filteredOn(ArithmeticCorpus.WORD::equals).hasSize(50);
        assertThat(CORPUS.heldOut().get(0).answer()).matches("\\d+");
    }

    /** The kind and the numbers of a problem, with the two operands of + and * in sorted order. */
    private static String tuple(String doc) {
        String question = doc.substring(0, doc.indexOf("\nA: "));
        List<Long> numbers = new ArrayList<>();
        Matcher m = NUMBER.matcher(question);
        while (m.find()) {
            numbers.add(Long.parseLong(m.group()));
        }
        if (question.matches("Q: \\d+[+*]\\d+=\\?")) {
            numbers.sort(null);
            return (question.contains("+") ? "+" : "*") + numbers;
        }
        return question.replaceAll("\\d+", "#").replaceAll("^Q: \\w+", "Q:").hashCode() + ":" + numbers;
    }

    @Test
    void datasetsDescribeThemselves() {
        Dataset train = CORPUS.trainDataset();
        assertThat(train.size()).isEqualTo(3000);
        assertThat(train.document(5)).isEqualTo(CORPUS.train().get(5));
        assertThat(train.description()).contains("seed=7");
        assertThat(CORPUS.heldOutDataset().document(0)).isEqualTo(CORPUS.heldOut().get(0).text());
        assertThat(CORPUS.split().train()).isSameAs(CORPUS.train());
    }

    @Test
    void builderRejectsOutOfRangeSettings() {
        assertThatThrownBy(() -> ArithmeticCorpus.builder().optWorkedShare(1.5).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("workedShare must be in 0.0..1.0, was 1.5");
        assertThatThrownBy(() -> ArithmeticCorpus.builder().optTrainDocuments(0).build())
                .hasMessageContaining("trainDocuments");
    }

    @Test
    void workedShareOfZeroAndOneAreHonoured() {
        ArithmeticCorpus none = ArithmeticCorpus.builder().optTrainDocuments(200).optWorkedShare(0).build();
        assertThat(none.train()).noneMatch(d -> d.contains("["));
        ArithmeticCorpus all = ArithmeticCorpus.builder().optTrainDocuments(200).optWorkedShare(1)
                .optFillerShare(0).build();
        assertThat(all.train()).allMatch(d -> d.contains("A: ["));
    }
}
