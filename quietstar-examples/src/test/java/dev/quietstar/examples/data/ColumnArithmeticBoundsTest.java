package dev.quietstar.examples.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The column-arithmetic corpus at the limits of its settings: sizes, shares, and the number of distinct pairs. */
class ColumnArithmeticBoundsTest {

    private static final Pattern QUESTION = Pattern.compile("Q: (\\d+)([+-])(\\d+)=\\?\nA: ");

    @Test
    void eachPartHasTheRequestedSizeAndTheWorkedShareIsExact() {
        ColumnArithmeticCorpus all = ColumnArithmeticCorpus.builder().optSeed(2).optPretrainDocuments(40)
                .optContinuedDocuments(7).optHeldOutProblems(5).optWorkedShare(1.0).build();
        assertThat(all.pretrain()).hasSize(40).allSatisfy(d -> assertThat(d).contains("["));
        assertThat(all.continued()).hasSize(7);
        assertThat(all.heldOut()).hasSize(5);
        assertThat(all.pretrainDataset().size()).isEqualTo(40);
        assertThat(all.pretrainDataset().description())
                .isEqualTo("column-arithmetic(seed=2, pretrain, 40 documents)");
        assertThat(all.continuedDataset().size()).isEqualTo(7);
        assertThat(all.continuedDataset().document(0)).isEqualTo(all.continued().get(0));
        assertThat(all.continuedDataset().description())
                .isEqualTo("column-arithmetic(seed=2, continued, 7 documents)");
        ColumnArithmeticCorpus none = ColumnArithmeticCorpus.builder().optSeed(2).optPretrainDocuments(40)
                .optContinuedDocuments(0).optHeldOutProblems(0).optWorkedShare(0.0).build();
        assertThat(none.pretrain()).hasSize(40).noneSatisfy(d -> assertThat(d).contains("["));
        assertThat(none.continued()).isEmpty();
        assertThat(none.heldOut()).isEmpty();
    }

    @Test
    void heldOutAnswersAreTheValueOfTheirQuestion() {
        ColumnArithmeticCorpus c = ColumnArithmeticCorpus.builder().optSeed(4).optPretrainDocuments(0)
                .optContinuedDocuments(0).optHeldOutProblems(200).build();
        int subtractions = 0;
        for (ColumnArithmeticCorpus.Problem p : c.heldOut()) {
            Matcher m = QUESTION.matcher(p.question());
            assertThat(m.matches()).as(p.question()).isTrue();
            int a = Integer.parseInt(m.group(1));
            int b = Integer.parseInt(m.group(3));
            boolean sub = m.group(2).equals("-");
            subtractions += sub ? 1 : 0;
            assertThat(a).isBetween(10, 999);
            assertThat(b).isBetween(10, sub ? a : 999);
            assertThat(p.answer()).isEqualTo(Integer.toString(sub ? a - b : a + b));
            assertThat(p.direct()).isEqualTo(p.question() + p.answer() + "\n");
        }
        assertThat(subtractions).isBetween(60, 140);
    }

    @Test
    void theNumberOfProblemsIsBoundedByHalfTheOperandPairs() {
        // operands 998..999: 4 ordered pairs, so at most 2 problems
        ColumnArithmeticCorpus two = ColumnArithmeticCorpus.builder().optMinOperand(998).optPretrainDocuments(1)
                .optContinuedDocuments(1).optHeldOutProblems(0).build();
        assertThat(two.pretrain()).hasSize(1);
        assertThatThrownBy(() -> ColumnArithmeticCorpus.builder().optMinOperand(998).optPretrainDocuments(1)
                .optContinuedDocuments(1).optHeldOutProblems(1).build())
                .hasMessage("asked for 3 distinct problems; operands from 998 allow at most 2");
        assertThatThrownBy(() -> ColumnArithmeticCorpus.builder().optContinuedDocuments(400_001).build())
                .hasMessageContaining("continuedDocuments must be in 0..400000");
        assertThatThrownBy(() -> ColumnArithmeticCorpus.builder().optHeldOutProblems(100_001).build())
                .hasMessageContaining("heldOutProblems must be in 0..100000");
        assertThatThrownBy(() -> ColumnArithmeticCorpus.builder().optMinOperand(1000).build())
                .hasMessageContaining("minOperand must be in 0..999");
    }
}
