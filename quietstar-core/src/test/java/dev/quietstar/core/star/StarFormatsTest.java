package dev.quietstar.core.star;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class StarFormatsTest {

    private final StarProblem sum = new StarProblem("Q: 437+448=?\nA: ", "885", "15080800");

    @Test
    void bracketedReadsRationaleAndAnswerAndWritesTheUnhintedDocument() {
        StarFormat f = StarFormats.bracketed(24);
        assertThat(f.prompt(sum)).isEqualTo("Q: 437+448=?\nA: ");
        assertThat(f.parse("[15080800]885\n")).contains(new StarCompletion("15080800", "885"));
        assertThat(f.parse("[15080800]885")).contains(new StarCompletion("15080800", "885"));
        assertThat(f.parse("885\n")).as("a direct answer has no rationale").contains(new StarCompletion("", "885"));
        assertThat(f.parse("[1508")).as("unclosed").isEmpty();
        assertThat(f.parse("[15080800]\n")).as("no answer").isEmpty();
        assertThat(f.parse("")).isEmpty();
        assertThat(f.document(sum, "15080800")).isEqualTo("Q: 437+448=?\nA: [15080800]885\n");
        assertThat(f.hintedPrompt(sum)).isEqualTo("Q: 437+448=?\n(answer: 885)\nA: ");
        assertThat(f.stopStrings()).containsExactly("\n");
        assertThat(f.maxNewTokens()).isEqualTo(24);
        assertThatThrownBy(() -> StarFormats.bracketed(2)).hasMessageContaining("maxNewTokens");
    }

    @Test
    void gsm8kReadsTheNumberAfterTheMarkAndWritesTheSameLayout() {
        StarFormat f = StarFormats.gsm8k(256);
        StarProblem p = new StarProblem("Tom has 3 apples and buys 4. How many?", "7", "3+4=7");
        assertThat(f.prompt(p)).isEqualTo("Question: Tom has 3 apples and buys 4. How many?\nAnswer:");
        assertThat(f.hintedPrompt(p)).isEqualTo(
                "Question: Tom has 3 apples and buys 4. How many? (the answer is 7)\nAnswer:");
        assertThat(f.parse(" He has 3+4=<<3+4=7>>7 apples.\n#### 7")).contains(
                new StarCompletion("He has 3+4=<<3+4=7>>7 apples.", "7"));
        assertThat(f.parse(" 1,234 of them\n#### 1,234\n")).map(StarCompletion::answer).contains("1234");
        assertThat(f.parse(" no mark here 7")).isEmpty();
        assertThat(f.parse(" text\n#### none")).isEmpty();
        String doc = f.document(p, " 3+4=7 ");
        assertThat(doc).isEqualTo("Question: Tom has 3 apples and buys 4. How many?\nAnswer: 3+4=7\n#### 7\n\n");
        assertThat(f.parse(doc.substring(f.prompt(p).length()))).contains(new StarCompletion("3+4=7", "7"));
    }

    @Test
    void theExactMatchCheckerComparesNumbersNumerically() {
        AnswerChecker c = AnswerChecker.exactMatch();
        assertThat(c.correct("885", sum)).isTrue();
        assertThat(c.correct(" 885.0 ", sum)).isTrue();
        assertThat(c.correct("886", sum)).isFalse();
        assertThat(c.correct("", sum)).isFalse();
    }

    @Test
    void problemsNeedAQuestionAndAnAnswer() {
        assertThatThrownBy(() -> new StarProblem(" ", "1")).hasMessageContaining("question");
        assertThatThrownBy(() -> new StarProblem("Q: 1+1=?\nA: ", "")).hasMessageContaining("Q: 1+1=?\\nA:")
                .hasMessageContaining("no answer");
        assertThat(new StarProblem("q", "1").hasReference()).isFalse();
        assertThat(Optional.of(sum).map(StarProblem::hasReference)).contains(true);
    }
}
