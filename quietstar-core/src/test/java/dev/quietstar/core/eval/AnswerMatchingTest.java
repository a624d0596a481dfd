package dev.quietstar.core.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AnswerMatchingTest {

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "The answer is 42.|42",
        "She pays 1,234 dollars|1234",
        "5 + 3 = 8 apples|8",
        "It drops to -7 degrees|-7",
        "5-3=2|2",
        "[first 10 then 20] so 30 [check 99]|30",
        "[scratch [nested 5] 6] 11|11",
        "$18.00 in total|18",
        "about 2.5 hours|2.5",
        "x = (-3)|-3",
    })
    void extractsTheLastNumberOfTheFirstLine(String generated, String expected) {
        assertThat(AnswerMatching.extractNumber(generated)).contains(expected);
    }

    @Test
    void ignoresLinesAfterTheFirstAndReportsNoNumber() {
        assertThat(AnswerMatching.extractNumber("12 cookies\nQ: next question 99")).contains("12");
        assertThat(AnswerMatching.extractNumber("no idea")).isEmpty();
        assertThat(AnswerMatching.extractNumber("\n42")).isEmpty();
        assertThat(AnswerMatching.extractNumber(null)).isEmpty();
    }

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "(C) the sky|C",
        "B|B",
        "I think it is (D).|D",
        "Answer: E because|E",
        "Correct is B not (A)|A",
    })
    void extractsTheChoiceLabel(String generated, String expected) {
        assertThat(AnswerMatching.extractChoice(generated)).contains(expected);
    }

    @Test
    void choiceExtractionSkipsWordsAndLabelsOutOfRange() {
        assertThat(AnswerMatching.extractChoice("BECAUSE of water")).isEmpty();
        assertThat(AnswerMatching.extractChoice("F is right")).isEmpty();
        assertThat(AnswerMatching.extractChoice("C", 2)).isEmpty();
        assertThat(AnswerMatching.extract(EvalExample.Kind.MULTIPLE_CHOICE, "so (b) no, (B)")).contains("B");
        assertThat(AnswerMatching.extract(EvalExample.Kind.GSM8K, "it is 3")).contains("3");
    }

    @Test
    void exactMatchComparesNumbersNumericallyAndLabelsIgnoringCase() {
        assertThat(AnswerMatching.exactMatch("42", "42")).isTrue();
        assertThat(AnswerMatching.exactMatch("42.0", "42")).isTrue();
        assertThat(AnswerMatching.exactMatch("1,234", "1234")).isTrue();
        assertThat(AnswerMatching.exactMatch(" b ", "B")).isTrue();
        assertThat(AnswerMatching.exactMatch("43", "42")).isFalse();
        assertThat(AnswerMatching.exactMatch("2.5", "2")).isFalse();
        assertThat(AnswerMatching.exactMatch("", "0")).isFalse();
        assertThat(AnswerMatching.exactMatch((String) null, "1")).isFalse();
        assertThat(AnswerMatching.exactMatch(Optional.empty(), "1")).isFalse();
        assertThat(AnswerMatching.exactMatch(AnswerMatching.extractNumber("so 7 [calc 3]"), "7")).isTrue();
    }
}
