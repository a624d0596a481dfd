package dev.quietstar.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quietstar.core.io.OutputFolder;
import dev.quietstar.core.io.OutputKind;
import dev.quietstar.onnx.export.OnnxExporter;
import dev.quietstar.onnx.export.OnnxLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An export never deletes what it did not write: it used to replace any --output folder, the checkpoint itself, the
 * run around it or a project folder included, and report success; later it replaced an earlier export unasked.
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
        export(ckpt, out, false);
    }

    private static void export(Path ckpt, Path out, boolean replace) throws Exception {
        OnnxExporter.builder().setCheckpoint(ckpt).setOutput(out).replaceExisting(replace).build().export();
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
    void aFolderOfOtherFilesIsLeftAloneAndAnEarlierExportIsReplacedOnlyWhenAsked() throws Exception {
        Path ckpt = checkpoint();
        Path project = Files.createDirectories(tmp.resolve("project"));
        Files.writeString(project.resolve("notes.txt"), "keep me");
        for (boolean replace : new boolean[] {false, true}) {
            assertThatThrownBy(() -> export(ckpt, project, replace)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("holds files but no ONNX export");
        }
        assertThat(project.resolve("notes.txt")).hasContent("keep me");
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        assertThatThrownBy(() -> export(ckpt, file, true)).hasMessageContaining("is a file");
        assertThatThrownBy(() -> export(ckpt, ckpt, true)).hasMessageContaining("is the checkpoint");

        Path out = tmp.resolve("onnx");
        export(ckpt, out);
        Files.writeString(out.resolve("stale.txt"), "from the earlier export's folder");
        // an earlier export used to be replaced without being asked
        assertThatThrownBy(() -> export(ckpt, out)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("already exists and holds an earlier ONNX export")
                .hasMessageContaining("--replace");
        assertThat(out.resolve("stale.txt")).exists();
        export(ckpt, out, true);
        assertThat(out.resolve(OnnxLayout.DECODER_FILE)).isRegularFile();
        assertThat(out.resolve("stale.txt")).as("the earlier export was replaced as a whole").doesNotExist();
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        export(ckpt, empty);
        assertThat(empty.resolve(OnnxLayout.DECODER_FILE)).isRegularFile();
        // an export written before the marker existed is recognised by its two graphs
        Files.delete(empty.resolve(OutputKind.MARKER_FILE));
        assertThatThrownBy(() -> export(ckpt, empty)).hasMessageContaining("earlier ONNX export");
        export(ckpt, empty, true);
        assertThat(empty.resolve(OutputKind.MARKER_FILE)).isRegularFile();
    }

    @Test
    void twoExportsIntoOneFolderAtOnceAreRefusedNamingTheWriter() throws Exception {
        Path ckpt = checkpoint();
        Path out = tmp.resolve("busy-onnx");
        try (OutputFolder.Claim held = OutputFolder.builder(out, OnnxExporter.KIND).build().claim()) {
            assertThatThrownBy(() -> export(ckpt, out, true)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("process " + ProcessHandle.current().pid());
        }
        assertThat(out).doesNotExist();
        export(ckpt, out);
        assertThat(out.resolve(OnnxLayout.MIXING_HEAD_FILE)).isRegularFile();
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
