package dev.quietstar.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shared policy of folder writers: what is written, replaced, continued, refused, and the lock. */
class OutputFolderTest {

    static final OutputKind EVAL = OutputKind.folder("eval", "eval output", "summary.json", "details.json");
    static final OutputKind OTHER = OutputKind.folder("other", "other output");

    @TempDir
    Path dir;

    private static void write(Path out, OutputKind kind, boolean replace, String file, String text)
            throws IOException {
        try (OutputFolder.Claim claim = OutputFolder.builder(out, kind).replaceExisting(replace).build().claim()) {
            claim.write(tmp -> Files.writeString(tmp.resolve(file), text));
        }
    }

    private List<String> names(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aNewOrEmptyFolderIsWrittenWithItsMarker() throws IOException {
        Path out = dir.resolve("a/b/eval");
        write(out, EVAL, false, "summary.md", "one");
        assertThat(out.resolve("summary.md")).hasContent("one");
        assertThat(OutputFolder.markedKind(out)).isEqualTo("eval");
        assertThat(names(out.getParent())).as("no lock or temporary left beside it").containsExactly("eval");
        Path empty = Files.createDirectories(dir.resolve("empty"));
        write(empty, EVAL, false, "summary.md", "two");
        assertThat(empty.resolve("summary.md")).hasContent("two");
    }

    @Test
    void anEarlierOutputIsReplacedOnlyWhenAskedAndThenAsAWhole() throws IOException {
        Path out = dir.resolve("eval");
        write(out, EVAL, false, "summary.md", "first");
        Files.writeString(out.resolve("extra.txt"), "left in the earlier output");
        assertThatThrownBy(() -> write(out, EVAL, false, "summary.md", "second"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--output " + out)
                .hasMessageContaining("already exists and holds an earlier eval output")
                .hasMessageContaining("pass --replace to replace it");
        assertThat(out.resolve("summary.md")).hasContent("first");
        write(out, EVAL, true, "summary.md", "second");
        assertThat(out.resolve("summary.md")).hasContent("second");
        assertThat(out.resolve("extra.txt")).as("replaced as a whole").doesNotExist();
    }

    @Test
    void foldersOfOtherFilesOrOtherKindsAndFilesAreRefusedAndLeftAlone() throws IOException {
        Path project = Files.createDirectories(dir.resolve("project"));
        Files.writeString(project.resolve("notes.txt"), "keep me");
        for (boolean replace : new boolean[] {false, true}) {
            assertThatThrownBy(() -> write(project, EVAL, replace, "summary.md", "x"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("holds files but no eval output quietstar wrote (notes.txt)")
                    .hasMessageContaining("Choose a new or empty folder");
        }
        assertThat(names(project)).containsExactly("notes.txt");
        assertThat(project.resolve("notes.txt")).hasContent("keep me");

        Path other = dir.resolve("other");
        write(other, OTHER, false, "o.txt", "o");
        assertThatThrownBy(() -> write(other, EVAL, true, "summary.md", "x"))
                .hasMessageContaining("holds a quietstar other output, not a eval output");
        assertThat(other.resolve("o.txt")).hasContent("o");

        Path file = Files.writeString(dir.resolve("file"), "data");
        assertThatThrownBy(() -> write(file, EVAL, true, "summary.md", "x")).hasMessageContaining("is a file");
        assertThat(file).hasContent("data");
    }

    @Test
    void anOutputWrittenBeforeTheMarkerIsRecognisedByItsFiles() throws IOException {
        Path old = Files.createDirectories(dir.resolve("old-eval"));
        Files.writeString(old.resolve("summary.json"), "{}");
        Files.writeString(old.resolve("details.json"), "{}");
        assertThatThrownBy(() -> write(old, EVAL, false, "summary.md", "x")).hasMessageContaining("pass --replace");
        write(old, EVAL, true, "summary.md", "new");
        assertThat(names(old)).containsExactly(OutputKind.MARKER_FILE, "summary.md");
    }

    @Test
    void aDestinationThatIsOrHoldsAnInputIsRefused() throws IOException {
        Path run = dir.resolve("run");
        Path ckpt = Files.createDirectories(run.resolve("checkpoints/step-1"));
        Files.writeString(ckpt.resolve(OutputKind.MARKER_FILE), "{\"kind\": \"eval\"}");
        for (Path out : List.of(ckpt, run, dir)) {
            assertThatThrownBy(() -> OutputFolder.builder(out, EVAL).replaceExisting(true).input("checkpoint", ckpt)
                    .build().claim()).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(out.equals(ckpt) ? "is the checkpoint being read"
                            : "holds the checkpoint " + ckpt + " being read");
        }
        assertThat(ckpt).isDirectory();
    }

    @Test
    void aContinuedOutputStaysInPlace() throws IOException {
        Path cache = dir.resolve("cache");
        try (OutputFolder.Claim c = OutputFolder.builder(cache, OTHER).build().claim()) {
            Files.writeString(c.openInPlace().resolve("model.bin"), "m");
            c.commit();
        }
        assertThatThrownBy(() -> OutputFolder.builder(cache, OTHER).build().claim())
                .hasMessageContaining("pass --replace");
        try (OutputFolder.Claim c = OutputFolder.builder(cache, OTHER).continueExisting(true).build().claim()) {
            assertThat(c.state()).isEqualTo(OutputFolder.State.EARLIER);
            Files.writeString(c.openInPlace().resolve("more.bin"), "n");
            c.commit();
        }
        assertThat(names(cache)).containsExactly(OutputKind.MARKER_FILE, "model.bin", "more.bin");
    }

    @Test
    void anInPlaceReplacementPutsTheEarlierOutputBackWhenTheWriterFails() throws IOException {
        Path demo = dir.resolve("demo");
        try (OutputFolder.Claim c = OutputFolder.builder(demo, OTHER).build().claim()) {
            Files.writeString(c.openInPlace().resolve("results.md"), "earlier");
            c.commit();
        }
        try (OutputFolder.Claim c = OutputFolder.builder(demo, OTHER).replaceExisting(true).build().claim()) {
            Path in = c.openInPlace();
            assertThat(in.resolve("results.md")).doesNotExist();
            Files.writeString(in.resolve("partial.txt"), "half");
            // no commit: the writer failed
        }
        assertThat(names(demo)).containsExactly(OutputKind.MARKER_FILE, "results.md");
        assertThat(demo.resolve("results.md")).hasContent("earlier");
        try (OutputFolder.Claim c = OutputFolder.builder(demo, OTHER).replaceExisting(true).build().claim()) {
            Files.writeString(c.openInPlace().resolve("results.md"), "new");
            c.commit();
        }
        assertThat(demo.resolve("results.md")).hasContent("new");
        assertThat(names(dir)).as("the earlier output moved aside was deleted").containsExactly("demo");
    }

    @Test
    void oneWriterAtATimeAndAStaleLockDoesNotBlock() throws IOException {
        Path out = dir.resolve("eval");
        try (OutputFolder.Claim held = OutputFolder.builder(out, EVAL).build().claim()) {
            assertThat(OutputLock.writtenPid(OutputLock.besideTarget(out))).isEqualTo(ProcessHandle.current().pid());
            assertThatThrownBy(() -> write(out, EVAL, true, "summary.md", "second"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("another quietstar writer (process " + ProcessHandle.current().pid())
                    .hasMessageContaining("--output " + out).hasMessageContaining("wait for it to finish");
            held.write(tmp -> Files.writeString(tmp.resolve("summary.md"), "first"));
        }
        assertThat(out.resolve("summary.md")).hasContent("first");
        // a lock file left by a process that died: its pid is written but no process holds the lock
        Path lock = OutputLock.besideTarget(out);
        Files.writeString(lock, "999999999 0123456789abcdef\n");
        write(out, EVAL, true, "summary.md", "after a crash");
        assertThat(out.resolve("summary.md")).hasContent("after a crash");
        assertThat(lock).as("deleted when released").doesNotExist();
    }
}
