package dev.quietstar.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A write refused for lack of space says that the disk is full, which path was being written and what is intact.
 * It used to surface as the bare "No space left on device" (no path, nothing about the earlier checkpoint), or
 * behind a wrapper's message that hid it. Writes to {@code /dev/full} fail with ENOSPC, so no full disk is needed.
 */
class DiskFullTest {

    private static final Path DEV_FULL = Path.of("/dev/full");

    @TempDir
    Path tmp;

    /** A real ENOSPC from the operating system. */
    private static IOException enospc() {
        assumeTrue(Files.exists(DEV_FULL), "/dev/full is not available here");
        try {
            Files.write(DEV_FULL, new byte[4096]);
        } catch (IOException e) {
            return e;
        }
        throw new AssertionError("writing /dev/full succeeded");
    }

    @Test
    void aCheckpointSaveOnAFullDiskNamesTheTargetAndKeepsThePreviousContent() throws Exception {
        assumeTrue(Files.exists(DEV_FULL), "/dev/full is not available here");
        Path checkpoint = tmp.resolve("run/checkpoints/step-000002");
        AtomicFolder.write(checkpoint, d -> Files.writeString(d.resolve("model.safetensors"), "old weights"));
        // The new content's weights file is written through a link to /dev/full: the write fails with ENOSPC.
        assertThatThrownBy(() -> AtomicFolder.write(checkpoint, d -> {
            Files.writeString(d.resolve("quietstar.json"), "{}");
            Files.createSymbolicLink(d.resolve("model.safetensors"), DEV_FULL);
            Files.write(d.resolve("model.safetensors"), new byte[1 << 16]);
        })).isInstanceOf(IOException.class)
                .hasMessageContaining("the disk is full (No space left on device) while writing " + checkpoint)
                .hasMessageContaining("the previous content of " + checkpoint + " is intact")
                .hasMessageContaining("free space");
        assertThat(checkpoint.resolve("model.safetensors")).hasContent("old weights");
        assertThat(checkpoint.resolve("quietstar.json")).doesNotExist();
        try (Stream<Path> s = Files.list(checkpoint.getParent())) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("step-000002");
        }
    }

    @Test
    void aFirstWriteSaysNothingWasLeftAndAWrappedFailureIsRecognised() {
        IOException e = enospc();
        Path target = tmp.resolve("export");
        assertThatThrownBy(() -> AtomicFolder.write(target, d -> {
            throw new UncheckedIOException("cannot write a tensor", e);
        })).hasMessageContaining("while writing " + target).hasMessageContaining("nothing was left at " + target);
        assertThat(target).doesNotExist();
        assertThat(DiskFull.isDiskFull(new UncheckedIOException("cannot write training output under out", e)))
                .isTrue();
    }

    @Test
    void otherFailuresAreLeftAsTheyAre() {
        IOException other = new IOException("Permission denied");
        assertThat(DiskFull.isDiskFull(other)).isFalse();
        assertThat(DiskFull.describe(other, tmp, "x")).isSameAs(other);
        IOException described = DiskFull.describe(enospc(), tmp, "x");
        assertThat(DiskFull.describe(described, tmp, "y")).as("described once").isSameAs(described);
    }
}
