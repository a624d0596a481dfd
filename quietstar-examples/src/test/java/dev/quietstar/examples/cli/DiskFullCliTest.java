package dev.quietstar.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.quietstar.examples.TinyCheckpoints;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On a full disk the command line says so, with the path it was writing. It used to print the bare "No space left
 * on device" (which file?), or only a wrapper's "cannot write training output under out" with the reason dropped.
 * Writes to {@code /dev/full} fail with ENOSPC, so no full disk is needed.
 */
class DiskFullCliTest {

    private static final Path DEV_FULL = Path.of("/dev/full");

    @TempDir
    Path tmp;

    /**
     * Outputs are never written into a device: a run's {@code metrics.jsonl} linked to {@code /dev/full} is refused
     * by name before training starts (the disk-full message itself is pinned by core's {@code DiskFullTest}, whose
     * writers fail with "No space left on device" part-way, and by {@link #aWrapperMessageKeepsTheCause}).
     */
    @Test
    void aRunWhoseMetricsFileIsADeviceIsRefusedByName() throws Exception {
        assumeTrue(Files.exists(DEV_FULL), "/dev/full is not available here");
        Path data = Files.writeString(tmp.resolve("data.txt"), "one two three four five six seven eight nine\n\n"
                + "ten eleven twelve thirteen fourteen fifteen sixteen\n");
        Path out = Files.createDirectories(tmp.resolve("run"));
        Path metrics = Files.createSymbolicLink(out.resolve("metrics.jsonl"), DEV_FULL);
        CliRun r = CliRun.of("train", "--tiny", "--data", data.toString(), "--output", out.toString(), "--set",
                "thoughtLength=2", "--set", "lookahead=2", "--set", "sequenceLength=16", "--set",
                "training.steps=2", "--set", "training.examplesPerStep=2", "--set", "training.microBatchExamples=2",
                "--set", "training.checkpointEvery=0");
        assertThat(r.exitCode()).isNotZero();
        assertThat(r.err()).contains("metrics.jsonl is not a regular file (a character device)")
                .doesNotContain("internal error");
        assertThat(Files.isSymbolicLink(metrics)).isTrue();
    }

    @Test
    void aReportIsNeverWrittenIntoADevice() throws Exception {
        assumeTrue(Files.exists(DEV_FULL), "/dev/full is not available here");
        Path checkpoint = TinyCheckpoints.save(tmp.resolve("tiny"), 2);
        Path page = Files.createSymbolicLink(tmp.resolve("report.html"), DEV_FULL);
        CliRun r = CliRun.of("report", "--model", checkpoint.toString(), "--text", "Hi there", "--output",
                page.toString());
        assertThat(r.exitCode()).isNotZero();
        assertThat(r.err()).contains("is not a regular file").doesNotContain("internal error");
    }

    @Test
    void aWrapperMessageKeepsTheCause() {
        assumeTrue(Files.exists(DEV_FULL), "/dev/full is not available here");
        IOException enospc = null;
        try {
            Files.write(DEV_FULL, new byte[4096]);
        } catch (IOException e) {
            enospc = e;
        }
        assertThat(enospc).isNotNull();
        String message = QuietStarCommand.userMessage(new UncheckedIOException("cannot write training output under "
                + "out", enospc));
        assertThat(message).startsWith("cannot write training output under out").contains("the disk is full");
    }
}
