package dev.quietstar.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quietstar.onnx.export.OnnxExporter;
import dev.quietstar.onnx.export.OnnxLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An export never deletes what it did not write: it used to replace any --output folder, the checkpoint itself, the
 * run around it or a project folder included, and report success.
 */
class ExportDestinationTest {

    @TempDir
    Path tmp;

    private Path checkpoint() throws Exception {
        Path ckpt = tmp.resolve("run/checkpoints/step-000002");
        TinyCheckpointFiles.gpt2(ckpt, 6, 2);
        return ckpt;
    }

    private static void export(Path ckpt, Path out) throws Exception {
        OnnxExporter.builder().setCheckpoint(ckpt).setOutput(out).build().export();
    }

    @Test
    void theCheckpointAndTheFoldersAroundItAreNeverReplaced() throws Exception {
        Path ckpt = checkpoint();
        long files;
        try (var s = Files.walk(tmp)) {
            files = s.count();
        }
        assertThatThrownBy(() -> export(ckpt, ckpt)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is the checkpoint");
        assertThatThrownBy(() -> export(ckpt, tmp.resolve("run"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("holds the checkpoint");
        assertThatThrownBy(() -> export(ckpt, tmp)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("holds the checkpoint");
        try (var s = Files.walk(tmp)) {
            assertThat(s.count()).as("nothing was deleted or added").isEqualTo(files);
        }
        assertThat(ckpt.resolve("model.safetensors")).isRegularFile();
    }

    @Test
    void aFolderOfOtherFilesIsLeftAloneButAnEarlierExportIsReplaced() throws Exception {
        Path ckpt = checkpoint();
        Path project = Files.createDirectories(tmp.resolve("project"));
        Files.writeString(project.resolve("notes.txt"), "keep me");
        assertThatThrownBy(() -> export(ckpt, project)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("holds files but no ONNX export");
        assertThat(project.resolve("notes.txt")).hasContent("keep me");
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        assertThatThrownBy(() -> export(ckpt, file)).hasMessageContaining("is a file");

        Path out = tmp.resolve("onnx");
        export(ckpt, out);
        Files.writeString(out.resolve("stale.txt"), "from the earlier export's folder");
        export(ckpt, out);
        assertThat(out.resolve(OnnxLayout.DECODER_FILE)).isRegularFile();
        assertThat(out.resolve("stale.txt")).as("the earlier export was replaced as a whole").doesNotExist();
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        export(ckpt, empty);
        assertThat(empty.resolve(OnnxLayout.DECODER_FILE)).isRegularFile();
    }

    @Test
    void aDecoderGraphCopiedFromAnotherExportIsRefused() throws Exception {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        TinyCheckpointFiles.gpt2(a, 1, 2);
        TinyCheckpointFiles.gpt2(b, 2, 2);
        Path outA = tmp.resolve("a-onnx");
        Path outB = tmp.resolve("b-onnx");
        export(a, outA);
        export(b, outB);
        dev.quietstar.onnx.infer.OnnxReasoner.open(outA).close();
        Files.copy(outB.resolve(OnnxLayout.DECODER_FILE), outA.resolve(OnnxLayout.DECODER_FILE),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        // it used to run b's decoder with a's mixing head and report nothing
        assertThatThrownBy(() -> dev.quietstar.onnx.infer.OnnxReasoner.open(outA))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("come from different exports");
    }
}
