package dev.quietstar.core.gate;

import java.util.Objects;

/**
 * Fits a {@link ThinkingGate} online, one batch of positions at a time, with Adam on the squared error.
 *
 * <p>Each call to {@link #update} takes the features and targets of one training micro-batch (detached copies, so
 * the gate never touches the objective's gradients) and takes {@value #PASSES} full-batch Adam steps on
 * mean((prediction - target)^2) / 2. The gain a thought brings changes as the model trains; the online fit follows
 * it. Not thread-safe.
 */
public final class GateTrainer {

    /** Adam steps per batch: the batch is already in memory, a few passes over it cost next to nothing. */
    public static final int PASSES = 4;

    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.999;
    private static final double EPS = 1e-8;
    private static final double AVERAGE = 0.05;

    private final int hiddenSize;
    private final double learningRate;
    private final double[] w;
    private final double[] m;
    private final double[] v;
    private long adamSteps;
    private long positions;
    private double mse = Double.NaN;
    private double variance = Double.NaN;
    private double lastLoss = Double.NaN;

    /**
     * Starts from a gate (a zero gate for a fresh run, the saved one when training continues).
     *
     * @param start the gate to continue from
     * @param learningRate Adam learning rate, positive
     */
    public GateTrainer(ThinkingGate start, double learningRate) {
        Objects.requireNonNull(start, "start");
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("gate learning rate must be a positive number, was " + learningRate);
        }
        this.hiddenSize = start.hiddenSize();
        this.learningRate = learningRate;
        int d = hiddenSize + ThinkingGate.DISTRIBUTION_FEATURES + 1;
        this.w = new double[d];
        float[] sw = start.weights();
        for (int k = 0; k < sw.length; k++) {
            w[k] = sw[k];
        }
        w[d - 1] = start.bias();
        this.m = new double[d];
        this.v = new double[d];
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
     * @return the half squared error on the batch before the update, NaN for an empty batch
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
        int d = w.length;
        double meanTarget = 0;
        for (int i = 0; i < n; i++) {
            if (!Double.isFinite(targets[i]) || !Double.isFinite(distribution[2 * i])
                    || !Double.isFinite(distribution[2 * i + 1])) {
                throw new IllegalArgumentException("gate training position " + i + " has a non-finite target or "
                        + "feature");
            }
            meanTarget += targets[i];
        }
        meanTarget /= n;
        double batchVariance = 0;
        for (int i = 0; i < n; i++) {
            batchVariance += (targets[i] - meanTarget) * (targets[i] - meanTarget);
        }
        batchVariance /= n;
        double[] grad = new double[d];
        double before = Double.NaN;
        for (int pass = 0; pass < PASSES; pass++) {
            java.util.Arrays.fill(grad, 0);
            double loss = 0;
            for (int i = 0; i < n; i++) {
                int off = i * hiddenSize;
                double pred = w[d - 1];
                for (int k = 0; k < hiddenSize; k++) {
                    pred += w[k] * hidden[off + k];
                }
                pred += w[hiddenSize] * distribution[2 * i] + w[hiddenSize + 1] * distribution[2 * i + 1];
                double err = pred - targets[i];
                loss += 0.5 * err * err;
                for (int k = 0; k < hiddenSize; k++) {
                    grad[k] += err * hidden[off + k];
                }
                grad[hiddenSize] += err * distribution[2 * i];
                grad[hiddenSize + 1] += err * distribution[2 * i + 1];
                grad[d - 1] += err;
            }
            if (pass == 0) {
                before = loss / n;
            }
            adamSteps++;
            double c1 = 1 - Math.pow(BETA1, adamSteps);
            double c2 = 1 - Math.pow(BETA2, adamSteps);
            for (int k = 0; k < d; k++) {
                double g = grad[k] / n;
                m[k] = BETA1 * m[k] + (1 - BETA1) * g;
                v[k] = BETA2 * v[k] + (1 - BETA2) * g * g;
                w[k] -= learningRate * (m[k] / c1) / (Math.sqrt(v[k] / c2) + EPS);
            }
        }
        positions += n;
        double squared = 2 * before;
        mse = Double.isNaN(mse) ? squared : (1 - AVERAGE) * mse + AVERAGE * squared;
        variance = Double.isNaN(variance) ? batchVariance : (1 - AVERAGE) * variance + AVERAGE * batchVariance;
        lastLoss = before;
        return before;
    }

    /**
     * The complete optimiser state, for an exact resume.
     *
     * @param weights master weights (H + 2 features, then the bias)
     * @param firstMoments Adam first moments
     * @param secondMoments Adam second moments
     * @param adamSteps Adam steps taken
     * @param positions positions trained on
     * @param meanSquaredError the moving average of the squared error, or null
     * @param targetVariance the moving average of the target variance, or null
     */
    public record State(double[] weights, double[] firstMoments, double[] secondMoments, long adamSteps,
            long positions, Double meanSquaredError, Double targetVariance) {}

    /**
     * The optimiser state.
     *
     * @return a copy
     */
    public State state() {
        return new State(w.clone(), m.clone(), v.clone(), adamSteps, positions,
                Double.isNaN(mse) ? null : mse, Double.isNaN(variance) ? null : variance);
    }

    /**
     * Continues from a saved optimiser state.
     *
     * @param state the state {@link #state()} returned
     * @throws IllegalArgumentException when it belongs to a gate of another width
     */
    public void restore(State state) {
        if (state.weights() == null || state.weights().length != w.length || state.firstMoments() == null
                || state.firstMoments().length != w.length || state.secondMoments() == null
                || state.secondMoments().length != w.length) {
            throw new IllegalArgumentException("thinking gate optimiser state must hold " + w.length
                    + " weights and moments (hidden size " + hiddenSize + ")");
        }
        System.arraycopy(state.weights(), 0, w, 0, w.length);
        System.arraycopy(state.firstMoments(), 0, m, 0, w.length);
        System.arraycopy(state.secondMoments(), 0, v, 0, w.length);
        adamSteps = state.adamSteps();
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
        return new ThinkingGate(hiddenSize, weights, (float) w[w.length - 1], positions, mse, variance);
    }
}
