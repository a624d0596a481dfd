package dev.quietstar.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shared policy of file writers. */
class OutputFileTest {

    static final OutputKind PAGE = OutputKind.file("page", "test page", head -> head.contains("<meta page>"));

    @TempDir
    Path dir;

    private static void write(Path file, boolean replace, String text, Path input) throws IOException {
        OutputFile.builder(file, PAGE).replaceExisting(replace).input("--text-file", input).build().write(text);
    }

    @Test
    void writesReplacesWhenAskedAndRefusesOtherFiles() throws IOException {
        Path page = dir.resolve("out/page.html");
        write(page, false, "<meta page> one", null);
        assertThat(page).hasContent("<meta page> one");
        assertThatThrownBy(() -> write(page, false, "<meta page> two", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--output " + page)
                .hasMessageContaining("already exists and holds an earlier test page")
                .hasMessageContaining("pass --replace");
        write(page, true, "<meta page> two", null);
        assertThat(page).hasContent("<meta page> two");
        try (Stream<Path> s = Files.list(page.getParent())) {
            assertThat(s.map(p -> p.getFileName().toString())).as("no temporary or lock left")
                    .containsExactly("page.html");
        }

        Path notes = Files.writeString(dir.resolve("notes.html"), "my notes");
        assertThatThrownBy(() -> write(notes, true, "<meta page>", null))
                .hasMessageContaining("is a file that is not a test page quietstar wrote")
                .hasMessageContaining("Choose a new file name");
        assertThat(notes).hasContent("my notes");
        assertThatThrownBy(() -> write(dir, true, "<meta page>", null)).hasMessageContaining("is a folder");
        Path empty = Files.createFile(dir.resolve("empty.html"));
        write(empty, false, "<meta page> into an empty file", null);
        assertThat(empty).hasContent("<meta page> into an empty file");
    }

    @Test
    void theInputBeingReadIsNeverOverwritten() throws IOException {
        Path text = Files.writeString(dir.resolve("text.txt"), "<meta page> the text to score");
        assertThatThrownBy(() -> write(text, true, "<meta page>", text))
                .hasMessageContaining("is the --text-file being read");
        assertThat(text).hasContent("<meta page> the text to score");
    }

    @Test
    void oneWriterAtATimeAndAStaleLockDoesNotBlock() throws IOException {
        Path page = dir.resolve("page.html");
        OutputFile policy = OutputFile.builder(page, PAGE).replaceExisting(true).build();
        try (OutputFile.Claim held = policy.claim()) {
            assertThatThrownBy(() -> policy.write("<meta page> second")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("process " + ProcessHandle.current().pid());
            held.write("<meta page> first");
        }
        Files.writeString(OutputLock.besideTarget(page), "999999999\n");
        policy.write("<meta page> after a crash");
        assertThat(page).hasContent("<meta page> after a crash");
    }
}
