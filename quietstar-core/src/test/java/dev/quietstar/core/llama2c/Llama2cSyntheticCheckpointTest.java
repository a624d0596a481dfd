package dev.quietstar.core.llama2c;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tiny llama2.c file with an untied classifier whose floats are numbered 0, 1, 2, ... in file order, so every
 * tensor shows exactly which bytes it was read from.
 */
class Llama2cSyntheticCheckpointTest {

    // dim 8, hidden 6, 1 layer, 2 heads of 4, 1 kv head, vocab 5 (negative: untied), seq_len 3
    private static final int D = 8;
    private static final int HID = 6;
    private static final int V = 5;
    private static final int KV = 4;
    private static final int SEQ = 3;
    private static final int HS = 4;

    @TempDir
    Path dir;

    /** Floats in llama2.c order: embed, rms_att, wq, wk, wv, wo, rms_ffn, w1, w2, w3, rms_final, freq, lm_head. */
    private static final int[] SIZES = {V * D, D, D * D, KV * D, KV * D, D * D, D, HID * D, D * HID, HID * D, D,
        SEQ * HS, V * D};

    private static int offset(int part) {
        int o = 0;
        for (int i = 0; i < part; i++) {
            o += SIZES[i];
        }
        return o;
    }

    private Path write(int vocabField, int extraFloats) throws Exception {
        int floats = offset(SIZES.length) + extraFloats;
        ByteBuffer b = ByteBuffer.allocate(28 + 4 * floats).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(D).putInt(HID).putInt(1).putInt(2).putInt(1).putInt(vocabField).putInt(SEQ);
        for (int i = 0; i < floats; i++) {
            b.putFloat(i);
        }
        Path f = dir.resolve("tiny" + vocabField + "_" + extraFloats + ".bin");
        Files.write(f, b.array());
        return f;
    }

    private static float[] range(int from, int n) {
        float[] r = new float[n];
        for (int i = 0; i < n; i++) {
            r[i] = from + i;
        }
        return r;
    }

    /** HuggingFace row r of a head-interleaved matrix: rows (2i, 2i+1) of a head become rows (i, half + i). */
    private static float[] halves(int from, int heads, int cols) {
        float[] out = new float[heads * HS * cols];
        int half = HS / 2;
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < half; i++) {
                for (int j = 0; j < 2; j++) {
                    int srcRow = h * HS + 2 * i + j;
                    int dstRow = h * HS + j * half + i;
                    for (int c = 0; c < cols; c++) {
                        out[dstRow * cols + c] = from + srcRow * cols + c;
                    }
                }
            }
        }
        return out;
    }

    @Test
    void everyTensorIsReadFromItsPlaceAndTheClassifierAfterTheSkippedFrequencies() throws Exception {
        Path f = write(-V, 0);
        Llama2cCheckpoint c = Llama2cCheckpoint.read(f);
        assertThat(c.file()).isEqualTo(f);
        assertThat(c.header()).isEqualTo(new Llama2cHeader(D, HID, 1, 2, 1, V, SEQ, false));
        assertThat(c.header().expectedFileBytes()).isEqualTo(Files.size(f));
        Map<String, Llama2cCheckpoint.Tensor> t = c.tensors();
        String p = "model.layers.0.";
        assertThat(t.get("model.embed_tokens.weight").data()).containsExactly(range(0, V * D));
        assertThat(t.get("model.embed_tokens.weight").shape()).containsExactly(V, D);
        assertThat(t.get(p + "input_layernorm.weight").data()).containsExactly(range(offset(1), D));
        assertThat(t.get(p + "self_attn.q_proj.weight").data()).containsExactly(halves(offset(2), 2, D));
        assertThat(t.get(p + "self_attn.k_proj.weight").data()).containsExactly(halves(offset(3), 1, D));
        assertThat(t.get(p + "self_attn.k_proj.weight").shape()).containsExactly(KV, D);
        assertThat(t.get(p + "self_attn.v_proj.weight").data()).containsExactly(range(offset(4), KV * D));
        assertThat(t.get(p + "self_attn.o_proj.weight").data()).containsExactly(range(offset(5), D * D));
        assertThat(t.get(p + "post_attention_layernorm.weight").data()).containsExactly(range(offset(6), D));
        assertThat(t.get(p + "mlp.gate_proj.weight").data()).containsExactly(range(offset(7), HID * D));
        assertThat(t.get(p + "mlp.down_proj.weight").data()).containsExactly(range(offset(8), D * HID));
        assertThat(t.get(p + "mlp.down_proj.weight").shape()).containsExactly(D, HID);
        assertThat(t.get(p + "mlp.up_proj.weight").data()).containsExactly(range(offset(9), HID * D));
        assertThat(t.get("model.norm.weight").data()).containsExactly(range(offset(10), D));
        assertThat(t.get("lm_head.weight").data()).containsExactly(range(offset(12), V * D));
    }

    @Test
    void aTiedClassifierHasNoLmHeadAndTheSizeMustMatchExactly() throws Exception {
        // a positive vocab_size: the same floats minus the classifier
        Path tied = write(V, -V * D);
        assertThat(Llama2cCheckpoint.read(tied).tensors()).doesNotContainKey("lm_head.weight")
                .containsKey("model.norm.weight");
        Path longer = write(-V, 1);
        assertThatThrownBy(() -> Llama2cCheckpoint.read(longer)).hasMessageContaining("trailing data");
        Path shorter = write(-V, -1);
        assertThatThrownBy(() -> Llama2cCheckpoint.read(shorter)).hasMessageContaining("the file is truncated");
        Path headerOnly = dir.resolve("header.bin");
        Files.write(headerOnly, ByteBuffer.allocate(28).order(ByteOrder.LITTLE_ENDIAN).putInt(D).putInt(HID)
                .putInt(1).putInt(2).putInt(1).putInt(V).putInt(SEQ).array());
        assertThatThrownBy(() -> Llama2cCheckpoint.read(headerOnly)).hasMessageContaining("has 28 bytes but");
    }

    @Test
    void headerFieldsMayReachTheirMaximum() {
        Llama2cHeader max = new Llama2cHeader(1 << 20, 1 << 20, 4096, 4096, 4096, 1 << 20, 1 << 20, true);
        assertThat(max.headSize()).isEqualTo(256);
        assertThatThrownBy(() -> new Llama2cHeader(8, 6, 4097, 2, 1, 5, 3, true))
                .hasMessageContaining("n_layers must be in 1..4096, was 4097 (not a llama2.c model");
        assertThatThrownBy(() -> new Llama2cHeader(8, 6, 0, 2, 1, 5, 3, true))
                .hasMessage("llama2.c header: n_layers must be in 1..4096, was 0");
    }
}
