package dev.quietstar.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.quietstar.examples.TinyCheckpoints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A path that exists but is not a regular file (a FIFO, a device, a folder) is named as such by every reader of the
 * command line. It used to be reported as missing ("does not exist", "no such file"), and a FIFO in place of a
 * checkpoint's weights blocked the command for ever.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class NotARegularFileTest {

    @TempDir
    static Path dir;
    private static Path checkpoint;
    private static Path data;

    @BeforeAll
    static void files() throws Exception {
        checkpoint = TinyCheckpoints.save(dir.resolve("tiny"), 5);
        data = Files.writeString(dir.resolve("data.txt"), "12+34=46. The cat sat on the mat.\n\n7*8=56.\n");
    }

    /** Makes a FIFO, or skips the test where mkfifo is not available. */
    private static Path fifo(Path at) throws Exception {
        Files.createDirectories(at.getParent());
        int code;
        try {
            Process p = new ProcessBuilder("mkfifo", at.toString()).redirectErrorStream(true).start();
            code = p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
        } catch (java.io.IOException e) {
            code = -1;
        }
        assumeTrue(code == 0 && Files.exists(at), "mkfifo is not available here");
        return at;
    }

    /** A copy of the checkpoint with one file replaced by a FIFO. */
    private static Path checkpointWithFifo(Path rowDir, String file) throws Exception {
        Path c = Files.createDirectories(rowDir.resolve("ckpt"));
        try (Stream<Path> s = Files.list(checkpoint)) {
            for (Path p : s.toList()) {
                if (Files.isRegularFile(p) && !p.getFileName().toString().equals(file)) {
                    Files.copy(p, c.resolve(p.getFileName()));
                }
            }
        }
        fifo(c.resolve(file));
        return c;
    }

    private static List<String> train(Path rowDir, String... extra) {
        List<String> a = new ArrayList<>(List.of("train", "--tiny", "gpt2:hidden=32,layers=1,heads=4,positions=64",
                "--set", "training.steps=1", "--set", "sequenceLength=16", "--output",
                rowDir.resolve("out").toString()));
        a.addAll(List.of(extra));
        return a;
    }

    @FunctionalInterface
    interface Setup {
        List<String> args(Path rowDir) throws Exception;
    }

    static Stream<Arguments> rows() {
        return Stream.of(
                Arguments.of("config", (Setup) r -> train(r, "--data", data.toString(), "--config",
                        fifo(r.resolve("c.yaml")).toString())),
                Arguments.of("train-data", (Setup) r -> train(r, "--data", fifo(r.resolve("d.txt")).toString())),
                Arguments.of("eval-set", (Setup) r -> List.of("eval", "--model", checkpoint.toString(), "--data",
                        fifo(r.resolve("q.jsonl")).toString(), "--output", r.resolve("eval").toString())),
                Arguments.of("probe-input", (Setup) r -> List.of("probe", "--model", checkpoint.toString(),
                        "--input", fifo(r.resolve("p.json")).toString())),
                Arguments.of("report-metrics", (Setup) r -> List.of("report", "--model", checkpoint.toString(),
                        "--text", "Hi there", "--metrics", fifo(r.resolve("metrics.jsonl")).toString(), "--output",
                        r.resolve("r.html").toString())),
                Arguments.of("report-text-file", (Setup) r -> List.of("report", "--model", checkpoint.toString(),
                        "--text-file", fifo(r.resolve("t.txt")).toString(), "--output",
                        r.resolve("r.html").toString())),
                Arguments.of("checkpoint-config", (Setup) r -> List.of("generate", "--model",
                        checkpointWithFifo(r, "config.json").toString(), "--prompt", "Hi")),
                Arguments.of("checkpoint-metadata", (Setup) r -> List.of("generate", "--model",
                        checkpointWithFifo(r, "quietstar.json").toString(), "--prompt", "Hi")),
                Arguments.of("checkpoint-tokenizer", (Setup) r -> List.of("generate", "--model",
                        checkpointWithFifo(r, "tokenizer.json").toString(), "--prompt", "Hi")),
                Arguments.of("checkpoint-weights", (Setup) r -> List.of("generate", "--model",
                        checkpointWithFifo(r, "model.safetensors").toString(), "--prompt", "Hi")),
                Arguments.of("export-tokenizer", (Setup) r -> List.of("export-onnx", "--model",
                        checkpointWithFifo(r, "tokenizer.json").toString(), "--output", r.resolve("x").toString())));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void aFifoIsNamedAsSuchNotAsMissing(String id, Setup setup) throws Exception {
        Path rowDir = Files.createDirectories(dir.resolve("rows").resolve(id));
        CliRun r = CliRun.of(setup.args(rowDir).toArray(new String[0]));
        assertThat(r.exitCode()).as(r.err()).isNotZero();
        assertThat(r.err()).contains("is not a regular file (a FIFO)").doesNotContain("does not exist")
                .doesNotContain("no such file").doesNotContain("internal error").doesNotContain("\tat ");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("others")
    void foldersAndDevicesAreNamedToo(String path, String kind) {
        assumeTrue(Files.exists(Path.of(path)), path + " does not exist here");
        CliRun r = CliRun.of("train", "--tiny", "--data", path, "--output", dir.resolve("o-" + kind).toString());
        assertThat(r.err()).contains("data file " + path + " is not a regular file (" + kind + ")");
    }

    static Stream<Arguments> others() {
        return Stream.of(Arguments.of("/dev/null", "a character device"), Arguments.of("/tmp", "a folder"));
    }
}
