package dev.quietstar.djl.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import dev.quietstar.api.MixingHead;
import dev.quietstar.api.RewardEstimator;
import dev.quietstar.api.ThoughtGenerator;
import dev.quietstar.api.ThoughtRollout;
import dev.quietstar.api.ThoughtSampler;
import dev.quietstar.api.TrainingObjective;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.api.config.ThoughtSampling;
import dev.quietstar.core.gate.ThinkingGate;
import dev.quietstar.core.text.TextTokenizer;
import dev.quietstar.core.train.GateInputs;
import dev.quietstar.core.train.MicroBatch;
import dev.quietstar.core.train.MicroBatchResult;
import dev.quietstar.core.train.TrainingDivergedException;
import dev.quietstar.core.train.TrainingStep;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.model.EngineArrays;
import dev.quietstar.djl.model.Masks;
import dev.quietstar.djl.model.Ops;
import dev.quietstar.djl.model.Safetensors;
import dev.quietstar.djl.thought.MetaTokens;
import dev.quietstar.djl.thought.MlpMixingHead;
import dev.quietstar.djl.thought.ObjectiveResult;
import dev.quietstar.djl.thought.ParallelThoughtGenerator;
import dev.quietstar.djl.thought.QuietStarModel;
import dev.quietstar.djl.thought.QuietStarObjective;
import dev.quietstar.djl.thought.SlotObjective;
import dev.quietstar.djl.thought.SlotRollout;
import dev.quietstar.djl.thought.SubsetThoughtGenerator;
import dev.quietstar.djl.thought.ThoughtSlots;
import dev.quietstar.djl.thought.ThoughtSamplers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DJL side of training a {@link QuietStarModel}: one micro-batch's forward and backward pass, the gradient norm
 * and AdamW with parameter groups, driven by core's {@link dev.quietstar.core.train.TrainingLoop}.
 *
 * <p>A Quiet-STaR micro-batch repeats every example {@code thoughtsPerPosition} times as adjacent rows, lets the
 * {@link ThoughtGenerator} roll out the thoughts with a sampler seeded by the loop, evaluates the
 * {@link QuietStarObjective} with the {@link MixingHead} and {@link RewardEstimator} this step was given, and
 * accumulates gradients; a next-token micro-batch runs the decoder alone. The parameter groups are the backbone,
 * the model's mixing head and the meta-tokens at their configured multipliers (a multiplier of 0 freezes a group;
 * the next-token objective freezes both Quiet-STaR groups). Each micro-batch runs in its own native-memory scope,
 * so memory does not grow over steps.
 */
public final class DjlTrainingStep implements TrainingStep {

    /** File in the training-state folder with the exact meta-token parameters (the weights file holds them scaled). */
    public static final String META_TOKEN_PARAMETERS = "meta-token-parameters.safetensors";

    private static final Logger LOG = LoggerFactory.getLogger(DjlTrainingStep.class);

    private final QuietStarModel model;
    private final QuietStarConfig config;
    private final TrainingObjective objective;
    private final DjlComponents components;
    private final RewardEstimator<NDArray> rewards;
    private final MixingHead<NDArray> head;
    private final Map<String, Double> multipliers = new LinkedHashMap<>();
    private final QuietStarObjective quietStar;
    private final AdamW optimizer;
    private ThoughtGenerator<NDArray> generator;
    /** Thinks at the chosen positions when {@code positions} is not ALL; null when every position thinks. */
    private SubsetThoughtGenerator subset;
    private final SlotObjective slotObjective;

    /**
     * Creates the step and turns on gradients for the groups it trains.
     *
     * @param model the model; its weights are trained in place; the caller owns (and closes) it
     * @param config the training configuration (saved into every checkpoint)
     * @param objective what to optimise
     * @param components the thought generator, mixing head and reward estimator to use; null fields take the
     *     defaults ({@link DjlComponents})
     * @throws IllegalArgumentException when a weight of the model holds NaN or infinite values
     */
    public DjlTrainingStep(QuietStarModel model, QuietStarConfig config, TrainingObjective objective,
            DjlComponents components) {
        this.model = Objects.requireNonNull(model, "model");
        this.config = Objects.requireNonNull(config, "config");
        this.objective = Objects.requireNonNull(objective, "objective");
        this.components = Objects.requireNonNull(components, "components");
        this.rewards = components.rewardEstimator() != null ? components.rewardEstimator()
                : DjlComponents.defaultEstimator(config.advantage());
        this.head = components.mixingHead() != null ? components.mixingHead() : model.mixingHead();
        this.generator = components.thoughtGenerator() != null ? components.thoughtGenerator()
                : DjlComponents.defaultGenerator(model, config.thoughtLength(), config.lookahead(),
                        ParallelThoughtGenerator.AttentionLayout.DIAGONAL);
        this.quietStar = new QuietStarObjective(model, config, rewards, head);
        this.slotObjective = new SlotObjective(model, config, rewards, head);
        if (!config.positions().isAll() && components.thoughtGenerator() != null) {
            throw new IllegalArgumentException("positions.mode " + config.positions().mode() + " thinks at a subset "
                    + "of positions with the built-in generator, but this step was given a user's ThoughtGenerator ("
                    + components.thoughtGenerator().getClass().getName() + "), which thinks everywhere; use "
                    + "positions.mode ALL with it");
        }
        this.subset = config.positions().isAll() ? null : new SubsetThoughtGenerator(model, config.thoughtLength(),
                config.lookahead(), ParallelThoughtGenerator.AttentionLayout.DIAGONAL);
        model.checkFinite();
        for (String name : model.parameters().keySet()) {
            double mult = objective == TrainingObjective.NEXT_TOKEN
                    ? (name.startsWith("quietstar.") ? 0.0 : 1.0)
                    : name.startsWith(MlpMixingHead.PREFIX) ? config.optimizer().mixingHeadLrMultiplier()
                    : name.equals(MetaTokens.START_NAME) || name.equals(MetaTokens.END_NAME)
                            ? config.optimizer().metaTokenLrMultiplier() : 1.0;
            multipliers.put(name, mult);
        }
        model.parameters().forEach((name, p) -> p.getArray().setRequiresGradient(multipliers.get(name) > 0));
        this.optimizer = new AdamW(config.optimizer(), model.manager());
        LOG.debug("training step over {} parameters, objective {}, generator {}, head {}, estimator {}",
                multipliers.size(), objective, generator.getClass().getSimpleName(),
                head.getClass().getSimpleName(), rewards.getClass().getSimpleName());
    }

    /**
     * Chooses how the default thought generator's passes attend to their own earlier tokens (see
     * {@link ParallelThoughtGenerator.AttentionLayout}); both layouts give the same numbers.
     *
     * @param layout the layout
     * @throws IllegalStateException when a user's thought generator is in use
     */
    public void setAttentionLayout(ParallelThoughtGenerator.AttentionLayout layout) {
        Objects.requireNonNull(layout, "layout");
        if (components.thoughtGenerator() != null) {
            throw new IllegalStateException("the attention layout belongs to the default ParallelThoughtGenerator, "
                    + "but this step runs a user's ThoughtGenerator ("
                    + components.thoughtGenerator().getClass().getName() + ")");
        }
        generator = DjlComponents.defaultGenerator(model, config.thoughtLength(), config.lookahead(), layout);
        if (subset != null) {
            subset = new SubsetThoughtGenerator(model, config.thoughtLength(), config.lookahead(), layout);
        }
    }

    /**
     * The model being trained.
     *
     * @return the model
     */
    public QuietStarModel model() {
        return model;
    }

    /**
     * The thought generator in use.
     *
     * @return the generator
     */
    public ThoughtGenerator<NDArray> thoughtGenerator() {
        return generator;
    }

    /**
     * The mixing head the objective calls.
     *
     * @return the head
     */
    public MixingHead<NDArray> mixingHead() {
        return head;
    }

    /**
     * The reward estimator in use.
     *
     * @return the estimator
     */
    public RewardEstimator<NDArray> rewardEstimator() {
        return rewards;
    }

    @Override
    public TrainingObjective objective() {
        return objective;
    }

    @Override
    public TextTokenizer tokenizer() {
        return model.tokenizer();
    }

    @Override
    public int maxPositions() {
        return model.decoder().config().maxPositions();
    }

    @Override
    public int hiddenSize() {
        return model.decoder().config().hiddenSize();
    }

    @Override
    public MicroBatchResult accumulate(MicroBatch batch, boolean withGate) {
        QuietStarConfig c = config;
        int p = c.thoughtsPerPosition();
        try (NDManager scope = model.manager().newSubManager()) {
            NDArray ids = rows(scope, batch.tokenIds(), p);
            NDArray attn = rows(scope, batch.attentionMask(), p);
            SplittableRandom rng = new SplittableRandom(batch.seed());
            ThoughtSampler<NDArray> sampler = components.thoughtSampler() != null ? components.thoughtSampler()
                    : c.thoughtSampling() == ThoughtSampling.GREEDY ? ThoughtSamplers.greedy()
                    : ThoughtSamplers.categorical(c.thoughtTemperature(), rng);
            if (objective == TrainingObjective.NEXT_TOKEN) {
                try (GradientCollector gc = Engine.getEngine(DjlEngines.ENGINE).newGradientCollector()) {
                    NDArray loss = nextTokenLoss(ids, attn);
                    double value = loss.getFloat();
                    if (Double.isFinite(value)) {
                        gc.backward(Ops.div(loss, batch.count()));
                    }
                    return MicroBatchResult.nextToken(value, ids.size());
                }
            }
            try (GradientCollector gc = Engine.getEngine(DjlEngines.ENGINE).newGradientCollector()) {
                long before = ResidentMemory.ifTracing(LOG);
                ThoughtRollout<NDArray> rollout;
                ObjectiveResult r;
                ThoughtSlots slots = null;
                long fed;
                long rolledOut;
                if (subset == null) {
                    rollout = generator.generate(ids, attn, sampler);
                    rolledOut = ResidentMemory.ifTracing(LOG);
                    r = quietStar.evaluate(rollout, ids, attn);
                    fed = ids.size() * (1L + c.thoughtLength() + c.lookahead() + 1);
                } else {
                    SplittableRandom positionsRng = rng.split(); // its own stream: choosing does not shift sampling
                    SlotRollout sr = subset.generate(ids, attn,
                            PositionChoosers.of(c.positions(), model, p, positionsRng), sampler);
                    rolledOut = ResidentMemory.ifTracing(LOG);
                    rollout = sr.rollout();
                    slots = sr.slots();
                    r = slotObjective.evaluate(sr, ids, attn);
                    fed = ids.size() + (long) slots.rows() * slots.width() * (c.thoughtLength() + c.lookahead() + 1);
                }
                long evaluated = ResidentMemory.ifTracing(LOG);
                double loss = r.total().getFloat();
                if (!Double.isFinite(loss)) {
                    return new MicroBatchResult(loss, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                            Double.NaN, Double.NaN, Double.NaN, fed, null);
                }
                gc.backward(Ops.div(r.total(), batch.count()));
                if (before >= 0) {
                    LOG.debug("resident memory (MiB) at the micro-batch's start {}, after the thought rollout {}, "
                            + "after the objective {}, after backward {}; peak so far {}", before >> 20,
                            rolledOut >> 20, evaluated >> 20, ResidentMemory.ifTracing(LOG) >> 20,
                            ResidentMemory.peak() >> 20);
                }
                // After the backward pass, on detached copies: the gate never touches the objective's gradients.
                GateInputs gate = withGate ? GateFeatures.of(model, rollout.baseHidden(), r, batch.attentionMask(), p,
                        slots) : null;
                return new MicroBatchResult(loss, r.nll().getFloat(), r.policy().getFloat(), r.baseNllOfficial(),
                        r.talkNllOfficial(), r.baseNllPlain(), r.talkNllPlain(), r.meanReward(),
                        r.meanMixingWeight(), fed, gate);
            }
        }
    }

    /** Mean next-token NLL over real targets of one causal pass. */
    private NDArray nextTokenLoss(NDArray ids, NDArray attn) {
        NDManager m = ids.getManager();
        long len = ids.getShape().get(1);
        NDArray mask = Masks.causalWithPadding(m, ParallelThoughtGenerator.toIntMatrix(attn));
        NDArray positions = m.arange(0, len).toType(DataType.INT64, false).reshape(1, len)
                .repeat(0, ids.getShape().get(0));
        NDArray hidden = model.decoder().forward(model.inputEmbeddings(ids), positions, mask, null).hidden();
        NDArray logp = model.decoder().logits(hidden.get(":, 0:" + (len - 1) + ", :")).logSoftmax(-1);
        NDArray tok = logp.gather(ids.get(":, 1:").expandDims(-1), 2).squeeze(-1);
        NDArray valid = attn.get(":, 1:").toType(DataType.FLOAT32, false);
        return tok.mul(valid).sum().neg().div(Ops.max(valid.sum(), 1));
    }

    @Override
    public double gradientNorm() {
        double sum = 0;
        try (NDManager scope = model.manager().newSubManager()) {
            for (Parameter p : model.parameters().values()) {
                NDArray a = p.getArray();
                if (!a.hasGradient()) {
                    continue;
                }
                NDArray g = a.getGradient();
                g.attach(scope);
                sum += g.square().sum().getFloat();
            }
        }
        return Math.sqrt(sum);
    }

    @Override
    public String firstNonFiniteGradient() {
        try (NDManager scope = model.manager().newSubManager()) {
            for (Map.Entry<String, Parameter> e : model.parameters().entrySet()) {
                NDArray a = e.getValue().getArray();
                if (a.hasGradient()) {
                    NDArray g = a.getGradient();
                    g.attach(scope);
                    if (!Double.isFinite(g.square().sum().getFloat())) {
                        return e.getKey();
                    }
                }
            }
        }
        return "none";
    }

    @Override
    public void update(double learningRate, double gradientScale) {
        Map<String, Double> rates = new LinkedHashMap<>();
        multipliers.forEach((name, mult) -> rates.put(name, learningRate * mult));
        optimizer.update(model.parameters(), rates, gradientScale);
    }

    @Override
    public void zeroGradients() {
        for (Parameter p : model.parameters().values()) {
            if (p.getArray().hasGradient()) {
                ai.djl.pytorch.jni.JniUtils.zeroGrad((ai.djl.pytorch.engine.PtNDArray) p.getArray());
            }
        }
    }

    @Override
    public void saveModel(Path folder) throws IOException {
        Map<String, NDArray> weights = new LinkedHashMap<>();
        model.parameters().forEach((name, p) -> weights.put(name, p.getArray()));
        requireFinite(weights, "the weight", "a checkpoint with it could not be loaded again");
        model.writeTo(folder, config);
    }

    /**
     * Refuses to go on with a non-finite tensor, naming it.
     *
     * @param tensors the tensors by name
     * @param what what they are, for the message
     * @param consequence why it matters here
     * @throws TrainingDivergedException naming the first non-finite tensor
     */
    private static void requireFinite(Map<String, NDArray> tensors, String what, String consequence) {
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            NDArray a = e.getValue();
            if (a.getDataType().isFloating() && (a.isNaN().any().getBoolean() || a.isInfinite().any().getBoolean())) {
                throw new TrainingDivergedException(what + " '" + e.getKey() + "' holds NaN or infinite values; "
                        + consequence);
            }
        }
    }

    @Override
    public void saveTrainingState(Path stateDir) throws IOException {
        requireFinite(optimizer.state(), "the optimizer state", "a checkpoint with it could not be resumed");
        Safetensors.write(stateDir.resolve("optimizer.safetensors"), optimizer.state());
        // The weights file holds the meta-token embeddings as used (parameter times scale); dividing them back on
        // load may change the last bit, so the exact parameters are kept here for a bit-exact resume.
        Map<String, NDArray> meta = new LinkedHashMap<>();
        meta.put(MetaTokens.START_NAME, model.parameters().get(MetaTokens.START_NAME).getArray());
        meta.put(MetaTokens.END_NAME, model.parameters().get(MetaTokens.END_NAME).getArray());
        Safetensors.write(stateDir.resolve(META_TOKEN_PARAMETERS), meta);
    }

    @Override
    public void restoreTrainingState(Path stateDir, int completedSteps) {
        try (NDManager tmp = model.manager().newSubManager()) {
            Map<String, NDArray> state = Safetensors.read(tmp, stateDir.resolve("optimizer.safetensors"));
            try {
                requireFinite(state, "the optimizer state", "this checkpoint cannot be resumed (start a new run "
                        + "from its weights instead)");
            } catch (TrainingDivergedException e) {
                throw new IllegalArgumentException(stateDir.resolve("optimizer.safetensors") + ": " + e.getMessage(),
                        e);
            }
            optimizer.restore(state, completedSteps, model.parameters());
            Path meta = stateDir.resolve(META_TOKEN_PARAMETERS);
            if (Files.isRegularFile(meta)) {
                Map<String, NDArray> exact = Safetensors.read(tmp, meta);
                for (String name : List.of(MetaTokens.START_NAME, MetaTokens.END_NAME)) {
                    NDArray saved = exact.get(name);
                    NDArray param = model.parameters().get(name).getArray();
                    if (saved == null || !saved.getShape().equals(param.getShape())) {
                        throw new IllegalArgumentException(meta + " must hold '" + name + "' with shape "
                                + param.getShape());
                    }
                    param.set(saved.toType(DataType.FLOAT32, false).toFloatArray());
                }
            }
        }
    }

    @Override
    public ThinkingGate startGate() {
        return model.thinkingGate().orElse(ThinkingGate.zero(hiddenSize()));
    }

    @Override
    public void installGate(ThinkingGate gate) {
        model.setThinkingGate(gate);
    }

    @Override
    public void close() {
        optimizer.close();
        model.parameters().values().forEach(p -> p.getArray().setRequiresGradient(false));
    }

    /** Repeats every example P times as adjacent rows. */
    private static NDArray rows(NDManager m, int[][] data, int copies) {
        int n = data.length;
        int len = data[0].length;
        long[] flat = new long[n * copies * len];
        for (int e = 0; e < n; e++) {
            for (int c = 0; c < copies; c++) {
                for (int i = 0; i < len; i++) {
                    flat[(e * copies + c) * len + i] = data[e][i];
                }
            }
        }
        return EngineArrays.of(m, flat, new Shape((long) n * copies, len));
    }
}
