package dev.quietstar.core.testing;

import dev.quietstar.api.TrainingObjective;
import dev.quietstar.core.gate.ThinkingGate;
import dev.quietstar.core.text.ByteTokenizer;
import dev.quietstar.core.text.TextTokenizer;
import dev.quietstar.core.train.GateInputs;
import dev.quietstar.core.train.MicroBatch;
import dev.quietstar.core.train.MicroBatchResult;
import dev.quietstar.core.train.TrainingStep;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A {@link TrainingStep} without an engine, for testing the loop: a vector of doubles as "weights", a loss and a
 * gradient computed from the token ids and the seed, plain SGD as "optimiser". It records everything the loop feeds
 * it, and can be told to produce a NaN loss or gradient norm at a given step.
 */
public final class FakeTrainingStep implements TrainingStep {

    /** Width of the fake model (and of its thinking gate). */
    public static final int HIDDEN = 4;

    /** The micro-batches fed, in order. */
    public final List<MicroBatch> batches = new ArrayList<>();
    /** The learning rates of the updates, in order. */
    public final List<Double> learningRates = new ArrayList<>();
    /** The gradient scales of the updates, in order. */
    public final List<Double> gradientScales = new ArrayList<>();
    /** The gates installed, in order. */
    public final List<ThinkingGate> installedGates = new ArrayList<>();
    /** How often the gradients were dropped. */
    public int zeroed;
    /** The step count the last restore was given, or -1. */
    public int restoredSteps = -1;
    /** Whether the step was closed. */
    public boolean closed;

    private final TrainingObjective objective;
    private final int maxPositions;
    private double[] weights = new double[HIDDEN];
    private final double[] gradient = new double[HIDDEN];
    private int nanLossAtStep = -1;
    private int nanGradientAtStep = -1;
    private double normOverride = -1;

    /**
     * Creates a Quiet-STaR step over a model with a given number of positions.
     *
     * @param maxPositions the positions the fake model has
     */
    public FakeTrainingStep(int maxPositions) {
        this(TrainingObjective.QUIET_STAR, maxPositions);
    }

    /**
     * Creates a step.
     *
     * @param objective what it claims to optimise
     * @param maxPositions the positions the fake model has
     */
    public FakeTrainingStep(TrainingObjective objective, int maxPositions) {
        this.objective = objective;
        this.maxPositions = maxPositions;
        Arrays.fill(weights, 0.5);
    }

    /**
     * Makes the loss of a 0-based step NaN.
     *
     * @param step the step
     * @return this
     */
    public FakeTrainingStep nanLossAt(int step) {
        nanLossAtStep = step;
        return this;
    }

    /**
     * Makes a gradient of a 0-based step NaN.
     *
     * @param step the step
     * @return this
     */
    public FakeTrainingStep nanGradientAt(int step) {
        nanGradientAtStep = step;
        return this;
    }

    /**
     * Reports a fixed gradient norm.
     *
     * @param norm the norm
     * @return this
     */
    public FakeTrainingStep withNorm(double norm) {
        normOverride = norm;
        return this;
    }

    /**
     * The current weights.
     *
     * @return a copy
     */
    public double[] weights() {
        return weights.clone();
    }

    @Override
    public TrainingObjective objective() {
        return objective;
    }

    @Override
    public TextTokenizer tokenizer() {
        return ByteTokenizer.instance();
    }

    @Override
    public int maxPositions() {
        return maxPositions;
    }

    @Override
    public int hiddenSize() {
        return HIDDEN;
    }

    @Override
    public MicroBatchResult accumulate(MicroBatch batch, boolean withGate) {
        batches.add(batch);
        SplittableRandom rng = new SplittableRandom(batch.seed());
        double loss = 0;
        for (int[] row : batch.tokenIds()) {
            for (int i = 0; i < row.length; i++) {
                double g = (row[i] % 17) / 17.0 * weights[i % HIDDEN] + rng.nextDouble() * 0.01;
                loss += g * g;
                gradient[i % HIDDEN] += 2 * g / batch.count() / row.length;
            }
        }
        loss /= batch.examples();
        if (batch.step() == nanLossAtStep) {
            return MicroBatchResult.nextToken(Double.NaN, 0);
        }
        if (batch.step() == nanGradientAtStep) {
            gradient[1] = Double.NaN;
        }
        GateInputs gate = null;
        if (withGate) {
            float[] hidden = new float[HIDDEN];
            Arrays.fill(hidden, (float) weights[0]);
            gate = new GateInputs(hidden, new double[] {loss, -loss}, new double[] {rng.nextDouble()}, 1);
        }
        long fed = (long) batch.examples() * batch.tokenIds()[0].length;
        return new MicroBatchResult(loss, loss / 2, loss / 3, loss, loss / 4, loss, loss / 4, 0.1, 0.2, fed, gate);
    }

    @Override
    public double gradientNorm() {
        if (normOverride >= 0 && Double.isFinite(gradient[1])) {
            return normOverride;
        }
        double s = 0;
        for (double g : gradient) {
            s += g * g;
        }
        return Math.sqrt(s);
    }

    @Override
    public String firstNonFiniteGradient() {
        for (int i = 0; i < HIDDEN; i++) {
            if (!Double.isFinite(gradient[i])) {
                return "w" + i;
            }
        }
        return "none";
    }

    @Override
    public void update(double learningRate, double gradientScale) {
        learningRates.add(learningRate);
        gradientScales.add(gradientScale);
        for (int i = 0; i < HIDDEN; i++) {
            weights[i] -= learningRate * gradientScale * gradient[i];
        }
        Arrays.fill(gradient, 0);
    }

    @Override
    public void zeroGradients() {
        zeroed++;
        Arrays.fill(gradient, 0);
    }

    @Override
    public void saveModel(Path folder) throws IOException {
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(folder.resolve("model.safetensors")))) {
            for (double w : weights) {
                out.writeDouble(w);
            }
        }
        Files.writeString(folder.resolve("config.json"), "{\"model_type\":\"fake\",\"hidden_size\":" + HIDDEN + "}");
        Files.writeString(folder.resolve("quietstar.json"), "{\"format_version\":1}");
        if (!installedGates.isEmpty()) {
            installedGates.get(installedGates.size() - 1).write(folder);
        }
    }

    @Override
    public void saveTrainingState(Path stateDir) throws IOException {
        Files.copy(stateDir.getParent().resolve("model.safetensors"), stateDir.resolve("weights.bin"));
    }

    @Override
    public void restoreTrainingState(Path stateDir, int completedSteps) {
        try (DataInputStream in = new DataInputStream(Files.newInputStream(stateDir.resolve("weights.bin")))) {
            double[] w = new double[HIDDEN];
            for (int i = 0; i < HIDDEN; i++) {
                w[i] = in.readDouble();
            }
            weights = w;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + stateDir + ": " + e.getMessage(), e);
        }
        restoredSteps = completedSteps;
    }

    @Override
    public ThinkingGate startGate() {
        return ThinkingGate.zero(HIDDEN);
    }

    @Override
    public void installGate(ThinkingGate gate) {
        installedGates.add(gate);
    }

    @Override
    public void close() {
        closed = true;
    }
}
