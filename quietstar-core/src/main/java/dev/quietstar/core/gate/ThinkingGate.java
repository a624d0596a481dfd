package dev.quietstar.core.gate;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.quietstar.core.io.BoundedFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * A trained thinking gate: predicts the gain of thinking at a position from what the base model already computed
 * there.
 *
 * <p>Features of position i: the final-norm hidden state h_base(i) (H values), then the entropy and the largest
 * log-probability of the base next-token distribution softmax(lm_head(h_base(i))) with the two meta-tokens removed.
 * The prediction is the linear function {@code w . features + b} of them, an estimate of
 * log p_think(x_{i+1}) - log p_base(x_{i+1}), the improvement a thought at i brings to the next token (look-ahead
 * step 0 of the objective, the only step inference uses). It costs H + 2 multiply-adds plus one pass over the
 * logits the step computed anyway: nothing next to a forward step.
 *
 * <p>Arithmetic runs in double in a fixed order, so two backends that give the same hidden state and logits give the
 * same prediction. Instances are immutable. Saved as {@value #FILE} in a checkpoint folder (and copied into an ONNX
 * export), a JSON file whose floats round-trip bit for bit.
 */
public final class ThinkingGate {

    /** File name of the gate inside a checkpoint or export folder. */
    public static final String FILE = "thinking-gate.json";
    /** Version of the file layout. */
    public static final int FORMAT_VERSION = 1;
    /** Features after the hidden state: entropy and largest log-probability of the base distribution. */
    public static final int DISTRIBUTION_FEATURES = 2;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final int hiddenSize;
    private final float[] weights;
    private final float bias;
    private final long trainedPositions;
    private final double meanSquaredError;
    private final double targetVariance;

    /**
     * Creates a gate.
     *
     * @param hiddenSize H, at least 1
     * @param weights H + {@value #DISTRIBUTION_FEATURES} finite weights
     * @param bias finite bias
     * @param trainedPositions positions the gate was trained on
     * @param meanSquaredError recent squared error of the gate on training positions (a moving average), or NaN
     * @param targetVariance recent variance of the training targets (a moving average), or NaN
     */
    public ThinkingGate(int hiddenSize, float[] weights, float bias, long trainedPositions, double meanSquaredError,
            double targetVariance) {
        if (hiddenSize < 1) {
            throw new IllegalArgumentException("thinking gate hidden size must be >= 1, was " + hiddenSize);
        }
        Objects.requireNonNull(weights, "weights");
        if (weights.length != hiddenSize + DISTRIBUTION_FEATURES) {
            throw new IllegalArgumentException("thinking gate needs " + (hiddenSize + DISTRIBUTION_FEATURES)
                    + " weights (hidden size " + hiddenSize + " + " + DISTRIBUTION_FEATURES + "), has "
                    + weights.length);
        }
        for (int k = 0; k < weights.length; k++) {
            if (!Float.isFinite(weights[k])) {
                throw new IllegalArgumentException("thinking gate weight " + k + " is " + weights[k]);
            }
        }
        if (!Float.isFinite(bias)) {
            throw new IllegalArgumentException("thinking gate bias is " + bias);
        }
        this.hiddenSize = hiddenSize;
        this.weights = weights.clone();
        this.bias = bias;
        this.trainedPositions = trainedPositions;
        this.meanSquaredError = meanSquaredError;
        this.targetVariance = targetVariance;
    }

    /**
     * An untrained gate that predicts 0 everywhere.
     *
     * @param hiddenSize H
     * @return the gate
     */
    public static ThinkingGate zero(int hiddenSize) {
        return new ThinkingGate(hiddenSize, new float[hiddenSize + DISTRIBUTION_FEATURES], 0f, 0, Double.NaN,
                Double.NaN);
    }

    /**
     * The hidden width H the gate reads.
     *
     * @return H
     */
    public int hiddenSize() {
        return hiddenSize;
    }

    /**
     * A copy of the weights: H for the hidden state, then entropy, then largest log-probability.
     *
     * @return the weights
     */
    public float[] weights() {
        return weights.clone();
    }

    /**
     * The bias.
     *
     * @return b
     */
    public float bias() {
        return bias;
    }

    /**
     * Positions the gate was trained on.
     *
     * @return the count
     */
    public long trainedPositions() {
        return trainedPositions;
    }

    /**
     * A moving average of the gate's squared error on the training positions, NaN before training.
     *
     * @return the error in nats squared
     */
    public double meanSquaredError() {
        return meanSquaredError;
    }

    /**
     * A moving average of the training targets' variance, NaN before training; 1 - error / variance is the share
     * of the gain's variance the gate explains.
     *
     * @return the variance in nats squared
     */
    public double targetVariance() {
        return targetVariance;
    }

    /**
     * Predicts the gain of a thought from the hidden state and the two distribution features.
     *
     * @param hidden hidden states, row-major
     * @param offset first index of this position's H values
     * @param entropy entropy of the base next-token distribution (meta-tokens removed), nats
     * @param maxLogProb largest log-probability of that distribution
     * @return the predicted gain, nats
     */
    public double predict(float[] hidden, int offset, double entropy, double maxLogProb) {
        double sum = bias;
        for (int k = 0; k < hiddenSize; k++) {
            sum += (double) weights[k] * hidden[offset + k];
        }
        sum += weights[hiddenSize] * entropy;
        sum += weights[hiddenSize + 1] * maxLogProb;
        return sum;
    }

    /**
     * Predicts the gain of a thought from the hidden state and the base logits of the same position.
     *
     * @param hidden hidden states, row-major
     * @param hiddenOffset first index of this position's H values
     * @param logits logits, row-major, meta-tokens not masked
     * @param logitOffset first index of this position's V logits
     * @param vocab V
     * @param startId start-of-thought id, left out of the distribution
     * @param endId end-of-thought id, left out of the distribution
     * @return the predicted gain, nats
     */
    public double predictFromLogits(float[] hidden, int hiddenOffset, float[] logits, int logitOffset, int vocab,
            int startId, int endId) {
        double[] f = distributionFeatures(logits, logitOffset, vocab, startId, endId);
        return predict(hidden, hiddenOffset, f[0], f[1]);
    }

    /**
     * Entropy and largest log-probability of softmax(logits) over the vocabulary without two ids.
     *
     * @param logits logits, row-major
     * @param offset first index of the row
     * @param vocab V
     * @param skipA an id left out (a meta-token), or -1
     * @param skipB another id left out, or -1
     * @return {entropy, max log-probability}
     */
    public static double[] distributionFeatures(float[] logits, int offset, int vocab, int skipA, int skipB) {
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < vocab; k++) {
            if (k != skipA && k != skipB) {
                max = Math.max(max, logits[offset + k]);
            }
        }
        double sum = 0;
        for (int k = 0; k < vocab; k++) {
            if (k != skipA && k != skipB) {
                sum += Math.exp(logits[offset + k] - max);
            }
        }
        double logSum = Math.log(sum);
        double entropy = 0;
        for (int k = 0; k < vocab; k++) {
            if (k != skipA && k != skipB) {
                double lp = logits[offset + k] - max - logSum;
                entropy -= Math.exp(lp) * lp;
            }
        }
        return new double[] {entropy, -logSum};
    }

    /**
     * Entropy and largest log-probability of a row of log-probabilities (entries of -1e9 or less, such as masked
     * meta-tokens, count as probability 0).
     *
     * @param logProbs log-probabilities, row-major
     * @param offset first index of the row
     * @param vocab V
     * @return {entropy, max log-probability}
     */
    public static double[] logProbFeatures(float[] logProbs, int offset, int vocab) {
        double entropy = 0;
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < vocab; k++) {
            double lp = logProbs[offset + k];
            if (lp > -1e9) {
                entropy -= Math.exp(lp) * lp;
                max = Math.max(max, lp);
            }
        }
        return new double[] {entropy, max};
    }

    /**
     * The error for an adaptive policy used with a model that has no gate.
     *
     * @param model what the model is, such as the checkpoint folder
     * @return the exception, whose message names the fix
     */
    public static IllegalArgumentException missing(String model) {
        return new IllegalArgumentException("the adaptive thinking policy needs a thinking gate, but " + model
                + " has none (no " + FILE + "); train the checkpoint with the gate on (config gate.enabled = true, "
                + "the default), or think every token, once after a trigger, or never instead");
    }

    /**
     * Checks that this gate reads hidden states of a model's width.
     *
     * @param modelHiddenSize the model's H
     * @throws IllegalArgumentException when the widths differ
     */
    public void checkHiddenSize(int modelHiddenSize) {
        if (modelHiddenSize != hiddenSize) {
            throw new IllegalArgumentException("the thinking gate reads hidden states of width " + hiddenSize
                    + " but the model's are " + modelHiddenSize + "; the gate belongs to another model");
        }
    }

    /**
     * Reads the gate of a checkpoint or export folder.
     *
     * @param folder the folder
     * @return the gate, empty when the folder has no {@value #FILE}
     * @throws IllegalArgumentException when the file is malformed
     */
    public static Optional<ThinkingGate> read(Path folder) {
        Path file = folder.resolve(FILE);
        if (BoundedFiles.MISSING.equals(BoundedFiles.notARegularFile(file))) {
            return Optional.empty();
        }
        Stored s;
        try {
            s = JSON.readValue(BoundedFiles.readUtf8(file, BoundedFiles.MAX_METADATA_BYTES, FILE), Stored.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("malformed " + file + ": " + e.getMessage(), e);
        }
        if (s.formatVersion() != FORMAT_VERSION) {
            throw new IllegalArgumentException(file + " has format_version " + s.formatVersion()
                    + "; this library reads version " + FORMAT_VERSION);
        }
        if (s.weights() == null) {
            throw new IllegalArgumentException(file + " has no weights");
        }
        try {
            return Optional.of(new ThinkingGate(s.hiddenSize(), s.weights(), s.bias(), s.trainedPositions(),
                    s.meanSquaredError() == null ? Double.NaN : s.meanSquaredError(),
                    s.targetVariance() == null ? Double.NaN : s.targetVariance()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes the gate as {@value #FILE} into a folder (called inside an atomic checkpoint write).
     *
     * @param folder the folder
     * @throws IOException when the file cannot be written
     */
    public void write(Path folder) throws IOException {
        Stored s = new Stored(FORMAT_VERSION, FEATURES, TARGET, hiddenSize, weights, bias, trainedPositions,
                Double.isFinite(meanSquaredError) ? meanSquaredError : null,
                Double.isFinite(targetVariance) ? targetVariance : null);
        Files.writeString(folder.resolve(FILE), JSON.writeValueAsString(s));
    }

    private static final String FEATURES = "final-norm hidden state h_base(i) (hidden_size values), then entropy and "
            + "largest log-probability of the base next-token distribution without the meta-tokens";
    private static final String TARGET = "log p_think(x_{i+1}) - log p_base(x_{i+1}), mean over the thoughts sampled "
            + "at position i";

    /** The file layout. */
    @JsonPropertyOrder({"format_version", "features", "target", "hidden_size", "weights", "bias",
        "trained_positions", "mean_squared_error", "target_variance"})
    record Stored(@JsonProperty("format_version") int formatVersion, @JsonProperty("features") String features,
            @JsonProperty("target") String target, @JsonProperty("hidden_size") int hiddenSize,
            @JsonProperty("weights") float[] weights, @JsonProperty("bias") float bias,
            @JsonProperty("trained_positions") long trainedPositions,
            @JsonProperty("mean_squared_error") Double meanSquaredError,
            @JsonProperty("target_variance") Double targetVariance) {}

    @Override
    public boolean equals(Object o) {
        return o instanceof ThinkingGate g && g.hiddenSize == hiddenSize && Arrays.equals(g.weights, weights)
                && Float.floatToIntBits(g.bias) == Float.floatToIntBits(bias) && g.trainedPositions == trainedPositions;
    }

    @Override
    public int hashCode() {
        return Objects.hash(hiddenSize, Arrays.hashCode(weights), bias, trainedPositions);
    }

    @Override
    public String toString() {
        return "ThinkingGate[hiddenSize=" + hiddenSize + ", trainedPositions=" + trainedPositions
                + ", meanSquaredError=" + meanSquaredError + ", targetVariance=" + targetVariance + "]";
    }
}
