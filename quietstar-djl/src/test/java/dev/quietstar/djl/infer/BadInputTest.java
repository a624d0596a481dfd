package dev.quietstar.djl.infer;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quietstar.api.GenerationOptions;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.thought.QuietStarModel;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class BadInputTest {

    private static QuietStarModel model;
    private static DjlReasoner reasoner;

    @BeforeAll
    static void load() {
        DjlEngines.pytorch();
        model = InferFixtures.model(5, 2, 32, false);
        reasoner = DjlReasoner.wrap(model);
    }

    @AfterAll
    static void free() {
        model.close();
    }

    @Test
    void emptyPromptIsRejected() {
        assertThatThrownBy(() -> reasoner.generate("", GenerationOptions.defaults(4)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("prompt is empty");
        assertThatThrownBy(() -> reasoner.generateBatch(List.of("ok", ""), GenerationOptions.defaults(4)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("prompt 1 is empty");
        assertThatThrownBy(() -> reasoner.generateBatch(List.of(), GenerationOptions.defaults(4)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one prompt");
    }

    @Test
    void promptLongerThanTheContextIsRejected() {
        assertThatThrownBy(() -> reasoner.generate("x".repeat(40), GenerationOptions.defaults(4)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("longer than the model's context").hasMessageContaining("41 tokens")
                .hasMessageContaining("32 positions");
    }

    @Test
    void promptPlusTokensPlusThoughtThatDoNotFitAreRejectedWithTheLargestBudgetThatFits() {
        // 1 + 10 prompt tokens, 20 new tokens and a thought of 4 positions need 11 + 20 + 3 = 34 > 32.
        assertThatThrownBy(() -> reasoner.generate("0123456789", GenerationOptions.defaults(20)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs 34 positions")
                .hasMessageContaining("lower maxNewTokens to at most 18");
        reasoner.generate("0123456789", GenerationOptions.defaults(18));
    }

    @Test
    void maxTokensMustBePositive() {
        assertThatThrownBy(() -> GenerationOptions.defaults(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxNewTokens must be > 0");
        assertThatThrownBy(() -> GenerationOptions.defaults(-3)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aStopStringTheTokenizerCannotRepresentIsRejected() {
        // A lone surrogate has no UTF-8 encoding: the byte tokenizer turns it into '?', so it could never match.
        assertThatThrownBy(() -> reasoner.generate("hi", GenerationOptions.defaults(4)
                .withStopStrings(List.of("\n", "\ud800"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("stop string \"\\ud800\" cannot be produced by the tokenizer");
        assertThatThrownBy(() -> GenerationOptions.defaults(4).withStopStrings(List.of("")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty string");
    }

    @Test
    void scoringRejectsEmptyAndTooLongTexts() {
        assertThatThrownBy(() -> reasoner.score("")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty");
        assertThatThrownBy(() -> reasoner.score("y".repeat(30))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the model has 32");
    }
}
