package dev.quietstar.examples.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.quietstar.core.llama2c.Llama2cCheckpoint;
import dev.quietstar.core.llama2c.Llama2cHeader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The parts of figure 7 that need neither gcc nor timings: the random model files, run.c's report, the limits. */
class RealShapeDecodeTest {

    @TempDir
    Path dir;

    private static final Llama2cHeader TINY = new Llama2cHeader(32, 48, 2, 4, 2, 300, 16, true);

    @Test
    void randomModelIsALegacyFileTheReaderAcceptsWithItsShapes() throws Exception {
        Path bin = Llama2cWriter.ensureRandom(dir.resolve("tiny.bin"), TINY, 7);
        assertThat(Files.size(bin)).isEqualTo(TINY.expectedFileBytes());
        Llama2cCheckpoint c = Llama2cCheckpoint.read(bin);
        assertThat(c.header()).isEqualTo(TINY);
        Map<String, Llama2cCheckpoint.Tensor> t = c.tensors();
        assertThat(t.get("model.embed_tokens.weight").shape()).containsExactly(300, 32);
        assertThat(t.get("model.layers.1.self_attn.q_proj.weight").shape()).containsExactly(32, 32);
        assertThat(t.get("model.layers.1.self_attn.k_proj.weight").shape()).containsExactly(16, 32);
        assertThat(t.get("model.layers.0.mlp.down_proj.weight").shape()).containsExactly(32, 48);
        assertThat(t.get("model.layers.0.mlp.up_proj.weight").shape()).containsExactly(48, 32);
        assertThat(t).doesNotContainKey("lm_head.weight");
        assertThat(t.get("model.norm.weight").data()).containsOnly(1f);
        assertThat(t.get("model.layers.1.input_layernorm.weight").data()).containsOnly(1f);
        float[] emb = t.get("model.embed_tokens.weight").data();
        for (int i = 0; i < emb.length; i++) {
            int row = i / 32;
            if (row == 1 || row == 2) {
                assertThat(emb[i]).isZero();
            } else {
                assertThat(Math.abs(emb[i])).isLessThanOrEqualTo(Llama2cWriter.SCALE);
            }
        }
        float[] wv = t.get("model.layers.0.self_attn.v_proj.weight").data();
        boolean anyNonZero = false;
        for (float v : wv) {
            assertThat(Math.abs(v)).isLessThanOrEqualTo(Llama2cWriter.SCALE);
            anyNonZero |= v != 0f;
        }
        assertThat(anyNonZero).isTrue();

        // A second call reuses the file; the same seed writes the same bytes.
        byte[] first = Files.readAllBytes(bin);
        long modified = Files.getLastModifiedTime(bin).toMillis();
        Llama2cWriter.ensureRandom(bin, TINY, 7);
        assertThat(Files.getLastModifiedTime(bin).toMillis()).isEqualTo(modified);
        Llama2cWriter.writeRandom(dir.resolve("again.bin"), TINY, 7);
        assertThat(Files.readAllBytes(dir.resolve("again.bin"))).isEqualTo(first);
    }

    @Test
    void untiedRandomModelCarriesItsClassifier() {
        Llama2cHeader untied = new Llama2cHeader(16, 24, 1, 2, 2, 64, 8, false);
        Path bin = dir.resolve("untied.bin");
        try {
            Llama2cWriter.writeRandom(bin, untied, 1);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Llama2cCheckpoint c = Llama2cCheckpoint.read(bin);
        assertThat(c.header()).isEqualTo(untied);
        assertThat(c.tensors().get("lm_head.weight").shape()).containsExactly(64, 16);
    }

    @Test
    void runCSpeedIsTheNumberOfItsLastAchievedLine() {
        assertThat(RunC.parseTokensPerSecond("achieved tok/s: 2865.168539\n").getAsDouble()).isEqualTo(2865.168539);
        assertThat(RunC.parseTokensPerSecond("some warning\nachieved tok/s: 12.5\nachieved tok/s: 13.25\n")
                .getAsDouble()).isEqualTo(13.25);
        assertThat(RunC.parseTokensPerSecond("")).isEmpty();
        assertThat(RunC.parseTokensPerSecond("achieved tok/s: inf\n")).isEmpty();
        assertThat(RunC.parseTokensPerSecond("achieved tok/s: -nan\n")).isEmpty();
        assertThat(RunC.parseTokensPerSecond("achieved tok/s: 0.000000\n")).isEmpty();
        assertThat(RunC.compileCommand()).isEqualTo("gcc -O3 -fopenmp -o run run.c -lm");
        assertThat(RunC.class.getResource(RunC.RESOURCES + "run.c")).isNotNull();
        assertThat(RunC.class.getResource(RunC.RESOURCES + "LICENSE")).isNotNull();
    }

    @Test
    void bandwidthLimitIsBandwidthOverTheWeightBytes() {
        // 6M shape: 512 x 288 embedding, 6 x (2 x 288 norms + 4 x 288^2 attention + 3 x 288 x 768 MLP), final norm.
        long floats6M = 512L * 288 + 6L * (2 * 288 + 4L * 288 * 288 + 3L * 288 * 768) + 288;
        assertThat(Bandwidth.weightBytes(RealShapeDecode.SHAPE_6M)).isEqualTo(4 * floats6M);
        long floats85M = 512L * 768 + 12L * (2 * 768 + 4L * 768 * 768 + 3L * 768 * 2048) + 768;
        assertThat(Bandwidth.weightBytes(RealShapeDecode.SHAPE_85M)).isEqualTo(4 * floats85M);
        assertThat(floats85M).isBetween(85_000_000L, 86_000_000L);
        long tinyFloats = 300L * 32 + 2L * (2 * 32 + 2L * 32 * 32 + 2L * 16 * 32 + 3L * 48 * 32) + 32;
        assertThat(Bandwidth.weightBytes(TINY)).isEqualTo(4 * tinyFloats);

        assertThat(Bandwidth.limitTokensPerSecond(10e9, 400_000_000L)).isCloseTo(25.0, within(1e-12));
        Stats limit = Bandwidth.limit(Stats.of(new double[] {8, 10, 12}), 400_000_000L);
        assertThat(limit.min()).isCloseTo(20.0, within(1e-9));
        assertThat(limit.median()).isCloseTo(25.0, within(1e-9));
        assertThat(limit.max()).isCloseTo(30.0, within(1e-9));
        assertThatThrownBy(() -> Bandwidth.limitTokensPerSecond(1e9, 0)).hasMessageContaining("> 0");

        // The measurement itself runs (no timing is asserted).
        Stats gbs = Bandwidth.measure(new float[1 << 16], 2, 1, 2);
        assertThat(gbs.runs()).hasSize(2);
        assertThat(gbs.min()).isPositive();
    }
}
