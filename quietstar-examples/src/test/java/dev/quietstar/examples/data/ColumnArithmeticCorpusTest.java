package dev.quietstar.examples.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ColumnArithmeticCorpusTest {

    private static final Pattern PROBLEM = Pattern.compile("Q: (\\d+)([+-])(\\d+)=\\?\nA: (?:\\[(\\d{8})])?(\\d+)\n");

    @Test
    void worksColumnsLeastSignificantFirstWithCarryThenDigit() {
        assertThat(ColumnArithmeticCorpus.scratchpad(437, false, 448)).isEqualTo("15080800");
        assertThat(ColumnArithmeticCorpus.scratchpad(437, true, 248)).isEqualTo("19180100");
        assertThat(ColumnArithmeticCorpus.scratchpad(999, false, 999)).isEqualTo("18191901");
        assertThat(ColumnArithmeticCorpus.scratchpad(100, true, 1)).isEqualTo("19190000");
        assertThat(ColumnArithmeticCorpus.scratchpad(10, false, 10)).isEqualTo("00020000");
    }

    @Test
    void theAnswerCanBeReadOffEveryWorkedSolution() {
        for (int a = 0; a < 1000; a += 7) {
            for (int b = 0; b < 1000; b += 13) {
                assertThat(ColumnArithmeticCorpus.answerOf(ColumnArithmeticCorpus.scratchpad(a, false, b)))
                        .isEqualTo(Integer.toString(a + b));
                if (a >= b) {
                    assertThat(ColumnArithmeticCorpus.answerOf(ColumnArithmeticCorpus.scratchpad(a, true, b)))
                            .isEqualTo(Integer.toString(a - b));
                }
            }
        }
    }

    @Test
    void documentsAreWellFormedCorrectAndHalfCarryWorkedSolutions() {
        ColumnArithmeticCorpus c = ColumnArithmeticCorpus.builder().optSeed(5).optPretrainDocuments(4000)
                .optContinuedDocuments(500).optHeldOutProblems(300).build();
        int worked = 0;
        for (String doc : c.pretrain()) {
            Matcher m = PROBLEM.matcher(doc);
            assertThat(m.matches()).as(doc).isTrue();
            int a = Integer.parseInt(m.group(1));
            int b = Integer.parseInt(m.group(3));
            boolean sub = m.group(2).equals("-");
            assertThat(Integer.parseInt(m.group(5))).isEqualTo(sub ? a - b : a + b);
            if (m.group(4) != null) {
                worked++;
                assertThat(m.group(4)).isEqualTo(ColumnArithmeticCorpus.scratchpad(a, sub, b));
            }
        }
        assertThat(worked / 4000.0).isBetween(0.45, 0.55);
        assertThat(c.continued()).allSatisfy(d -> assertThat(d).doesNotContain("["));
        assertThat(c.heldOut()).allSatisfy(p -> {
            assertThat(p.scratchpad()).hasSize(ColumnArithmeticCorpus.WIDTH);
            assertThat(ColumnArithmeticCorpus.answerOf(p.scratchpad())).isEqualTo(p.answer());
            assertThat(p.worked()).isEqualTo(p.question() + "[" + p.scratchpad() + "]" + p.answer() + "\n");
        });
    }

    @Test
    void heldOutOperandPairsAppearInNoTrainingDocument() {
        ColumnArithmeticCorpus c = ColumnArithmeticCorpus.builder().optSeed(3).optPretrainDocuments(20_000)
                .optContinuedDocuments(3000).optHeldOutProblems(500).build();
        Set<String> seen = new HashSet<>();
        for (String doc : concat(c.pretrain(), c.continued())) {
            seen.add(key(doc));
        }
        assertThat(seen).hasSize(23_000);
        for (ColumnArithmeticCorpus.Problem p : c.heldOut()) {
            assertThat(seen.add(key(p.direct()))).as(p.question()).isTrue();
        }
    }

    @Test
    void theSameSeedGivesTheSameCorpus() {
        var a = ColumnArithmeticCorpus.builder().optSeed(9).optPretrainDocuments(300).build();
        var b = ColumnArithmeticCorpus.builder().optSeed(9).optPretrainDocuments(300).build();
        var other = ColumnArithmeticCorpus.builder().optSeed(10).optPretrainDocuments(300).build();
        assertThat(a.pretrain()).isEqualTo(b.pretrain());
        assertThat(a.heldOut()).isEqualTo(b.heldOut());
        assertThat(a.pretrain()).isNotEqualTo(other.pretrain());
    }

    @Test
    void badSettingsAreRejectedWithTheFieldName() {
        assertThatThrownBy(() -> ColumnArithmeticCorpus.builder().optWorkedShare(1.5).build())
                .hasMessageContaining("workedShare");
        assertThatThrownBy(() -> ColumnArithmeticCorpus.builder().optPretrainDocuments(-1).build())
                .hasMessageContaining("pretrainDocuments");
        assertThatThrownBy(() -> ColumnArithmeticCorpus.builder().optMinOperand(990).optPretrainDocuments(100)
                .build()).hasMessageContaining("at most");
        assertThatThrownBy(() -> ColumnArithmeticCorpus.scratchpad(3, true, 4)).hasMessageContaining("a >= b");
        assertThatThrownBy(() -> ColumnArithmeticCorpus.scratchpad(1000, false, 4)).hasMessageContaining("0..999");
        assertThatThrownBy(() -> ColumnArithmeticCorpus.answerOf("123")).hasMessageContaining("8 characters");
    }

    private static String key(String doc) {
        Matcher m = PROBLEM.matcher(doc);
        assertThat(m.matches()).as(doc).isTrue();
        int a = Integer.parseInt(m.group(1));
        int b = Integer.parseInt(m.group(3));
        return m.group(2).equals("-") ? "sub:" + a + "," + b : "add:" + Math.min(a, b) + "," + Math.max(a, b);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }
}
