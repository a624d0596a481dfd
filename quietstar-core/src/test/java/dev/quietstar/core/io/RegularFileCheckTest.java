package dev.quietstar.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.quietstar.core.checkpoint.SafetensorsReader;
import dev.quietstar.core.data.TextDatasets;
import dev.quietstar.core.eval.EvalSets;
import dev.quietstar.core.gate.ThinkingGate;
import dev.quietstar.core.train.TrainingRuns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Core's readers tell a missing file from one that exists but is not a regular file, and say what it is. They used
 * to call a FIFO or a device missing, and a FIFO where a checkpoint's weights belong was opened and blocked for ever
 * (the folder listing picks up every {@code *.safetensors} name).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RegularFileCheckTest {

    @TempDir
    Path tmp;

    private Path fifo(String name) throws Exception {
        Path at = tmp.resolve(name);
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

    @Test
    void kindsAreNamed() throws Exception {
        assertThat(BoundedFiles.notARegularFile(Files.writeString(tmp.resolve("a.txt"), "x"))).isNull();
        assertThat(BoundedFiles.notARegularFile(tmp.resolve("nope"))).isEqualTo(BoundedFiles.MISSING);
        assertThat(BoundedFiles.notARegularFile(tmp)).isEqualTo("is not a regular file (a folder)");
        assertThat(BoundedFiles.notARegularFile(fifo("f"))).isEqualTo("is not a regular file (a FIFO)");
        if (Files.exists(Path.of("/dev/null"))) {
            assertThat(BoundedFiles.notARegularFile(Path.of("/dev/null")))
                    .isEqualTo("is not a regular file (a character device)");
        }
        assertThatThrownBy(() -> BoundedFiles.requireRegularFile(tmp.resolve("f"), "data file", "pass a .txt file"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("data file " + tmp.resolve("f") + " is not a regular file (a FIFO); pass a .txt file");
    }

    @Test
    void coreReadersNameAFifo() throws Exception {
        Path f = fifo("data.jsonl");
        assertThatThrownBy(() -> TextDatasets.fromFile(f)).hasMessageContaining("is not a regular file (a FIFO)");
        assertThatThrownBy(() -> TrainingRuns.dataset(f)).hasMessageContaining("is not a regular file (a FIFO)");
        assertThatThrownBy(() -> EvalSets.load(f)).hasMessageContaining("is not a regular file (a FIFO)")
                .hasMessageNotContaining("no such file");
        assertThatThrownBy(() -> TrainingRuns.resolveConfig(f, null, java.util.List.of(), null))
                .hasMessageContaining("config file " + f + " is not a regular file (a FIFO)");
    }

    @Test
    void aFifoInACheckpointIsRefusedInsteadOfOpened() throws Exception {
        Path weights = fifo("model.safetensors");
        assertThatThrownBy(() -> SafetensorsReader.readFolderStored(tmp))
                .hasMessageContaining(weights + " is not a regular file (a FIFO)");
        Files.delete(weights);
        Path config = fifo("config.json");
        assertThatThrownBy(() -> dev.quietstar.core.checkpoint.DecoderSpec.read(tmp))
                .hasMessageContaining(config + " is not a regular file (a FIFO)");
        fifo(ThinkingGate.FILE);
        assertThatThrownBy(() -> ThinkingGate.read(tmp)).hasMessageContaining("is not a regular file (a FIFO)");
    }
}
