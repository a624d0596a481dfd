package dev.quietstar.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quietstar.api.Dataset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A byte-order mark is not text, and a corpus of empty documents is refused instead of training at loss 0. */
class DatasetEdgesTest {

    @TempDir
    Path dir;

    @Test
    void aByteOrderMarkDoesNotBecomeTheFirstDocumentsText() throws Exception {
        Path txt = dir.resolve("bom.txt");
        Files.write(txt, ("\uFEFFhello there\n\nsecond").getBytes(StandardCharsets.UTF_8));
        Dataset d = TextDatasets.fromFile(txt);
        assertThat(d.document(0)).isEqualTo("hello there");
        assertThat(d.document(1)).isEqualTo("second");
        Path jsonl = dir.resolve("bom.jsonl");
        Files.write(jsonl, ("\uFEFF{\"text\": \"abc\"}\n").getBytes(StandardCharsets.UTF_8));
        assertThat(TextDatasets.fromFile(jsonl).document(0)).isEqualTo("abc");
    }

    @Test
    void onlyEmptyDocumentsAreRefused() {
        assertThatThrownBy(() -> TextDatasets.fromStrings("blank", List.of("", "")))
                .isInstanceOf(DatasetException.class).hasMessageContaining("holds only empty documents");
        assertThat(TextDatasets.fromStrings("one", List.of("", "x")).size()).isEqualTo(2);
    }
}
