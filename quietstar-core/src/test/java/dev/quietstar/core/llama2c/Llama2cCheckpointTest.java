package dev.quietstar.core.llama2c;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The llama2.c weight reader on the real model and on broken files. */
class Llama2cCheckpointTest {

    @TempDir
    Path dir;

    @Test
    void readsTheRealModelIntoHuggingFaceNamesWithGroupedQueryHeads() {
        Llama2cCheckpoint c = Llama2cCheckpoint.read(Stories260K.weights());
        Llama2cHeader h = c.header();
        assertThat(h).isEqualTo(new Llama2cHeader(64, 172, 5, 8, 4, 512, 512, true));
        assertThat(h.kvDim()).isEqualTo(32);
        assertThat(c.tensors()).hasSize(2 + 5 * 9).containsKeys("model.embed_tokens.weight", "model.norm.weight",
                "model.layers.4.self_attn.k_proj.weight", "model.layers.0.mlp.down_proj.weight")
                .doesNotContainKey("lm_head.weight");
        assertThat(c.tensors().get("model.layers.0.self_attn.k_proj.weight").shape()).containsExactly(32, 64);
        assertThat(c.tensors().get("model.layers.0.mlp.down_proj.weight").shape()).containsExactly(64, 172);
        assertThat(c.huggingFaceConfig().get("num_key_value_heads").asInt()).isEqualTo(4);
        assertThat(c.huggingFaceConfig().get("tie_word_embeddings").asBoolean()).isTrue();
    }

    @Test
    void queryRowsMoveFromInterleavedPairsToHalvesWithinEachHead() {
        // 2 heads of size 4, one column: llama2.c rows (per head) r0 i0, r0 i1 (pair 0), r1 i0, r1 i1 (pair 1).
        float[] w = {0, 1, 2, 3, 10, 11, 12, 13};
        assertThat(Llama2cCheckpoint.interleavedToHalves(w, 2, 4, 1)).containsExactly(0, 2, 1, 3, 10, 12, 11, 13);
    }

    @Test
    void truncatedFileIsRejectedWithBothSizes() throws IOException {
        byte[] all = Files.readAllBytes(Stories260K.weights());
        Path f = dir.resolve("cut.bin");
        Files.write(f, Arrays.copyOf(all, all.length - 100));
        assertThatThrownBy(() -> Llama2cCheckpoint.read(f)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cut.bin").hasMessageContaining("truncated")
                .hasMessageContaining(String.valueOf(all.length));
    }

    @Test
    void fileShorterThanTheHeaderIsRejected() throws IOException {
        Path f = dir.resolve("tiny.bin");
        Files.write(f, new byte[10]);
        assertThatThrownBy(() -> Llama2cCheckpoint.read(f)).hasMessageContaining("shorter than the 28-byte header");
    }

    @Test
    void newerVersionsAreRejectedByTheirMagic() throws IOException {
        Path f = header("v2.bin", Llama2cCheckpoint.MAGIC, 2, 64, 172, 5, 8, 4);
        assertThatThrownBy(() -> Llama2cCheckpoint.read(f)).hasMessageContaining("version 2")
                .hasMessageContaining("only legacy version 0");
    }

    @Test
    void negativeSizesAreRejectedNamingTheField() throws IOException {
        Path f = header("neg.bin", 64, 172, -5, 8, 4, 512, 512);
        assertThatThrownBy(() -> Llama2cCheckpoint.read(f)).hasMessageContaining("n_layers must be in 1..")
                .hasMessageContaining("was -5");
    }

    @Test
    void hugeDimensionsAreRejectedBeforeAnyAllocation() throws IOException {
        Path big = header("big.bin", 1 << 20, 1 << 20, 4096, 8, 4, 1 << 20, 1 << 20);
        assertThatThrownBy(() -> Llama2cCheckpoint.read(big)).hasMessageContaining("truncated")
                .hasMessageContaining("implies");
        Path absurd = header("absurd.bin", Integer.MAX_VALUE, 172, 5, 8, 4, 512, 512);
        assertThatThrownBy(() -> Llama2cCheckpoint.read(absurd)).hasMessageContaining("dim must be in 1..");
    }

    @Test
    void inconsistentHeadsAreRejected() throws IOException {
        Path f = header("heads.bin", 64, 172, 5, 8, 3, 512, 512);
        assertThatThrownBy(() -> Llama2cCheckpoint.read(f)).hasMessageContaining("multiple of n_kv_heads");
        Path g = header("odd.bin", 63, 172, 5, 9, 9, 512, 512);
        assertThatThrownBy(() -> Llama2cCheckpoint.read(g)).hasMessageContaining("must be even");
    }

    @Test
    void trailingBytesAreRejected() throws IOException {
        byte[] all = Files.readAllBytes(Stories260K.weights());
        Path f = dir.resolve("long.bin");
        Files.write(f, Arrays.copyOf(all, all.length + 4));
        assertThatThrownBy(() -> Llama2cCheckpoint.read(f)).hasMessageContaining("trailing data");
    }

    @Test
    void missingFileIsNamed() {
        Path f = dir.resolve("nope.bin");
        assertThatThrownBy(() -> Llama2cCheckpoint.read(f)).hasMessageContaining("nope.bin")
                .hasMessageContaining("does not exist");
    }

    private Path header(String name, int... values) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            b.putInt(v);
        }
        Path f = dir.resolve(name);
        Files.write(f, b.array());
        return f;
    }
}
