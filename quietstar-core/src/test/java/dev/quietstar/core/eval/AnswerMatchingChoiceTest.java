package dev.quietstar.core.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Multiple-choice answers: label ranges at their limits and exact match of an extracted label. */
class AnswerMatchingChoiceTest {

    @Test
    void theLabelRangeRunsFromOneToTwentySixLabels() {
        assertThat(AnswerMatching.extractChoice("(A) or (B)", 1)).contains("A");
        assertThat(AnswerMatching.extractChoice("(B) then B", 1)).isEmpty();
        assertThat(AnswerMatching.extractChoice("surely (Z)", 26)).contains("Z");
        assertThat(AnswerMatching.extractChoice("Z", 25)).isEmpty();
        assertThatThrownBy(() -> AnswerMatching.extractChoice("A", 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("between 1 and 26, was 0");
        assertThatThrownBy(() -> AnswerMatching.extractChoice("A", 27)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("was 27");
        assertThat(AnswerMatching.extractChoice(null, 4)).isEmpty();
    }

    @Test
    void anExtractedLabelMatchesOnlyItsGoldLabel() {
        assertThat(AnswerMatching.exactMatch(AnswerMatching.extractChoice("I pick (c)."), "C")).isFalse();
        assertThat(AnswerMatching.exactMatch(AnswerMatching.extractChoice("I pick (C)."), "C")).isTrue();
        assertThat(AnswerMatching.exactMatch(Optional.of("B"), "C")).isFalse();
        assertThat(AnswerMatching.exactMatch(Optional.of(" c "), "C")).isTrue();
        assertThat(AnswerMatching.exactMatch("A", "1")).isFalse();
        assertThat(AnswerMatching.exactMatch("B", null)).isFalse();
        assertThat(AnswerMatching.extract(EvalExample.Kind.MULTIPLE_CHOICE, "B, since 42")).contains("B");
        assertThat(AnswerMatching.extract(EvalExample.Kind.GSM8K, "B, since 42")).contains("42");
    }

    @Test
    void anEvalSetErrorNamesItsLineOnlyWhenThereIsOne() {
        assertThat(new EvalSetException("set.jsonl", 1, "bad").getMessage()).isEqualTo("set.jsonl:1: bad");
        assertThat(new EvalSetException("set.jsonl", 0, "empty").getMessage()).isEqualTo("set.jsonl: empty");
    }
}
