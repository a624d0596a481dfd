package dev.quietstar.core.gate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class GateTrainerTest {

    private static final int H = 6;

    /** A batch whose target is a known linear function of the features plus noise. */
    private static double[][] batch(SplittableRandom rng, int n, float[] hidden, double[] dist) {
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            double t = 0.01;
            for (int k = 0; k < H; k++) {
                hidden[i * H + k] = (float) rng.nextGaussian();
                t += 0.02 * (k - 2) * hidden[i * H + k];
            }
            dist[2 * i] = rng.nextDouble() * 3;
            dist[2 * i + 1] = -rng.nextDouble() * 2;
            t += 0.03 * dist[2 * i] + 0.005 * rng.nextGaussian();
            y[i] = t;
        }
        return new double[][] {y};
    }

    @Test
    void theLossFallsToTheNoiseLevelAndTheWeightsAreRecovered() {
        GateTrainer trainer = new GateTrainer(ThinkingGate.zero(H), 0.98);
        SplittableRandom rng = new SplittableRandom(5);
        int n = 64;
        double first = Double.NaN;
        double last = Double.NaN;
        for (int b = 0; b < 40; b++) {
            float[] hidden = new float[n * H];
            double[] dist = new double[2 * n];
            double[] y = batch(rng, n, hidden, dist)[0];
            double loss = trainer.update(hidden, dist, y, n);
            if (b == 0) {
                first = loss;
            }
            last = loss;
        }
        assertThat(last).as("half squared error, last batch vs first").isLessThan(first / 20);
        assertThat(last).isLessThan(0.5 * 0.005 * 0.005 * 2);
        ThinkingGate gate = trainer.gate();
        float[] w = gate.weights();
        for (int k = 0; k < H; k++) {
            assertThat(w[k]).as("weight %d", k).isCloseTo((float) (0.02 * (k - 2)),
                    org.assertj.core.data.Offset.offset(0.003f));
        }
        assertThat(w[H]).isCloseTo(0.03f, org.assertj.core.data.Offset.offset(0.003f));
        assertThat(gate.trainedPositions()).isEqualTo(40L * n);
        assertThat(gate.meanSquaredError()).isLessThan(gate.targetVariance());
    }

    @Test
    void aRestoredTrainerContinuesExactly() {
        GateTrainer a = new GateTrainer(ThinkingGate.zero(H), 0.9);
        SplittableRandom rng = new SplittableRandom(1);
        int n = 16;
        float[][] hs = new float[6][n * H];
        double[][] ds = new double[6][2 * n];
        double[][] ys = new double[6][];
        for (int b = 0; b < 6; b++) {
            ys[b] = batch(rng, n, hs[b], ds[b])[0];
        }
        for (int b = 0; b < 3; b++) {
            a.update(hs[b], ds[b], ys[b], n);
        }
        GateTrainer b = new GateTrainer(a.gate(), 0.9);
        b.restore(a.state());
        for (int k = 3; k < 6; k++) {
            assertThat(b.update(hs[k], ds[k], ys[k], n)).isEqualTo(a.update(hs[k], ds[k], ys[k], n));
        }
        assertThat(b.gate()).isEqualTo(a.gate());
    }

    @Test
    void badInputIsRejected() {
        assertThatThrownBy(() -> new GateTrainer(ThinkingGate.zero(H), 0)).hasMessageContaining("forgetting");
        GateTrainer t = new GateTrainer(ThinkingGate.zero(H), 0.98);
        assertThat(t.update(new float[0], new double[0], new double[0], 0)).isNaN();
        assertThatThrownBy(() -> t.update(new float[H], new double[] {Double.NaN, 0}, new double[] {0}, 1))
                .hasMessageContaining("non-finite");
        assertThatThrownBy(() -> t.restore(new GateTrainer(ThinkingGate.zero(H + 1), 0.98).state()))
                .hasMessageContaining("hidden size " + H);
    }
}
