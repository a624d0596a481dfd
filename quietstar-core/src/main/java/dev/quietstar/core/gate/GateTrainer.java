package dev.quietstar.core.gate;

import java.util.Arrays;
import java.util.Objects;

/**
 * Fits a {@link ThinkingGate} online, one batch of positions at a time, by ridge regression with exponential
 * forgetting.
 *
 * <p>With feature rows x = [h_base; entropy; max log-prob; 1] and targets y (the gain of a thought), the trainer
 * keeps the running sums A = sum x x^T and c = sum x y; before adding a batch it multiplies both by
 * {@code forgetting}, so the fit follows the gain as the model trains (an effective memory of about
 * 1 / (1 - forgetting) batches). The gate is the minimiser of the squared error plus a small ridge term,
 * w = (A + lambda I)^-1 c with lambda = {@value #RIDGE} x trace(A) / d, found by a Cholesky solve. Unlike a
 * gradient method it has no step size to tune: the gain of a thought is often a few hundredths of a nat, and a
 * per-coordinate step of fixed size (Adam) would add more noise to the prediction than the signal it learns.
 *
 * <p>Inputs are detached copies, so the gate never touches the objective's gradients. Costs O(n d^2) per batch of n
 * positions and O(d^3) per solve, d = H + 3; for wide models the solve runs every {@value #WIDE_SOLVE_EVERY}
 * batches. Not thread-safe.
 */
public final class GateTrainer {

    /** Ridge strength relative to the mean diagonal of A. */
    public static final double RIDGE = 1e-3;
    /** Feature count from which the solve runs only every few batches. */
    public static final int WIDE_FEATURES = 1024;
    /** Batches between solves for wide models. */
    public static final int WIDE_SOLVE_EVERY = 32;

    private static final double AVERAGE = 0.05;

    private final int hiddenSize;
    private final int d;
    private final double forgetting;
    private final double[] a;
    private final double[] c;
    private double[] w;
    private long batches;
    private long positions;
    private double mse = Double.NaN;
    private double variance = Double.NaN;
    private double lastLoss = Double.NaN;

    /**
     * Starts from a gate (a zero gate for a fresh run, the saved one when training continues); the statistics start
     * empty, so the first batch replaces the starting weights.
     *
     * @param start the gate to continue from
     * @param forgetting weight of the older statistics per batch, in (0, 1]
     */
    public GateTrainer(ThinkingGate start, double forgetting) {
        Objects.requireNonNull(start, "start");
        if (!(forgetting > 0 && forgetting <= 1)) {
            throw new IllegalArgumentException("gate forgetting factor must be in (0, 1], was " + forgetting);
        }
        this.hiddenSize = start.hiddenSize();
        this.d = hiddenSize + ThinkingGate.DISTRIBUTION_FEATURES + 1;
        this.forgetting = forgetting;
        this.a = new double[d * d];
        this.c = new double[d];
        this.w = new double[d];
        float[] sw = start.weights();
        for (int k = 0; k < sw.length; k++) {
            w[k] = sw[k];
        }
        w[d - 1] = start.bias();
        this.positions = start.trainedPositions();
        this.mse = start.meanSquaredError();
        this.variance = start.targetVariance();
    }

    /**
     * Trains on one batch.
     *
     * @param hidden (n, H) hidden states, row-major
     * @param distribution (n, 2) entropy and largest log-probability per position, row-major
     * @param targets n gains, nats
     * @param n positions in the batch; 0 does nothing
     * @return the half squared error of the current gate on the batch before the update, NaN for an empty batch
     * @throws IllegalArgumentException when a target or feature is not finite
     */
    public double update(float[] hidden, double[] distribution, double[] targets, int n) {
        if (n == 0) {
            return Double.NaN;
        }
        if (hidden.length < (long) n * hiddenSize || distribution.length < 2L * n || targets.length < n) {
            throw new IllegalArgumentException("gate batch of " + n + " positions needs " + n * hiddenSize
                    + " hidden values, " + 2 * n + " distribution features and " + n + " targets");
        }
        double[] x = new double[d];
        double loss = 0;
        double mean = 0;
        for (int i = 0; i < n; i++) {
            mean += targets[i];
        }
        mean /= n;
        double batchVariance = 0;
        for (int k = 0; k < a.length; k++) {
            a[k] *= forgetting;
        }
        for (int k = 0; k < d; k++) {
            c[k] *= forgetting;
        }
        for (int i = 0; i < n; i++) {
            double y = targets[i];
            if (!Double.isFinite(y) || !Double.isFinite(distribution[2 * i])
                    || !Double.isFinite(distribution[2 * i + 1])) {
                throw new IllegalArgumentException("gate training position " + i + " has a non-finite target or "
                        + "feature");
            }
            for (int k = 0; k < hiddenSize; k++) {
                x[k] = hidden[i * hiddenSize + k];
            }
            x[hiddenSize] = distribution[2 * i];
            x[hiddenSize + 1] = distribution[2 * i + 1];
            x[d - 1] = 1;
            double pred = 0;
            for (int k = 0; k < d; k++) {
                pred += w[k] * x[k];
            }
            loss += 0.5 * (pred - y) * (pred - y);
            batchVariance += (y - mean) * (y - mean);
            // Lower triangle of A; mirrored before the solve.
            for (int r = 0; r < d; r++) {
                double xr = x[r];
                if (xr == 0) {
                    continue;
                }
                int row = r * d;
                for (int k = 0; k <= r; k++) {
                    a[row + k] += xr * x[k];
                }
                c[r] += xr * y;
            }
        }
        batches++;
        positions += n;
        if (d <= WIDE_FEATURES || batches % WIDE_SOLVE_EVERY == 1) {
            solve();
        }
        double before = loss / n;
        mse = Double.isNaN(mse) ? 2 * before : (1 - AVERAGE) * mse + AVERAGE * 2 * before;
        batchVariance /= n;
        variance = Double.isNaN(variance) ? batchVariance : (1 - AVERAGE) * variance + AVERAGE * batchVariance;
        lastLoss = before;
        return before;
    }

    /** w = (A + lambda I)^-1 c by Cholesky; leaves w unchanged when A is empty. */
    private void solve() {
        double trace = 0;
        for (int k = 0; k < d; k++) {
            trace += a[k * d + k];
        }
        if (!(trace > 0)) {
            return;
        }
        double lambda = RIDGE * trace / d;
        double[] l = new double[d * d];
        for (int r = 0; r < d; r++) {
            for (int k = 0; k <= r; k++) {
                double sum = a[r * d + k] + (r == k ? lambda : 0);
                for (int j = 0; j < k; j++) {
                    sum -= l[r * d + j] * l[k * d + j];
                }
                if (r == k) {
                    if (!(sum > 0)) {
                        return; // numerically singular: keep the previous weights
                    }
                    l[r * d + r] = Math.sqrt(sum);
                } else {
                    l[r * d + k] = sum / l[k * d + k];
                }
            }
        }
        double[] z = new double[d];
        for (int r = 0; r < d; r++) {
            double sum = c[r];
            for (int j = 0; j < r; j++) {
                sum -= l[r * d + j] * z[j];
            }
            z[r] = sum / l[r * d + r];
        }
        double[] out = new double[d];
        for (int r = d - 1; r >= 0; r--) {
            double sum = z[r];
            for (int j = r + 1; j < d; j++) {
                sum -= l[j * d + r] * out[j];
            }
            out[r] = sum / l[r * d + r];
        }
        for (double v : out) {
            if (!Double.isFinite(v)) {
                return;
            }
        }
        w = out;
    }

    /**
     * The complete state, for an exact resume.
     *
     * @param weights current weights (H + 2 features, then the bias)
     * @param gram the running sum A of x x^T, lower triangle filled, row-major (d x d)
     * @param moments the running sum c of x y
     * @param batches batches seen
     * @param positions positions trained on
     * @param meanSquaredError the moving average of the squared error, or null
     * @param targetVariance the moving average of the target variance, or null
     */
    public record State(double[] weights, double[] gram, double[] moments, long batches, long positions,
            Double meanSquaredError, Double targetVariance) {}

    /**
     * The trainer's state.
     *
     * @return a copy
     */
    public State state() {
        return new State(w.clone(), a.clone(), c.clone(), batches, positions, Double.isNaN(mse) ? null : mse,
                Double.isNaN(variance) ? null : variance);
    }

    /**
     * Continues from a saved state.
     *
     * @param state the state {@link #state()} returned
     * @throws IllegalArgumentException when it belongs to a gate of another width
     */
    public void restore(State state) {
        if (state.weights() == null || state.weights().length != d || state.gram() == null
                || state.gram().length != d * d || state.moments() == null || state.moments().length != d) {
            throw new IllegalArgumentException("thinking gate trainer state must hold " + d + " weights, " + d * d
                    + " Gram entries and " + d + " moments (hidden size " + hiddenSize + ")");
        }
        w = state.weights().clone();
        System.arraycopy(state.gram(), 0, a, 0, a.length);
        System.arraycopy(state.moments(), 0, c, 0, d);
        batches = state.batches();
        positions = state.positions();
        mse = state.meanSquaredError() == null ? Double.NaN : state.meanSquaredError();
        variance = state.targetVariance() == null ? Double.NaN : state.targetVariance();
    }

    /**
     * The half squared error of the last batch before its update.
     *
     * @return the loss, NaN before the first batch
     */
    public double lastLoss() {
        return lastLoss;
    }

    /**
     * The gate as trained so far.
     *
     * @return an immutable snapshot
     */
    public ThinkingGate gate() {
        float[] weights = new float[hiddenSize + ThinkingGate.DISTRIBUTION_FEATURES];
        for (int k = 0; k < weights.length; k++) {
            weights[k] = (float) w[k];
        }
        return new ThinkingGate(hiddenSize, weights, (float) w[d - 1], positions, mse, variance);
    }

    @Override
    public String toString() {
        return "GateTrainer[d=" + d + ", batches=" + batches + ", weights=" + Arrays.toString(Arrays.copyOf(w, 3))
                + "...]";
    }
}
