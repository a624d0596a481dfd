package dev.quietstar.examples.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The arithmetic corpus at share 0 and 1, and the inclusive ranges of every setting. */
class ArithmeticCorpusBoundsTest {

    @Test
    void sharesOfZeroAndOneAreExact() {
        ArithmeticCorpus allFiller = ArithmeticCorpus.builder().optSeed(1).optTrainDocuments(50)
                .optHeldOutProblems(0).optFillerShare(1.0).build();
        assertThat(allFiller.train()).hasSize(50).noneMatch(d -> d.startsWith("Q: "));
        assertThat(allFiller.heldOut()).isEmpty();
        ArithmeticCorpus allWorked = ArithmeticCorpus.builder().optSeed(1).optTrainDocuments(50)
                .optHeldOutProblems(3).optFillerShare(0.0).optWorkedShare(1.0).build();
        assertThat(allWorked.train()).hasSize(50).allMatch(d -> d.startsWith("Q: ") && d.contains("["));
        assertThat(allWorked.heldOut()).hasSize(3);
        ArithmeticCorpus direct = ArithmeticCorpus.builder().optSeed(1).optTrainDocuments(50)
                .optFillerShare(0.0).optWorkedShare(0.0).build();
        assertThat(direct.train()).allMatch(d -> d.startsWith("Q: ") && !d.contains("["));
    }

    @Test
    void rangesAreInclusiveAndEverySettingIsChecked() {
        assertThatCode(() -> ArithmeticCorpus.Builder.checkRange("x", 5, 5, 7)).doesNotThrowAnyException();
        assertThatCode(() -> ArithmeticCorpus.Builder.checkRange("x", 7, 5, 7)).doesNotThrowAnyException();
        assertThatThrownBy(() -> ArithmeticCorpus.Builder.checkRange("x", 4, 5, 7))
                .hasMessage("x must be in 5..7, was 4");
        assertThatThrownBy(() -> ArithmeticCorpus.Builder.checkRange("x", 8, 5, 7))
                .hasMessage("x must be in 5..7, was 8");
        assertThatCode(() -> ArithmeticCorpus.Builder.checkShare("s", 0.0)).doesNotThrowAnyException();
        assertThatCode(() -> ArithmeticCorpus.Builder.checkShare("s", 1.0)).doesNotThrowAnyException();
        for (double bad : new double[] {-0.01, 1.01, Double.NaN}) {
            assertThatThrownBy(() -> ArithmeticCorpus.Builder.checkShare("s", bad))
                    .hasMessageContaining("s must be in 0.0..1.0");
        }
        assertThat(ArithmeticCorpus.builder().optTrainDocuments(1).optHeldOutProblems(0).build().train()).hasSize(1);
        assertThatThrownBy(() -> ArithmeticCorpus.builder().optTrainDocuments(0).build())
                .hasMessageContaining("trainDocuments");
        assertThatThrownBy(() -> ArithmeticCorpus.builder().optHeldOutProblems(-1).build())
                .hasMessageContaining("heldOutProblems");
        assertThatThrownBy(() -> ArithmeticCorpus.builder().optFillerShare(1.5).build())
                .hasMessageContaining("fillerShare");
        assertThatThrownBy(() -> ArithmeticCorpus.builder().optWorkedShare(-1).build())
                .hasMessageContaining("workedShare");
    }
}
