package dev.quietstar.core.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvalSetsTest {

    @TempDir
    Path dir;

    private Path write(String name, String... lines) throws IOException {
        Path f = dir.resolve(name);
        Files.write(f, List.of(lines), StandardCharsets.UTF_8);
        return f;
    }

    @Test
    void readsGsm8kWithPromptAndCommaFreeGold() throws IOException {
        Path f = write("gsm8k.jsonl",
                "{\"question\": \"Tom has 3 apples and buys 2. How many?\", \"answer\": \"3+2=<<3+2=5>>5\\n#### 5\"}",
                "",
                "{\"question\": \"A big sum?\", \"answer\": \"Add them.\\n####  1,234 \"}");
        List<EvalExample> examples = EvalSets.load(f);
        assertThat(examples).hasSize(2);
        EvalExample first = examples.get(0);
        assertThat(first.kind()).isEqualTo(EvalExample.Kind.GSM8K);
        assertThat(first.prompt()).isEqualTo("Q: Tom has 3 apples and buys 2. How many?\nA: ");
        assertThat(first.gold()).isEqualTo("5");
        assertThat(first.choices()).isEmpty();
        assertThat(examples.get(1).gold()).isEqualTo("1234");
    }

    @Test
    void readsCommonsenseQaAsReleased() throws IOException {
        Path f = write("csqa.jsonl", "{\"answerKey\": \"B\", \"id\": \"x1\", \"question\": {\"stem\": \"Where do "
                + "fish live?\", \"choices\": [{\"label\": \"A\", \"text\": \"desert\"}, {\"label\": \"B\", \"text\": "
                + "\"water\"}, {\"label\": \"C\", \"text\": \"sky\"}]}}");
        EvalExample e = EvalSets.load(f).get(0);
        assertThat(e.kind()).isEqualTo(EvalExample.Kind.MULTIPLE_CHOICE);
        assertThat(e.prompt()).isEqualTo("Q: Where do fish live?\nChoices: (A) desert (B) water (C) sky\nA: ");
        assertThat(e.gold()).isEqualTo("B");
        assertThat(e.choices()).containsExactly("desert", "water", "sky");
        assertThat(e.goldChoiceText()).isEqualTo("water");
    }

    @Test
    void readsCommonsenseQaInTheDatasetsLayout() throws IOException {
        Path f = write("csqa-hf.jsonl", "{\"id\": \"y\", \"question\": \"What is cold?\", \"question_concept\": "
                + "\"cold\", \"choices\": {\"label\": [\"A\", \"B\"], \"text\": [\"ice\", \"fire\"]}, "
                + "\"answerKey\": \"A\"}");
        EvalExample e = EvalSets.load(f).get(0);
        assertThat(e.prompt()).isEqualTo("Q: What is cold?\nChoices: (A) ice (B) fire\nA: ");
        assertThat(e.gold()).isEqualTo("A");
        assertThat(e.choices()).containsExactly("ice", "fire");
    }

    @Test
    void malformedJsonNamesTheFileAndLine() throws IOException {
        Path f = write("bad.jsonl", "{\"question\": \"q\", \"answer\": \"#### 1\"}", "{not json");
        assertThatThrownBy(() -> EvalSets.load(f)).isInstanceOf(EvalSetException.class)
                .hasMessageStartingWith(f + ":2: not valid JSON")
                .satisfies(e -> assertThat(((EvalSetException) e).lineNumber()).isEqualTo(2));
    }

    @Test
    void missingHashMarkIsReportedWithItsLine() throws IOException {
        Path f = write("nohash.jsonl", "{\"question\": \"q\", \"answer\": \"#### 1\"}",
                "{\"question\": \"q2\", \"answer\": \"the answer is 7\"}");
        assertThatThrownBy(() -> EvalSets.load(f)).isInstanceOf(EvalSetException.class)
                .hasMessageContaining(":2:").hasMessageContaining("no \"####\"")
                .hasMessageContaining("the answer is 7");
    }

    @Test
    void unknownAnswerKeyListsTheLabels() throws IOException {
        Path f = write("key.jsonl", "{\"question\": \"q\", \"choices\": {\"label\": [\"A\", \"B\"], \"text\": "
                + "[\"x\", \"y\"]}, \"answerKey\": \"E\"}");
        assertThatThrownBy(() -> EvalSets.load(f)).isInstanceOf(EvalSetException.class)
                .hasMessageContaining(":1:").hasMessageContaining("unknown answerKey 'E'")
                .hasMessageContaining("[A, B]");
    }

    @Test
    void labelsOutOfOrderAndMixedLayoutsAndUnknownLayoutsAreRejected() throws IOException {
        Path order = write("order.jsonl", "{\"question\": \"q\", \"choices\": {\"label\": [\"1\", \"2\"], \"text\": "
                + "[\"x\", \"y\"]}, \"answerKey\": \"1\"}");
        assertThatThrownBy(() -> EvalSets.load(order)).hasMessageContaining("labelled '1', expected 'A'");

        Path mixed = write("mixed.jsonl", "{\"question\": \"q\", \"answer\": \"#### 1\"}",
                "{\"question\": \"q\", \"choices\": {\"label\": [\"A\"], \"text\": [\"x\"]}, \"answerKey\": \"A\"}");
        assertThatThrownBy(() -> EvalSets.load(mixed)).hasMessageContaining(":2:")
                .hasMessageContaining("started in the GSM8K");

        Path unknown = write("unknown.jsonl", "{\"prompt\": \"q\", \"label\": 1}");
        assertThatThrownBy(() -> EvalSets.load(unknown)).hasMessageContaining(":1: unknown layout")
                .hasMessageContaining("[prompt, label]");
    }

    @Test
    void emptyAndMissingFilesAreErrors() throws IOException {
        Path empty = write("empty.jsonl", "", "  ");
        assertThatThrownBy(() -> EvalSets.load(empty)).isInstanceOf(EvalSetException.class)
                .hasMessageContaining("no examples");
        assertThatThrownBy(() -> EvalSets.load(dir.resolve("absent.jsonl"))).isInstanceOf(EvalSetException.class)
                .hasMessageContaining("no such file");
    }
}
