package dev.quietstar.core.gate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ThinkingGateTest {

    @TempDir
    Path dir;

    private static ThinkingGate randomGate(int h, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] w = new float[h + ThinkingGate.DISTRIBUTION_FEATURES];
        for (int k = 0; k < w.length; k++) {
            w[k] = (float) (rng.nextGaussian() * Math.pow(10, rng.nextInt(-8, 3)));
        }
        return new ThinkingGate(h, w, (float) rng.nextGaussian() * 1e-3f, 1234, 0.5, 0.25);
    }

    @Test
    void writeThenReadGivesTheSameBitsAndPredictions() throws IOException {
        ThinkingGate gate = randomGate(17, 3);
        gate.write(dir);
        ThinkingGate back = ThinkingGate.read(dir).orElseThrow();
        assertThat(back).isEqualTo(gate);
        float[] a = gate.weights();
        float[] b = back.weights();
        for (int k = 0; k < a.length; k++) {
            assertThat(Float.floatToIntBits(b[k])).as("weight %d", k).isEqualTo(Float.floatToIntBits(a[k]));
        }
        assertThat(Float.floatToIntBits(back.bias())).isEqualTo(Float.floatToIntBits(gate.bias()));
        assertThat(back.trainedPositions()).isEqualTo(1234);
        assertThat(back.meanSquaredError()).isEqualTo(0.5);
        float[] hidden = new float[17];
        for (int k = 0; k < hidden.length; k++) {
            hidden[k] = k * 0.1f - 0.7f;
        }
        assertThat(back.predict(hidden, 0, 1.5, -0.3)).isEqualTo(gate.predict(hidden, 0, 1.5, -0.3));
    }

    @Test
    void aFolderWithoutTheFileHasNoGate() {
        assertThat(ThinkingGate.read(dir)).isEmpty();
    }

    @Test
    void malformedFilesGetErrorsNamingTheFile() throws IOException {
        Files.writeString(dir.resolve(ThinkingGate.FILE), "{\"format_version\": 1, \"hidden_size\": 4, "
                + "\"weights\": [1, 2], \"bias\": 0, \"trained_positions\": 0}");
        assertThatThrownBy(() -> ThinkingGate.read(dir)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(ThinkingGate.FILE).hasMessageContaining("needs 6 weights");
        Files.writeString(dir.resolve(ThinkingGate.FILE), "{\"format_version\": 9}");
        assertThatThrownBy(() -> ThinkingGate.read(dir)).hasMessageContaining("format_version 9");
        Files.writeString(dir.resolve(ThinkingGate.FILE), "not json");
        assertThatThrownBy(() -> ThinkingGate.read(dir)).hasMessageContaining("malformed");
    }

    @Test
    void theGateRefusesAnotherModelsWidthAndNonFiniteWeights() {
        assertThatThrownBy(() -> ThinkingGate.zero(8).checkHiddenSize(16))
                .hasMessageContaining("width 8").hasMessageContaining("16");
        assertThatThrownBy(() -> new ThinkingGate(1, new float[] {0, Float.NaN, 0}, 0, 0, 0, 0))
                .hasMessageContaining("weight 1");
        assertThat(ThinkingGate.missing("checkpoint X").getMessage()).contains("checkpoint X")
                .contains(ThinkingGate.FILE).contains("gate.enabled");
    }

    @Test
    void distributionFeaturesLeaveOutTheMetaTokensAndMatchTheLogProbForm() {
        float[] logits = {2f, 1f, 0f, 50f, -1f};
        double[] f = ThinkingGate.distributionFeatures(logits, 0, 5, 3, -1);
        double z = Math.exp(2) + Math.exp(1) + Math.exp(0) + Math.exp(-1);
        double entropy = 0;
        float[] logProbs = new float[5];
        for (int k = 0; k < 5; k++) {
            if (k == 3) {
                logProbs[k] = -1e10f;
                continue;
            }
            double lp = logits[k] - Math.log(z);
            logProbs[k] = (float) lp;
            entropy -= Math.exp(lp) * lp;
        }
        assertThat(f[0]).isCloseTo(entropy, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(f[1]).isCloseTo(2 - Math.log(z), org.assertj.core.data.Offset.offset(1e-12));
        double[] g = ThinkingGate.logProbFeatures(logProbs, 0, 5);
        assertThat(g[0]).isCloseTo(f[0], org.assertj.core.data.Offset.offset(1e-6));
        assertThat(g[1]).isCloseTo(f[1], org.assertj.core.data.Offset.offset(1e-6));
    }
}
