package dev.quietstar.core.gate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The thinking gate's prediction and the trainer's ridge solve, Gram accumulation and running averages, each
 * against a hand computation (the solve against an independent Gaussian elimination).
 */
class GateArithmeticTest {

    private static final int H = 2;
    private static final int D = H + ThinkingGate.DISTRIBUTION_FEATURES + 1;

    @TempDir
    Path tmp;

    @Test
    void predictIsTheDotProductOfWeightsWithHiddenStateAndDistributionFeaturesPlusBias() {
        ThinkingGate gate = new ThinkingGate(3, new float[] {0.5f, -2f, 0.25f, 0.75f, 1.5f}, 0.125f, 7, 0.2, 0.3);
        float[] hidden = {9f, 9f, 1f, 2f, -4f, 9f};
        double expected = 0.125 + 0.5 * 1 - 2 * 2 + 0.25 * -4 + 0.75 * 0.4 + 1.5 * -0.3;
        assertThat(gate.predict(hidden, 2, 0.4, -0.3)).isCloseTo(expected, within(1e-12));
        // from logits: the meta-tokens (ids 2 and 3 of the row) are left out, leaving p = (1/4, 3/4)
        float[] logits = {70f, 0f, (float) Math.log(3), 60f, 60f, 70f};
        double entropy = -(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75));
        double maxLogProb = Math.log(0.75);
        double[] f = ThinkingGate.distributionFeatures(logits, 1, 4, 2, 3);
        assertThat(f[0]).isCloseTo(entropy, within(1e-7));
        assertThat(f[1]).isCloseTo(maxLogProb, within(1e-7));
        double viaLogits = 0.125 + 0.5 * 1 - 2 * 2 + 0.25 * -4 + 0.75 * entropy + 1.5 * maxLogProb;
        assertThat(gate.predictFromLogits(hidden, 2, logits, 1, 4, 2, 3)).isCloseTo(viaLogits, within(1e-6));
    }

    @Test
    void logProbFeaturesSkipMaskedEntries() {
        double[] f = ThinkingGate.logProbFeatures(new float[] {-1e9f, -2e9f}, 0, 2);
        assertThat(f[0]).isZero();
        assertThat(f[1]).isEqualTo(Double.NEGATIVE_INFINITY);
    }

    @Test
    void aWrittenGateKeepsItsStatisticsAndUnknownOnesStayUnknown() throws Exception {
        ThinkingGate known = new ThinkingGate(2, new float[] {1, 2, 3, 4}, 0.5f, 12, 0.25, 0.75);
        known.write(tmp);
        ThinkingGate back = ThinkingGate.read(tmp).orElseThrow();
        assertThat(back.meanSquaredError()).isEqualTo(0.25);
        assertThat(back.targetVariance()).isEqualTo(0.75);
        assertThat(back.trainedPositions()).isEqualTo(12);
        ThinkingGate.zero(2).write(tmp);
        ThinkingGate zero = ThinkingGate.read(tmp).orElseThrow();
        assertThat(zero.meanSquaredError()).isNaN();
        assertThat(zero.targetVariance()).isNaN();
    }

    private static double[][] fixture() {
        // 4 positions: hidden (2), distribution features (2), target
        return new double[][] {
            {0.5, -1.0, 1.2, -0.4, 0.30},
            {-0.25, 0.75, 0.8, -1.1, -0.10},
            {1.5, 0.25, 2.0, -0.2, 0.45},
            {0.0, -0.5, 0.3, -2.0, 0.05},
        };
    }

    private static void unpack(double[][] rows, float[] hidden, double[] dist, double[] y) {
        for (int i = 0; i < rows.length; i++) {
            hidden[2 * i] = (float) rows[i][0];
            hidden[2 * i + 1] = (float) rows[i][1];
            dist[2 * i] = rows[i][2];
            dist[2 * i + 1] = rows[i][3];
            y[i] = rows[i][4];
        }
    }

    /** x of one position: hidden, features, 1. */
    private static double[] x(double[] row) {
        return new double[] {(float) row[0], (float) row[1], row[2], row[3], 1};
    }

    /** Solves m w = b by Gaussian elimination with partial pivoting. */
    private static double[] gauss(double[][] m, double[] b) {
        int n = b.length;
        double[][] a = new double[n][n + 1];
        for (int r = 0; r < n; r++) {
            System.arraycopy(m[r], 0, a[r], 0, n);
            a[r][n] = b[r];
        }
        for (int col = 0; col < n; col++) {
            int p = col;
            for (int r = col + 1; r < n; r++) {
                if (Math.abs(a[r][col]) > Math.abs(a[p][col])) {
                    p = r;
                }
            }
            double[] t = a[col];
            a[col] = a[p];
            a[p] = t;
            for (int r = col + 1; r < n; r++) {
                double f = a[r][col] / a[col][col];
                for (int k = col; k <= n; k++) {
                    a[r][k] -= f * a[col][k];
                }
            }
        }
        double[] w = new double[n];
        for (int r = n - 1; r >= 0; r--) {
            double s = a[r][n];
            for (int k = r + 1; k < n; k++) {
                s -= a[r][k] * w[k];
            }
            w[r] = s / a[r][r];
        }
        return w;
    }

    @Test
    void oneBatchGivesTheRidgeSolutionAndTheLossOfTheStartingWeights() {
        float[] startW = {0.1f, -0.2f, 0.05f, 0.3f};
        GateTrainer t = new GateTrainer(new ThinkingGate(H, startW, 0.25f, 100, Double.NaN, Double.NaN), 1.0);
        double[][] rows = fixture();
        float[] hidden = new float[8];
        double[] dist = new double[8];
        double[] y = new double[4];
        unpack(rows, hidden, dist, y);

        double loss = 0;
        double[][] gram = new double[D][D];
        double[] moments = new double[D];
        double mean = (0.30 - 0.10 + 0.45 + 0.05) / 4;
        double variance = 0;
        for (double[] row : rows) {
            double[] x = x(row);
            double pred = startW[0] * x[0] + startW[1] * x[1] + startW[2] * x[2] + startW[3] * x[3] + 0.25;
            loss += 0.5 * (pred - row[4]) * (pred - row[4]);
            variance += (row[4] - mean) * (row[4] - mean) / 4;
            for (int r = 0; r < D; r++) {
                for (int k = 0; k < D; k++) {
                    gram[r][k] += x[r] * x[k];
                }
                moments[r] += x[r] * row[4];
            }
        }
        assertThat(t.update(hidden, dist, y, 4)).isCloseTo(loss / 4, within(1e-9));
        assertThat(t.lastLoss()).isCloseTo(loss / 4, within(1e-9));

        GateTrainer.State s = t.state();
        for (int r = 0; r < D; r++) {
            for (int k = 0; k <= r; k++) {
                assertThat(s.gram()[r * D + k]).as("A[%d][%d]", r, k).isCloseTo(gram[r][k], within(1e-9));
            }
            assertThat(s.moments()[r]).as("c[%d]", r).isCloseTo(moments[r], within(1e-9));
        }
        double trace = 0;
        for (int r = 0; r < D; r++) {
            trace += gram[r][r];
        }
        double[][] ridge = new double[D][D];
        for (int r = 0; r < D; r++) {
            ridge[r] = gram[r].clone();
            ridge[r][r] += GateTrainer.RIDGE * trace / D;
        }
        double[] w = gauss(ridge, moments);
        assertThat(s.weights()).containsExactly(w, within(1e-9));
        assertThat(s.batches()).isEqualTo(1);
        assertThat(s.positions()).isEqualTo(104);
        assertThat(s.meanSquaredError()).isCloseTo(2 * loss / 4, within(1e-9));
        assertThat(s.targetVariance()).isCloseTo(variance, within(1e-12));

        ThinkingGate g = t.gate();
        assertThat(g.weights()).containsExactly((float) w[0], (float) w[1], (float) w[2], (float) w[3]);
        assertThat(g.bias()).isEqualTo((float) w[4]);
        assertThat(g.trainedPositions()).isEqualTo(104);
        assertThat(t.toString()).startsWith("GateTrainer[d=5, batches=1, weights=[");
    }

    @Test
    void forgettingDecaysTheOldStatisticsAndTheAveragesMoveByAFifth() {
        GateTrainer t = new GateTrainer(ThinkingGate.zero(H), 0.5);
        GateTrainer.State empty = t.state();
        assertThat(empty.meanSquaredError()).isNull();
        assertThat(empty.targetVariance()).isNull();
        double[][] rows = fixture();
        float[] hidden = new float[8];
        double[] dist = new double[8];
        double[] y = new double[4];
        unpack(rows, hidden, dist, y);
        double first = t.update(hidden, dist, y, 4);
        GateTrainer.State one = t.state();
        // the same batch again, targets doubled (the gram is the same, the moments double)
        double[] y2 = y.clone();
        for (int i = 0; i < 4; i++) {
            y2[i] *= 2;
        }
        double second = t.update(hidden, dist, y2, 4);
        GateTrainer.State two = t.state();
        for (int k = 0; k < D * D; k++) {
            assertThat(two.gram()[k]).isCloseTo(1.5 * one.gram()[k], within(1e-9));
        }
        for (int k = 0; k < D; k++) {
            assertThat(two.moments()[k]).isCloseTo(0.5 * one.moments()[k] + 2 * one.moments()[k], within(1e-9));
        }
        double mean2 = 2 * (0.30 - 0.10 + 0.45 + 0.05) / 4;
        double var2 = 0;
        for (double v : y2) {
            var2 += (v - mean2) * (v - mean2) / 4;
        }
        assertThat(two.meanSquaredError()).isCloseTo(0.95 * 2 * first + 0.05 * 2 * second, within(1e-12));
        assertThat(two.targetVariance()).isCloseTo(0.95 * one.targetVariance() + 0.05 * var2, within(1e-12));
        assertThat(t.gate().meanSquaredError()).isEqualTo(two.meanSquaredError());
        assertThat(t.gate().targetVariance()).isEqualTo(two.targetVariance());
    }

    @Test
    void inputsAndStatesOfTheWrongSizeOrNonFiniteAreRefused() {
        assertThatThrownBy(() -> new GateTrainer(ThinkingGate.zero(H), 1.0000001))
                .hasMessageContaining("forgetting");
        assertThat(new GateTrainer(ThinkingGate.zero(H), 1.0).state().batches()).isZero();
        GateTrainer t = new GateTrainer(ThinkingGate.zero(H), 0.9);
        assertThatThrownBy(() -> t.update(new float[3], new double[4], new double[2], 2))
                .hasMessage("gate batch of 2 positions needs 4 hidden values, 4 distribution features and 2 "
                        + "targets");
        assertThatThrownBy(() -> t.update(new float[4], new double[3], new double[2], 2))
                .hasMessageContaining("needs 4 hidden values");
        assertThatThrownBy(() -> t.update(new float[4], new double[4], new double[1], 2))
                .hasMessageContaining("needs 4 hidden values");
        assertThatThrownBy(() -> t.update(new float[2], new double[] {0, 0}, new double[] {Double.NaN}, 1))
                .hasMessageContaining("position 0 has a non-finite");
        assertThatThrownBy(() -> t.update(new float[2], new double[] {0, Double.POSITIVE_INFINITY},
                new double[] {0}, 1)).hasMessageContaining("non-finite");
        GateTrainer.State ok = t.state();
        double[] w = ok.weights();
        double[] a = ok.gram();
        double[] c = ok.moments();
        GateTrainer.State[] bad = {
            new GateTrainer.State(null, a, c, 0, 0, null, null),
            new GateTrainer.State(new double[D - 1], a, c, 0, 0, null, null),
            new GateTrainer.State(w, null, c, 0, 0, null, null),
            new GateTrainer.State(w, new double[D * D - 1], c, 0, 0, null, null),
            new GateTrainer.State(w, a, null, 0, 0, null, null),
            new GateTrainer.State(w, a, new double[D + 1], 0, 0, null, null),
        };
        for (GateTrainer.State s : bad) {
            assertThatThrownBy(() -> t.restore(s)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("must hold 5 weights, 25 Gram entries and 5 moments");
        }
        t.restore(new GateTrainer.State(new double[] {1, 2, 3, 4, 5}, a, c, 3, 40, 0.5, null));
        ThinkingGate g = t.gate();
        assertThat(g.weights()).containsExactly(1, 2, 3, 4);
        assertThat(g.bias()).isEqualTo(5);
        assertThat(g.trainedPositions()).isEqualTo(40);
        assertThat(g.meanSquaredError()).isEqualTo(0.5);
        assertThat(g.targetVariance()).isNaN();
    }
}
