package dev.quietstar.djl.train;

import dev.quietstar.core.io.BoundedFiles;
import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quietstar.api.RewardEstimator;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.model.EngineArrays;
import dev.quietstar.djl.thought.MetaTokens;
import dev.quietstar.djl.thought.ObjectiveResult;
import dev.quietstar.djl.thought.ParallelThoughtGenerator;
import dev.quietstar.djl.thought.QuietStarModel;
import dev.quietstar.djl.thought.QuietStarObjective;
import dev.quietstar.djl.thought.ReinforceRewardEstimator;
import dev.quietstar.djl.thought.ThoughtSamplers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One evaluation of the Quiet-STaR objective with forced thoughts, reporting every intermediate and the gradient
 * norm of every tensor: the {@code probe} file format of docs/probe.md, for checking numbers against another
 * implementation.
 *
 * <p>The input gives B examples of L token ids, the thought ids of every row and position, and the pad id; the
 * thought length, look-ahead, thoughts per position P and the loss weights come from the model's own
 * configuration ({@code quietstar.json}). Each example is repeated P times as adjacent rows (row r = b·P + p), the
 * attention mask is {@code id != pad_id} (pads may sit inside a row, as in packed documents, or at its end, but not
 * at its start), the thoughts are generated in parallel with the given ids, the
 * objective is evaluated and the total loss is back-propagated once. Nothing is trained.
 */
public final class ObjectiveProbe {

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES);

    /** Largest probe input file accepted. */
    public static final long MAX_INPUT_BYTES = 256L * 1024 * 1024;

    private final QuietStarModel model;
    private final RewardEstimator<NDArray> rewards;

    /**
     * The probe input file.
     *
     * @param inputIds token ids, [B][L]
     * @param thoughtIds forced thought ids, [B·P][L][thoughtLength], row r = b·P + p
     * @param padId the padding id; positions holding it are masked out and their targets ignored
     */
    public record Input(@JsonProperty("input_ids") int[][] inputIds,
            @JsonProperty("thought_ids") int[][][] thoughtIds,
            @JsonProperty("pad_id") int padId) {}

    /**
     * The probe output: every intermediate of one objective evaluation. R = B·P rows, L positions, T look-ahead
     * steps, n thought tokens.
     *
     * @param totalLoss nllLoss + policyWeight · policyLoss
     * @param nllLoss the weighted base and post-thought NLL (official non-zero mean)
     * @param policyLoss the REINFORCE loss before its weight
     * @param baseNll NLL of the base pass per row and target position, 0 at pad targets, [R][L−1]
     * @param talkNll NLL of the mixed prediction per look-ahead step s, [T][R][L−1−s]
     * @param mixWeight mixing weight per look-ahead step s, [T][R][L−1−s]
     * @param thoughtLogp log-probability at the REINFORCE temperature of each thought token, [R][L][n]
     * @param rewards reward of each thought, [R][L−1−T]
     * @param advantages clipped advantage of each thought, [R][L−1−T]
     * @param gradNorms L2 norm of the gradient of the total loss per safetensors tensor name; for the two
     *     meta-token embeddings, the gradient with respect to the embedding as used (the stored parameter's
     *     gradient divided by the scale)
     */
    @JsonPropertyOrder({"total_loss", "nll_loss", "policy_loss", "base_nll", "talk_nll", "mix_weight",
        "thought_logp", "rewards", "advantages", "grad_norms"})
    public record Result(@JsonProperty("total_loss") float totalLoss,
            @JsonProperty("nll_loss") float nllLoss,
            @JsonProperty("policy_loss") float policyLoss,
            @JsonProperty("base_nll") float[][] baseNll,
            @JsonProperty("talk_nll") float[][][] talkNll,
            @JsonProperty("mix_weight") float[][][] mixWeight,
            @JsonProperty("thought_logp") float[][][] thoughtLogp,
            @JsonProperty("rewards") float[][] rewards,
            @JsonProperty("advantages") float[][] advantages,
            @JsonProperty("grad_norms") Map<String, Double> gradNorms) {

        /**
         * The result as one line of JSON with snake_case keys.
         *
         * @return the JSON text
         */
        public String toJson() {
            try {
                return new ObjectMapper().writeValueAsString(this);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("cannot write probe result: " + e.getOriginalMessage(), e);
            }
        }
    }

    /**
     * Creates a probe with the official REINFORCE reward estimator.
     *
     * @param model the model; its configuration gives the shapes and weights
     */
    public ObjectiveProbe(QuietStarModel model) {
        this(model, new ReinforceRewardEstimator());
    }

    /**
     * Creates a probe with a given reward estimator.
     *
     * @param model the model; its configuration gives the shapes and weights
     * @param rewards the reward estimator
     */
    public ObjectiveProbe(QuietStarModel model, RewardEstimator<NDArray> rewards) {
        this.model = Objects.requireNonNull(model, "model");
        this.rewards = Objects.requireNonNull(rewards, "rewards");
    }

    /**
     * Loads a checkpoint, runs the probe on it and frees it.
     *
     * @param checkpoint the checkpoint folder
     * @param input the probe input
     * @return the result
     */
    public static Result run(Path checkpoint, Input input) {
        DjlEngines.pytorch();
        try (QuietStarModel model = QuietStarModel.load(checkpoint, Device.cpu())) {
            return new ObjectiveProbe(model).run(input);
        }
    }

    /**
     * Reads a probe input file.
     *
     * @param file the JSON file
     * @return the input (not yet checked against a model)
     * @throws IllegalArgumentException when the file is missing or not a probe input
     */
    public static Input readInput(Path file) {
        BoundedFiles.requireRegularFile(file, "probe input file", "pass the JSON file the probe reads");
        try {
            return parseInput(BoundedFiles.readUtf8(file, MAX_INPUT_BYTES, "probe input"));
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().contains(file.toString())) {
                throw e;
            }
            throw new IllegalArgumentException("probe input " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses probe input JSON ({@code input_ids}, {@code thought_ids}, {@code pad_id}).
     *
     * @param json the text
     * @return the input (not yet checked against a model)
     * @throws IllegalArgumentException when a field is missing, unknown or of the wrong type
     */
    public static Input parseInput(String json) {
        Input in;
        try {
            in = JSON.readValue(json, Input.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("malformed probe input (expected {\"input_ids\": [B][L], "
                    + "\"thought_ids\": [B*P][L][thoughtLength], \"pad_id\": int}): " + e.getOriginalMessage(), e);
        }
        if (in == null || in.inputIds() == null) {
            throw new IllegalArgumentException("probe input has no input_ids");
        }
        if (in.thoughtIds() == null) {
            throw new IllegalArgumentException("probe input has no thought_ids");
        }
        return in;
    }

    /**
     * Checks an input against the model's configuration and vocabulary.
     *
     * @param input the input
     * @throws IllegalArgumentException naming the field, the expected shape or range and what was found
     */
    public void validate(Input input) {
        QuietStarConfig c = model.config();
        int p = c.thoughtsPerPosition();
        int n = c.thoughtLength();
        int t = c.lookahead();
        int vocab = model.decoder().config().vocabSize();
        int[][] ids = input.inputIds();
        if (ids.length == 0) {
            throw new IllegalArgumentException("input_ids must have shape [B][L] with B >= 1, was empty");
        }
        int len = ids[0] == null ? 0 : ids[0].length;
        for (int b = 0; b < ids.length; b++) {
            if (ids[b] == null || ids[b].length != len) {
                throw new IllegalArgumentException("input_ids must have shape [B][L] with equal rows: input_ids[0] "
                        + "has " + len + " ids, input_ids[" + b + "] has " + (ids[b] == null ? 0 : ids[b].length));
            }
        }
        if (len < t + 2) {
            throw new IllegalArgumentException("input_ids rows have L = " + len + " ids; the checkpoint's lookahead "
                    + t + " needs L >= lookahead + 2 = " + (t + 2));
        }
        int needed = len + n + t + 1;
        int max = model.decoder().config().maxPositions();
        if (needed > max) {
            throw new IllegalArgumentException("input_ids rows have L = " + len + " ids; L + thoughtLength (" + n
                    + ") + lookahead (" + t + ") + 1 = " + needed + " positions, but the model has " + max
                    + "; use L <= " + (max - n - t - 1));
        }
        if (input.padId() < 0 || input.padId() >= vocab) {
            throw new IllegalArgumentException("pad_id must be in 0.." + (vocab - 1) + " (the model's vocabulary), "
                    + "was " + input.padId());
        }
        for (int b = 0; b < ids.length; b++) {
            int real = 0;
            for (int i = 0; i < len; i++) {
                int id = ids[b][i];
                if (id < 0 || id >= vocab) {
                    throw new IllegalArgumentException("input_ids[" + b + "][" + i + "] = " + id
                            + " is outside the model's vocabulary 0.." + (vocab - 1));
                }
                if (id != input.padId()) {
                    real++;
                }
            }
            if (ids[b][0] == input.padId()) {
                // Pads inside a row are fine (the official mask: causal, pad keys hidden), but a leading pad would
                // be a query with no visible key at all, whose attention is undefined.
                throw new IllegalArgumentException("input_ids[" + b + "][0] is pad_id " + input.padId()
                        + "; a row must start with a real token (pad inside or at the end of a row only)");
            }
            if (real < 2) {
                throw new IllegalArgumentException("input_ids[" + b + "] has " + real + " ids that are not pad_id; "
                        + "at least 2 are needed for one next-token target");
            }
        }
        int[][][] th = input.thoughtIds();
        int rows = ids.length * p;
        String expected = "thought_ids must have shape [B*P][L][thoughtLength] = [" + rows + "][" + len + "][" + n
                + "] (B = " + ids.length + ", P = thoughtsPerPosition " + p + " and thoughtLength " + n
                + " from the checkpoint; row r = b*P + p)";
        if (th.length != rows) {
            throw new IllegalArgumentException(expected + ", but it has " + th.length + " rows");
        }
        int startId = model.metaTokens().startId();
        int endId = model.metaTokens().endId();
        for (int r = 0; r < rows; r++) {
            if (th[r] == null || th[r].length != len) {
                throw new IllegalArgumentException(expected + ", but thought_ids[" + r + "] has "
                        + (th[r] == null ? 0 : th[r].length) + " positions");
            }
            for (int i = 0; i < len; i++) {
                if (th[r][i] == null || th[r][i].length != n) {
                    throw new IllegalArgumentException(expected + ", but thought_ids[" + r + "][" + i + "] has "
                            + (th[r][i] == null ? 0 : th[r][i].length) + " tokens");
                }
                for (int j = 0; j < n; j++) {
                    int id = th[r][i][j];
                    if (id < 0 || id >= vocab) {
                        throw new IllegalArgumentException("thought_ids[" + r + "][" + i + "][" + j + "] = " + id
                                + " is outside the model's vocabulary 0.." + (vocab - 1));
                    }
                    if (id == startId || id == endId) {
                        throw new IllegalArgumentException("thought_ids[" + r + "][" + i + "][" + j + "] = " + id
                                + " is a meta-token (start " + startId + ", end " + endId
                                + "); thoughts never contain them");
                    }
                }
            }
        }
    }

    /**
     * Validates the input, evaluates the objective with the forced thoughts and back-propagates the total loss.
     *
     * <p>Gradients are switched on for every parameter during the call and off again afterwards, and are reset to
     * zero before and after, so the model's weights and gradient state are unchanged.
     *
     * @param input the input
     * @return every intermediate and the gradient norms
     * @throws IllegalArgumentException when the input does not fit the model
     */
    public Result run(Input input) {
        validate(input);
        DjlEngines.pytorch();
        QuietStarConfig c = model.config();
        int p = c.thoughtsPerPosition();
        int[][] ex = input.inputIds();
        int len = ex[0].length;
        int rows = ex.length * p;
        long[] flat = new long[rows * len];
        long[] mask = new long[rows * len];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < len; i++) {
                int id = ex[r / p][i];
                flat[r * len + i] = id;
                mask[r * len + i] = id == input.padId() ? 0 : 1;
            }
        }
        Map<String, Parameter> params = model.parameters();
        params.values().forEach(q -> q.getArray().setRequiresGradient(true));
        zeroGradients(params);
        try (NDManager scope = model.manager().newSubManager()) {
            NDArray ids = EngineArrays.of(scope, flat, new Shape(rows, len));
            NDArray attn = EngineArrays.of(scope, mask, new Shape(rows, len));
            ObjectiveResult o;
            try (GradientCollector gc = Engine.getEngine(DjlEngines.ENGINE).newGradientCollector()) {
                var rollout = new ParallelThoughtGenerator(model, c.thoughtLength(), c.lookahead())
                        .generate(ids, attn, ThoughtSamplers.forced(input.thoughtIds()));
                o = new QuietStarObjective(model, c, rewards).evaluate(rollout, ids, attn);
                gc.backward(o.total());
            }
            Map<String, Double> norms = new LinkedHashMap<>();
            double scale = model.metaTokens().scale();
            for (Map.Entry<String, Parameter> e : params.entrySet()) {
                NDArray g = e.getValue().getArray().getGradient();
                g.attach(scope);
                double norm = Math.sqrt(g.toType(DataType.FLOAT64, false).square().sum().getDouble());
                boolean meta = e.getKey().equals(MetaTokens.START_NAME) || e.getKey().equals(MetaTokens.END_NAME);
                norms.put(e.getKey(), meta ? norm / scale : norm);
            }
            return new Result(scalar(o.total()), scalar(o.nll()), scalar(o.policy()), matrix(o.baseNll()),
                    stack(o.talkNll()), stack(o.mixWeights()), cube(o.thoughtLogProbs()), matrix(o.rewards()),
                    matrix(o.advantages()), norms);
        } finally {
            zeroGradients(params);
            params.values().forEach(q -> q.getArray().setRequiresGradient(false));
        }
    }

    private static void zeroGradients(Map<String, Parameter> params) {
        for (Parameter q : params.values()) {
            if (q.getArray().hasGradient()) {
                JniUtils.zeroGrad((PtNDArray) q.getArray());
            }
        }
    }

    private static float scalar(NDArray a) {
        return a.stopGradient().toType(DataType.FLOAT32, false).getFloat();
    }

    private static float[] values(NDArray a) {
        return a.stopGradient().toType(DataType.FLOAT32, false).toFloatArray();
    }

    private static float[][] matrix(NDArray a) {
        Shape s = a.getShape();
        int rows = Math.toIntExact(s.get(0));
        int cols = Math.toIntExact(s.get(1));
        float[] v = values(a);
        float[][] out = new float[rows][cols];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(v, r * cols, out[r], 0, cols);
        }
        return out;
    }

    private static float[][][] cube(NDArray a) {
        Shape s = a.getShape();
        int d0 = Math.toIntExact(s.get(0));
        int d1 = Math.toIntExact(s.get(1));
        int d2 = Math.toIntExact(s.get(2));
        float[] v = values(a);
        float[][][] out = new float[d0][d1][d2];
        for (int i = 0; i < d0; i++) {
            for (int j = 0; j < d1; j++) {
                System.arraycopy(v, (i * d1 + j) * d2, out[i][j], 0, d2);
            }
        }
        return out;
    }

    private static float[][][] stack(List<NDArray> steps) {
        List<float[][]> out = new ArrayList<>();
        for (NDArray a : steps) {
            out.add(matrix(a));
        }
        return out.toArray(new float[0][][]);
    }
}
