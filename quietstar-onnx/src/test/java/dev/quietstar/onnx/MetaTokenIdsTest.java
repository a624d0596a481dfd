package dev.quietstar.onnx;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quietstar.core.checkpoint.CheckpointInfo;
import dev.quietstar.onnx.export.OnnxExporter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Meta-token ids that are equal, or outside the vocabulary, are refused by field name when a checkpoint or an export
 * is read: they used to be accepted (equal ids) or to fail as an internal error (out of range).
 */
class MetaTokenIdsTest {

    @TempDir
    Path tmp;

    private Path checkpointWith(String from, String to) throws Exception {
        Path ckpt = tmp.resolve("ckpt");
        TinyCheckpointFiles.gpt2(ckpt, 7, 2);
        Path meta = ckpt.resolve("quietstar.json");
        String json = Files.readString(meta);
        Files.writeString(meta, json.replaceFirst(from, to));
        return ckpt;
    }

    @Test
    void equalOrOutOfRangeMetaTokenIdsAreRefusedByName() throws Exception {
        CheckpointInfo info = CheckpointInfo.read(checkpointWith("x^", "x^"));
        Path same = checkpointWith("\"end_token_id\"\\s*:\\s*\\d+", "\"end_token_id\" : " + info.startTokenId());
        assertThatThrownBy(() -> OnnxExporter.builder().setCheckpoint(same).setOutput(tmp.resolve("o1")).build()
                .export()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("start_token_id and end_token_id are both " + info.startTokenId());
        assertThatThrownBy(() -> CheckpointInfo.checkMetaTokenIds(3, 900, 261, tmp))
                .hasMessageContaining("end_token_id must be in 0..260 (the model's vocabulary), was 900");
        assertThatThrownBy(() -> CheckpointInfo.checkMetaTokenIds(-1, 5, 261, tmp))
                .hasMessageContaining("start_token_id must be in 0..260");
        CheckpointInfo.checkMetaTokenIds(259, 260, 261, tmp);
    }
}
