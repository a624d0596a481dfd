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

class AtomicFolderTest {

    @TempDir
    Path dir;

    private List<String> siblings() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void createsANewFolder() throws IOException {
        Path target = dir.resolve("nested").resolve("ckpt");
        AtomicFolder.write(target, tmp -> {
            Files.writeString(tmp.resolve("a.txt"), "alpha");
            Files.createDirectories(tmp.resolve("sub"));
            Files.writeString(tmp.resolve("sub").resolve("b.txt"), "beta");
        });
        assertThat(target.resolve("a.txt")).hasContent("alpha");
        assertThat(target.resolve("sub").resolve("b.txt")).hasContent("beta");
        try (Stream<Path> s = Files.list(target.getParent())) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("ckpt");
        }
    }

    @Test
    void overwriteReplacesTheWholeContent() throws IOException {
        Path target = dir.resolve("ckpt");
        AtomicFolder.write(target, tmp -> {
            Files.writeString(tmp.resolve("model.bin"), "v1");
            Files.writeString(tmp.resolve("only-in-v1.txt"), "stale");
        });
        AtomicFolder.write(target, tmp -> Files.writeString(tmp.resolve("model.bin"), "v2"));
        assertThat(target.resolve("model.bin")).hasContent("v2");
        assertThat(target.resolve("only-in-v1.txt")).doesNotExist();
        assertThat(siblings()).containsExactly("ckpt");
    }

    @Test
    void failingWriterLeavesThePreviousContentAndNoTemporaryFolders() throws IOException {
        Path target = dir.resolve("ckpt");
        AtomicFolder.write(target, tmp -> Files.writeString(tmp.resolve("model.bin"), "good"));
        assertThatThrownBy(() -> AtomicFolder.write(target, tmp -> {
            Files.writeString(tmp.resolve("model.bin"), "half");
            throw new IOException("disk full");
        })).isInstanceOf(IOException.class).hasMessage("disk full");
        assertThatThrownBy(() -> AtomicFolder.write(target, tmp -> {
            Files.writeString(tmp.resolve("model.bin"), "half");
            throw new IllegalStateException("bug in writer");
        })).isInstanceOf(IllegalStateException.class);
        assertThat(target.resolve("model.bin")).hasContent("good");
        assertThat(siblings()).containsExactly("ckpt");
    }

    @Test
    void failingFirstWriteLeavesNothing() throws IOException {
        Path target = dir.resolve("fresh");
        assertThatThrownBy(() -> AtomicFolder.write(target, tmp -> {
            throw new IOException("boom");
        })).isInstanceOf(IOException.class);
        assertThat(target).doesNotExist();
        assertThat(siblings()).isEmpty();
    }

    @Test
    void writerSeesAnEmptyHiddenSiblingFolder() throws IOException {
        Path target = dir.resolve("ckpt");
        AtomicFolder.write(target, tmp -> {
            assertThat(tmp.getParent()).isEqualTo(dir.toAbsolutePath().normalize());
            assertThat(tmp.getFileName().toString()).startsWith(".ckpt.tmp-");
            try (Stream<Path> s = Files.list(tmp)) {
                assertThat(s).isEmpty();
            }
        });
        assertThat(target).isDirectory();
    }

    @Test
    void refusesToReplaceAFile() throws IOException {
        Path target = dir.resolve("file");
        Files.writeString(target, "x");
        assertThatThrownBy(() -> AtomicFolder.write(target, tmp -> { }))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("is not a folder");
        assertThat(target).hasContent("x");
    }

    @Test
    void aReadOnlyFolderFailsTheSaveAndKeepsThePreviousContent() throws IOException {
        Path parent = Files.createDirectories(dir.resolve("ro"));
        Path target = parent.resolve("ckpt");
        AtomicFolder.write(target, tmp -> Files.writeString(tmp.resolve("model.bin"), "good"));
        java.io.File f = parent.toFile();
        assertThat(f.setWritable(false, false)).isTrue();
        try {
            org.junit.jupiter.api.Assumptions.assumeFalse(Files.isWritable(parent),
                    "the tests run as a user who ignores permissions (root)");
            assertThatThrownBy(() -> AtomicFolder.write(target, tmp -> Files.writeString(tmp.resolve("model.bin"),
                    "new"))).isInstanceOf(IOException.class).hasMessageContaining(parent.toString());
            assertThat(target.resolve("model.bin")).hasContent("good");
        } finally {
            f.setWritable(true, false);
        }
        try (Stream<Path> s = Files.list(parent)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("ckpt");
        }
    }

    @Test
    void aTemporaryFolderLeftByAKilledWriterIsRemovedByTheNextWrite() throws IOException {
        Path target = dir.resolve("ckpt");
        Path stale = Files.createDirectories(dir.resolve(".ckpt.tmp-0123456789abcdef"));
        Files.writeString(stale.resolve("model.bin"), "half");
        Path other = Files.createDirectories(dir.resolve(".other.tmp-0123456789abcdef"));
        AtomicFolder.write(target, tmp -> Files.writeString(tmp.resolve("model.bin"), "good"));
        assertThat(target.resolve("model.bin")).hasContent("good");
        assertThat(stale).doesNotExist();
        assertThat(other).isDirectory(); // another target's temporary folder is not this write's business
    }
}
