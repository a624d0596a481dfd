package dev.quietstar.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quietstar.onnx.export.OnnxExporter;
import dev.quietstar.onnx.export.OnnxLayout;
import dev.quietstar.onnx.infer.OnnxReasoner;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Errors at the boundary: export of a broken checkpoint and loading of an export that does not match. */
class ExportedModelValidationTest {

    @TempDir
    Path tmp;

    private Path exported() throws Exception {
        Path ckpt = TinyCheckpointFiles.gpt2(tmp.resolve("ckpt"), 1, 2);
        return OnnxExporter.builder().setCheckpoint(ckpt).setOutput(tmp.resolve("onnx")).build().export().folder();
    }

    @Test
    void aConfigThatDoesNotMatchTheGraphNamesTheMissingInputs() throws Exception {
        Path out = exported();
        Path config = out.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("\"n_layer\":2", "\"n_layer\":3"));
        assertThatThrownBy(() -> OnnxReasoner.open(out)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("past_key_values.2.key").hasMessageContaining("model.onnx");
    }

    @Test
    void aWrongHiddenSizeNamesTheOutputAndItsShape() throws Exception {
        Path out = exported();
        // The mixing head of another width: a graph whose shapes do not match config.json.
        Path other = TinyCheckpointFiles.gpt2(tmp.resolve("ckpt2"), 1, 2);
        Path config = other.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("\"vocab_size\":261", "\"vocab_size\":262"));
        Files.copy(config, out.resolve("config.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThatThrownBy(() -> OnnxReasoner.open(out)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'logits'").hasMessageContaining("262");
    }

    @Test
    void aMissingGraphOrAnOldOpsetIsRefused() throws Exception {
        Path out = exported();
        Files.delete(out.resolve(OnnxLayout.MIXING_HEAD_FILE));
        assertThatThrownBy(() -> OnnxReasoner.open(out)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(OnnxLayout.MIXING_HEAD_FILE).hasMessageContaining("export-onnx");
        Files.write(out.resolve(OnnxLayout.MIXING_HEAD_FILE), ai.onnx.proto.OnnxMl.ModelProto.newBuilder()
                .setIrVersion(7).addOpsetImport(ai.onnx.proto.OnnxMl.OperatorSetIdProto.newBuilder().setVersion(13))
                .build().toByteArray());
        assertThatThrownBy(() -> OnnxReasoner.open(out)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("opset 13").hasMessageContaining(">= 17");
    }

    @Test
    void aCheckpointMissingATensorIsNamedAtExport() throws Exception {
        Path ckpt = TinyCheckpointFiles.gpt2(tmp.resolve("ckpt"), 1, 2);
        var tensors = dev.quietstar.core.checkpoint.SafetensorsReader.read(ckpt.resolve("model.safetensors"));
        var shapes = new java.util.LinkedHashMap<String, long[]>();
        var data = new java.util.LinkedHashMap<String, float[]>();
        tensors.forEach((k, v) -> {
            if (!k.equals("quietstar.mixing_head.2.bias")) {
                shapes.put(k, v.shape());
                data.put(k, v.data());
            }
        });
        TinyCheckpointFiles.writeSafetensors(ckpt.resolve("model.safetensors"), shapes, data);
        assertThatThrownBy(() -> OnnxExporter.builder().setCheckpoint(ckpt).setOutput(tmp.resolve("x")).build()
                .export()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("quietstar.mixing_head.2.bias");
        assertThat(tmp.resolve("x")).doesNotExist();
    }

    @Test
    void theBackendOpensACheckpointThroughATemporaryExportAndRefusesOtherFolders() throws Exception {
        Path ckpt = TinyCheckpointFiles.gpt2(tmp.resolve("ckpt"), 1, 2);
        Path exported = OnnxExporter.builder().setCheckpoint(ckpt).setOutput(tmp.resolve("onnx")).build().export()
                .folder();
        var options = dev.quietstar.api.GenerationOptions.defaults(6);
        try (var fromCheckpoint = new OnnxBackendProvider().create().openReasoner(ckpt);
                OnnxReasoner fromExport = OnnxReasoner.open(exported)) {
            assertThat(fromCheckpoint.generate("abc", options).traces())
                    .isEqualTo(fromExport.generate("abc", options).traces());
        }
        Files.createDirectories(tmp.resolve("empty"));
        assertThatThrownBy(() -> new OnnxBackendProvider().create().openReasoner(tmp.resolve("empty")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("quietstar.json");
    }
}
