package dev.quietstar.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quietstar.api.Dataset;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextDatasetsTest {

    @TempDir
    Path dir;

    private static List<String> docs(Dataset d) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < d.size(); i++) {
            out.add(d.document(i));
        }
        return out;
    }

    @Test
    void textFilesSplitOnBlankLines() throws IOException {
        Path f = dir.resolve("corpus.txt");
        Files.writeString(f, "\n\nfirst line\nsecond line\n\n\n  \t\nthird doc\r\n\r\nfourth\n");
        Dataset d = TextDatasets.fromFile(f);
        assertThat(docs(d)).containsExactly("first line\nsecond line", "third doc", "fourth");
        assertThat(d.description()).isEqualTo(f.toString());
    }

    @Test
    void jsonlReadsTextAndQuestionAnswerObjects() throws IOException {
        Path f = dir.resolve("gsm.jsonl");
        Files.writeString(f, "{\"text\": \"plain doc\", \"id\": 3}\n\n   \n"
                + "{\"question\": \"What is 2+2?\", \"answer\": \"2+2=4 #### 4\"}\n");
        assertThat(docs(TextDatasets.fromFile(f)))
                .containsExactly("plain doc", "Q: What is 2+2?\nA: 2+2=4 #### 4");
    }

    @Test
    void missingFileIsNamed() {
        Path f = dir.resolve("nope.txt");
        assertThatThrownBy(() -> TextDatasets.fromFile(f))
                .isInstanceOf(DatasetException.class)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("does not exist");
    }

    @Test
    void emptyFilesHoldNoDocuments() throws IOException {
        Path txt = dir.resolve("empty.txt");
        Files.writeString(txt, "\n \n\n");
        assertThatThrownBy(() -> TextDatasets.fromFile(txt))
                .isInstanceOf(DatasetException.class)
                .hasMessage("dataset '" + txt + "' holds no documents");
        Path jsonl = dir.resolve("empty.jsonl");
        Files.writeString(jsonl, "");
        assertThatThrownBy(() -> TextDatasets.fromFile(jsonl))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("holds no documents");
    }

    @Test
    void malformedJsonNamesTheLine() throws IOException {
        Path f = dir.resolve("bad.jsonl");
        Files.writeString(f, "{\"text\": \"ok\"}\n\n{\"text\": oops}\n");
        assertThatThrownBy(() -> TextDatasets.fromFile(f))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("malformed JSON")
                .hasMessageContaining("line 3");
    }

    @Test
    void lineWithoutUsableFieldsNamesTheFieldsFound() throws IOException {
        Path f = dir.resolve("fields.jsonl");
        Files.writeString(f, "{\"text\": \"ok\"}\n{\"question\": \"q only\", \"label\": 1}\n");
        assertThatThrownBy(() -> TextDatasets.fromFile(f))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("line 2")
                .hasMessageContaining("[question, label]");
    }

    @Test
    void jsonlLinesMustBeObjects() throws IOException {
        Path f = dir.resolve("array.jsonl");
        Files.writeString(f, "[1, 2]\n");
        assertThatThrownBy(() -> TextDatasets.fromFile(f))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("line 1")
                .hasMessageContaining("JSON object");
    }

    @Test
    void unknownExtensionIsRejected() throws IOException {
        Path f = dir.resolve("data.csv");
        Files.writeString(f, "a,b\n");
        assertThatThrownBy(() -> TextDatasets.fromFile(f))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining(".txt")
                .hasMessageContaining(".jsonl");
    }

    @Test
    void fromStringsCopiesAndValidates() {
        List<String> source = new ArrayList<>(List.of("a", "b"));
        Dataset d = TextDatasets.fromStrings("unit test", source);
        source.set(0, "changed");
        assertThat(d.size()).isEqualTo(2);
        assertThat(d.document(0)).isEqualTo("a");
        assertThat(d.description()).isEqualTo("unit test");
        assertThatThrownBy(() -> TextDatasets.fromStrings("nothing", List.of()))
                .isInstanceOf(DatasetException.class)
                .hasMessage("dataset 'nothing' holds no documents");
    }
}
