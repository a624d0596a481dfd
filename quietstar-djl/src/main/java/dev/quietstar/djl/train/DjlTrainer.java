package dev.quietstar.djl.train;

import dev.quietstar.core.io.BoundedFiles;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.quietstar.api.Dataset;
import dev.quietstar.api.RewardEstimator;
import dev.quietstar.api.StepMetrics;
import dev.quietstar.api.Trainer;
import dev.quietstar.api.TrainingListener;
import dev.quietstar.api.TrainingReport;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.api.config.ThoughtSampling;
import dev.quietstar.core.data.WindowSampler;
import dev.quietstar.core.gate.GateTrainer;
import dev.quietstar.core.gate.ThinkingGate;
import dev.quietstar.core.train.MetricsJsonlWriter;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.infer.NoGradScope;
import dev.quietstar.djl.model.Ops;
import dev.quietstar.djl.model.Safetensors;
import dev.quietstar.djl.thought.MetaTokens;
import dev.quietstar.djl.thought.MlpMixingHead;
import dev.quietstar.djl.thought.ObjectiveResult;
import dev.quietstar.djl.thought.ParallelThoughtGenerator;
import dev.quietstar.djl.thought.QuietStarModel;
import dev.quietstar.djl.thought.QuietStarObjective;
import dev.quietstar.djl.thought.ThoughtSamplers;
import dev.quietstar.api.ThoughtRollout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a {@link QuietStarModel} with the Quiet-STaR objective on DJL.
 *
 * <p>Each optimiser step draws {@code examplesPerStep} training windows (seeded), splits them into micro-batches of
 * {@code microBatchExamples}, repeats every example {@code thoughtsPerPosition} times as adjacent rows, runs the
 * parallel thought generator and the objective, and accumulates gradients. Then it checks the loss and the global
 * gradient norm are finite (otherwise it stops with {@link TrainingDivergedException} and writes nothing), clips
 * the norm, and applies AdamW with the scheduled learning rate per parameter group (backbone; mixing head and
 * meta-tokens at their multipliers; a multiplier of 0 freezes a group).
 *
 * <p>Reproducible: the data windows and thought samples of step k depend only on the seed and k, so the same seed
 * and data give the same losses, and a run resumed from a checkpoint (which holds the optimiser moments and the
 * step) continues the same loss curve. Each micro-batch runs in its own native-memory scope, so memory does not
 * grow over steps.
 *
 * <p>Checkpoints go to {@code outputDir/checkpoints/step-NNNNNN} every {@code checkpointEvery} steps and at the
 * end; metrics to {@code outputDir/metrics.jsonl}. Not thread-safe.
 */
public final class DjlTrainer implements Trainer {

    /** Folder inside a checkpoint that holds the optimiser and schedule state. */
    public static final String STATE_DIR = "training-state";
    /** File in {@link #STATE_DIR} with the exact meta-token parameters (the weights file holds them scaled). */
    public static final String META_TOKEN_PARAMETERS = "meta-token-parameters.safetensors";
    /** File in {@link #STATE_DIR} with the thinking gate trainer's running sums. */
    public static final String GATE_STATE = "thinking-gate-trainer.json";

    private static final Logger LOG = LoggerFactory.getLogger(DjlTrainer.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** What a trainer optimises. */
    public enum Objective {
        /** The Quiet-STaR objective: thoughts, mixing head, REINFORCE. */
        QUIET_STAR,
        /**
         * Plain next-token loss of the decoder alone (mean NLL over real targets), with the mixing head and
         * meta-tokens frozen: pretraining, and the equal-steps control of the demo.
         */
        NEXT_TOKEN
    }

    private ParallelThoughtGenerator.AttentionLayout attentionLayout =
            ParallelThoughtGenerator.AttentionLayout.DIAGONAL;
    private final QuietStarModel model;
    private final QuietStarConfig config;
    private final Objective objectiveKind;
    private final Path outputDir;
    private final RewardEstimator<NDArray> rewards;
    private final AdamW optimizer;
    private final List<TrainingListener> listeners = new ArrayList<>();
    private final Map<String, Double> multipliers = new LinkedHashMap<>();
    private final GateTrainer gateTrainer;
    private final List<Double> gateLosses = new ArrayList<>();
    private int completed;
    private Path lastCheckpoint;

    /**
     * The state written beside the weights for resuming.
     *
     * @param formatVersion layout version
     * @param completedSteps optimiser steps taken
     * @param seed the run's seed
     * @param samplerPosition examples drawn from the data so far
     */
    public record State(@JsonProperty("format_version") int formatVersion,
            @JsonProperty("completed_steps") int completedSteps, @JsonProperty("seed") long seed,
            @JsonProperty("sampler_position") long samplerPosition) {}

    /**
     * Creates a trainer for a model.
     *
     * @param model the model; its weights are trained in place
     * @param config the training configuration (saved into every checkpoint)
     * @param outputDir folder for checkpoints and metrics
     * @param rewards the reward estimator
     */
    public DjlTrainer(QuietStarModel model, QuietStarConfig config, Path outputDir,
            RewardEstimator<NDArray> rewards) {
        this(model, config, outputDir, rewards, Objective.QUIET_STAR);
    }

    /**
     * Creates a trainer for plain next-token training (pretraining or a control run) of a model's decoder.
     *
     * @param model the model; only its decoder is trained
     * @param config sequence length, optimiser and schedule (thought settings are unused)
     * @param outputDir folder for checkpoints and metrics
     * @return the trainer
     */
    public static DjlTrainer nextToken(QuietStarModel model, QuietStarConfig config, Path outputDir) {
        return new DjlTrainer(model, config, outputDir, new dev.quietstar.djl.thought.ReinforceRewardEstimator(),
                Objective.NEXT_TOKEN);
    }

    private DjlTrainer(QuietStarModel model, QuietStarConfig config, Path outputDir,
            RewardEstimator<NDArray> rewards, Objective objectiveKind) {
        this.objectiveKind = Objects.requireNonNull(objectiveKind, "objectiveKind");
        this.model = Objects.requireNonNull(model, "model");
        this.config = Objects.requireNonNull(config, "config");
        this.outputDir = Objects.requireNonNull(outputDir, "outputDir");
        this.rewards = Objects.requireNonNull(rewards, "rewards");
        int needed = objectiveKind == Objective.NEXT_TOKEN ? config.sequenceLength()
                : config.sequenceLength() + config.thoughtLength() + config.lookahead() + 1;
        int max = model.decoder().config().maxPositions();
        if (needed > max) {
            throw new IllegalArgumentException("sequenceLength (" + config.sequenceLength() + ") + thoughtLength ("
                    + config.thoughtLength() + ") + lookahead (" + config.lookahead() + ") + 1 = " + needed
                    + " positions, but the model has " + max + " (max_position_embeddings); lower sequenceLength");
        }
        model.checkFinite();
        for (String name : model.parameters().keySet()) {
            double mult = objectiveKind == Objective.NEXT_TOKEN
                    ? (name.startsWith("quietstar.") ? 0.0 : 1.0)
                    : name.startsWith(MlpMixingHead.PREFIX) ? config.optimizer().mixingHeadLrMultiplier()
                    : name.equals(MetaTokens.START_NAME) || name.equals(MetaTokens.END_NAME)
                            ? config.optimizer().metaTokenLrMultiplier() : 1.0;
            multipliers.put(name, mult);
        }
        model.parameters().forEach((name, p) -> p.getArray().setRequiresGradient(multipliers.get(name) > 0));
        this.optimizer = new AdamW(config.optimizer(), model.manager());
        if (objectiveKind == Objective.QUIET_STAR && config.gate().enabled()) {
            ThinkingGate start = model.thinkingGate().orElse(ThinkingGate.zero(model.decoder().config().hiddenSize()));
            this.gateTrainer = new GateTrainer(start, config.gate().forgetting());
            model.setThinkingGate(start);
        } else {
            this.gateTrainer = null;
        }
    }

    /**
     * The thinking gate's loss (half squared error of the gate so far, before the batch is added) of every micro-batch trained so far in this
     * trainer, oldest first; empty when the gate is off.
     *
     * @return the losses
     */
    public List<Double> gateLosses() {
        return List.copyOf(gateLosses);
    }

    /**
     * Resumes from a checkpoint written by a trainer: loads its optimiser moments and step count.
     *
     * @param checkpoint the checkpoint folder (with {@value #STATE_DIR})
     * @return the state read
     */
    public State restore(Path checkpoint) {
        Path dir = checkpoint.resolve(STATE_DIR);
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("checkpoint " + checkpoint + " has no " + STATE_DIR
                    + " folder: it cannot be resumed (it can still be trained from as a fresh start)");
        }
        State state;
        try {
            state = JSON.readValue(BoundedFiles.readUtf8(dir.resolve("state.json"), BoundedFiles.MAX_METADATA_BYTES,
                    "training state"), State.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + dir.resolve("state.json") + ": " + e.getMessage(), e);
        }
        if (state.seed() != config.training().seed()) {
            throw new IllegalArgumentException("checkpoint was trained with seed " + state.seed()
                    + " but the configuration has seed " + config.training().seed());
        }
        try (NDManager tmp = model.manager().newSubManager()) {
            optimizer.restore(Safetensors.read(tmp, dir.resolve("optimizer.safetensors")), state.completedSteps(),
                    model.parameters());
            Path meta = dir.resolve(META_TOKEN_PARAMETERS);
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
        Path gateState = dir.resolve(GATE_STATE);
        if (gateTrainer != null && Files.isRegularFile(gateState)) {
            try {
                gateTrainer.restore(JSON.readValue(BoundedFiles.readUtf8(gateState, BoundedFiles.MAX_METADATA_BYTES,
                        "thinking gate state"), GateTrainer.State.class));
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read " + gateState + ": " + e.getMessage(), e);
            }
            model.setThinkingGate(gateTrainer.gate());
        }
        completed = state.completedSteps();
        lastCheckpoint = checkpoint;
        return state;
    }

    /**
     * Chooses how the thought passes attend to their own earlier tokens: element-wise diagonal products (the
     * default, O(L·k·d) per pass) or the official dense block mask (O(L²·k·d)); both give the same numbers
     * (semantics test (e)). For benchmarks and checks against the official layout.
     *
     * @param layout the layout
     * @return this trainer
     */
    public DjlTrainer withAttentionLayout(ParallelThoughtGenerator.AttentionLayout layout) {
        this.attentionLayout = java.util.Objects.requireNonNull(layout, "layout");
        return this;
    }

    @Override
    public void addListener(TrainingListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    @Override
    public int completedSteps() {
        return completed;
    }

    @Override
    public TrainingReport train(Dataset data) {
        long start = System.nanoTime();
        QuietStarConfig c = config;
        WindowSampler sampler = new WindowSampler(model.tokenizer(), data, c.sequenceLength(), c.lookahead(),
                c.training().seed());
        sampler.seek((long) completed * c.training().examplesPerStep());
        List<StepMetrics> metrics = new ArrayList<>();
        try {
            Files.createDirectories(outputDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create output folder " + outputDir, e);
        }
        try {
            // A crashed run may have logged steps after its last checkpoint, or half a line: a resumed run starts
            // from the checkpoint's step, so the file is cut back to it and then continues like an uninterrupted
            // run's.
            int dropped = MetricsJsonlWriter.truncateAfter(outputDir.resolve("metrics.jsonl"), completed);
            if (dropped > 0) {
                LOG.info("dropped {} line(s) after step {} from {}", dropped, completed,
                        outputDir.resolve("metrics.jsonl"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the metrics file under " + outputDir, e);
        }
        try (MetricsJsonlWriter jsonl = new MetricsJsonlWriter(outputDir.resolve("metrics.jsonl"))) {
            while (completed < c.training().steps()) {
                StepMetrics m = step(sampler);
                metrics.add(m);
                jsonl.onStep(m);
                for (TrainingListener l : listeners) {
                    l.onStep(m);
                }
                int every = c.training().checkpointEvery();
                if (every > 0 && completed % every == 0 && completed < c.training().steps()) {
                    checkpoint(sampler.position());
                }
            }
            if (lastCheckpoint == null || !lastCheckpoint.equals(stepFolder(completed))) {
                checkpoint(sampler.position());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write training output under " + outputDir, e);
        }
        return new TrainingReport(metrics, lastCheckpoint, (System.nanoTime() - start) / 1e9);
    }

    private Path stepFolder(int step) {
        return outputDir.resolve("checkpoints").resolve(String.format("step-%06d", step));
    }

    private void checkpoint(long samplerPosition) throws IOException {
        Path folder = stepFolder(completed);
        Files.createDirectories(folder.getParent());
        State state = new State(1, completed, config.training().seed(), samplerPosition);
        model.save(folder, config, tmp -> {
            Path dir = Files.createDirectories(tmp.resolve(STATE_DIR));
            Safetensors.write(dir.resolve("optimizer.safetensors"), optimizer.state());
            // The weights file holds the meta-token embeddings as used (parameter times scale); dividing them back
            // on load may change the last bit, so the exact parameters are kept here for a bit-exact resume.
            Map<String, NDArray> meta = new LinkedHashMap<>();
            meta.put(MetaTokens.START_NAME, model.parameters().get(MetaTokens.START_NAME).getArray());
            meta.put(MetaTokens.END_NAME, model.parameters().get(MetaTokens.END_NAME).getArray());
            Safetensors.write(dir.resolve(META_TOKEN_PARAMETERS), meta);
            Files.writeString(dir.resolve("state.json"), JSON.writeValueAsString(state));
            if (gateTrainer != null) {
                Files.writeString(dir.resolve(GATE_STATE), JSON.writeValueAsString(gateTrainer.state()));
            }
        });
        lastCheckpoint = folder;
        LOG.info("checkpoint written: {}", folder);
        for (TrainingListener l : listeners) {
            l.onCheckpoint(completed, folder);
        }
    }

    /** One optimiser step; returns its metrics. */
    private StepMetrics step(WindowSampler sampler) {
        long t0 = System.nanoTime();
        QuietStarConfig c = config;
        int micro = c.training().microBatchExamples();
        int accumulation = c.training().examplesPerStep() / micro;
        int p = c.thoughtsPerPosition();
        ParallelThoughtGenerator generator = new ParallelThoughtGenerator(model, c.thoughtLength(), c.lookahead(),
                attentionLayout);
        QuietStarObjective objective = new QuietStarObjective(model, c, rewards);
        double total = 0;
        double nll = 0;
        double policy = 0;
        double baseNll = 0;
        double talkNll = 0;
        double basePlain = 0;
        double talkPlain = 0;
        double reward = 0;
        double weight = 0;
        long realTokens = 0;
        long fedTokens = 0;
        for (int a = 0; a < accumulation; a++) {
            WindowSampler.Batch batch = sampler.next(micro);
            try (NDManager scope = model.manager().newSubManager()) {
                NDArray ids = rows(scope, batch.tokenIds(), p);
                NDArray attn = rows(scope, batch.attentionMask(), p);
                SplittableRandom rng = new SplittableRandom(mix(c.training().seed(), completed, a));
                var thoughtSampler = c.thoughtSampling() == ThoughtSampling.GREEDY ? ThoughtSamplers.greedy()
                        : ThoughtSamplers.categorical(c.thoughtTemperature(), rng);
                if (objectiveKind == Objective.NEXT_TOKEN) {
                    try (GradientCollector gc = Engine.getEngine(DjlEngines.ENGINE).newGradientCollector()) {
                        NDArray loss = nextTokenLoss(ids, attn);
                        double value = loss.getFloat();
                        if (!Double.isFinite(value)) {
                            throw diverged("the loss is " + value);
                        }
                        gc.backward(Ops.div(loss, accumulation));
                        total += value / accumulation;
                        nll += value / accumulation;
                        baseNll += value / accumulation;
                        basePlain += value / accumulation;
                    }
                    for (int[] row : batch.attentionMask()) {
                        for (int v : row) {
                            realTokens += v;
                        }
                    }
                    fedTokens += ids.size();
                    continue;
                }
                try (GradientCollector gc = Engine.getEngine(DjlEngines.ENGINE).newGradientCollector()) {
                    ThoughtRollout<NDArray> rollout = generator.generate(ids, attn, thoughtSampler);
                    ObjectiveResult r = objective.evaluate(rollout, ids, attn);
                    double loss = r.total().getFloat();
                    if (!Double.isFinite(loss)) {
                        throw diverged("the loss is " + loss);
                    }
                    gc.backward(Ops.div(r.total(), accumulation));
                    if (gateTrainer != null) {
                        // After the backward pass, on detached copies: the gate never touches the objective's
                        // gradients.
                        trainGate(rollout.baseHidden(), r, batch.attentionMask(), p);
                    }
                    total += loss / accumulation;
                    nll += r.nll().getFloat() / accumulation;
                    policy += r.policy().getFloat() / accumulation;
                    baseNll += r.baseNllOfficial() / accumulation;
                    talkNll += r.talkNllOfficial() / accumulation;
                    basePlain += r.baseNllPlain() / accumulation;
                    talkPlain += r.talkNllPlain() / accumulation;
                    reward += r.meanReward() / accumulation;
                    weight += r.meanMixingWeight() / accumulation;
                }
                for (int[] row : batch.attentionMask()) {
                    for (int v : row) {
                        realTokens += v;
                    }
                }
                fedTokens += ids.size() * (1L + generator.thoughtPasses());
            }
        }
        double norm = gradientNorm();
        if (!Double.isFinite(norm)) {
            throw diverged("the gradient norm is " + norm + " (first non-finite gradient: " + nonFiniteGradient()
                    + ")");
        }
        double clip = c.optimizer().gradClipNorm();
        double scale = clip > 0 && norm > clip ? clip / (norm + 1e-6) : 1.0;
        double lr = c.optimizer().learningRate()
                * LearningRateSchedule.factor(completed, c.optimizer().warmupSteps(), c.training().steps());
        Map<String, Double> rates = new LinkedHashMap<>();
        multipliers.forEach((name, mult) -> rates.put(name, lr * mult));
        optimizer.update(model.parameters(), rates, scale);
        completed++;
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new StepMetrics(completed, total, nll, policy, baseNll, talkNll, basePlain, talkPlain, reward, weight,
                lr, norm, realTokens / seconds, fedTokens / seconds);
    }

    /**
     * One update of the thinking gate: features from the base pass at every position with a real next token, the
     * target the step-0 gain log p_talk(x_{i+1}) - log p_base(x_{i+1}) averaged over the P thoughts of the position.
     */
    @SuppressWarnings("try") // the no-gradient scope is held, not referenced
    private void trainGate(NDArray baseHidden, ObjectiveResult r, int[][] attention, int copies) {
        long rows = baseHidden.getShape().get(0);
        int len = Math.toIntExact(baseHidden.getShape().get(1));
        int h = Math.toIntExact(baseHidden.getShape().get(2));
        int examples = Math.toIntExact(rows / copies);
        float[] hidden;
        float[] features;
        float[] gain;
        try (NoGradScope ignored = NoGradScope.enter(); NDManager scope = model.manager().newSubManager()) {
            // The P copies of an example share the base pass; the first copy gives the features.
            NDArray hb = baseHidden.stopGradient().reshape(examples, copies, len, h).get(":, 0, 0:" + (len - 1) + ", :");
            hb.attach(scope);
            NDArray logp = model.decoder().logits(hb).add(model.metaTokenLogitMask(scope)).logSoftmax(-1);
            NDArray entropy = logp.exp().mul(logp).sum(new int[] {-1}).neg();
            NDArray maxLogp = logp.max(new int[] {-1});
            NDArray g = r.baseNll().stopGradient().sub(r.talkNll().get(0).stopGradient())
                    .reshape(examples, copies, len - 1).mean(new int[] {1});
            hidden = hb.toFloatArray();
            features = ai.djl.ndarray.NDArrays.stack(new ai.djl.ndarray.NDList(entropy, maxLogp), -1).toFloatArray();
            gain = g.toFloatArray();
            for (NDArray a : new NDArray[] {logp, entropy, maxLogp, g}) {
                a.attach(scope);
            }
        }
        int n = 0;
        float[] x = new float[examples * (len - 1) * h];
        double[] d = new double[examples * (len - 1) * 2];
        double[] y = new double[examples * (len - 1)];
        for (int e = 0; e < examples; e++) {
            for (int i = 0; i < len - 1; i++) {
                if (attention[e][i + 1] == 0) {
                    continue;
                }
                int at = e * (len - 1) + i;
                System.arraycopy(hidden, at * h, x, n * h, h);
                d[2 * n] = features[2 * at];
                d[2 * n + 1] = features[2 * at + 1];
                y[n] = gain[at];
                n++;
            }
        }
        double loss = gateTrainer.update(x, d, y, n);
        if (!Double.isNaN(loss)) {
            gateLosses.add(loss);
        }
        model.setThinkingGate(gateTrainer.gate());
    }

    /** Mean next-token NLL over real targets of one causal pass. */
    private NDArray nextTokenLoss(NDArray ids, NDArray attn) {
        NDManager m = ids.getManager();
        long len = ids.getShape().get(1);
        NDArray mask = dev.quietstar.djl.model.Masks.causalWithPadding(m,
                dev.quietstar.djl.thought.ParallelThoughtGenerator.toIntMatrix(attn));
        NDArray positions = m.arange(0, len).toType(ai.djl.ndarray.types.DataType.INT64, false).reshape(1, len)
                .repeat(0, ids.getShape().get(0));
        NDArray hidden = model.decoder().forward(model.inputEmbeddings(ids), positions, mask, null).hidden();
        NDArray logp = model.decoder().logits(hidden.get(":, 0:" + (len - 1) + ", :")).logSoftmax(-1);
        NDArray tok = logp.gather(ids.get(":, 1:").expandDims(-1), 2).squeeze(-1);
        NDArray valid = attn.get(":, 1:").toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
        return tok.mul(valid).sum().neg().div(Ops.max(valid.sum(), 1));
    }

    private TrainingDivergedException diverged(String what) {
        zeroGradients();
        return new TrainingDivergedException("training diverged at step " + (completed + 1) + ": " + what
                + "; the step was not applied and nothing was saved"
                + (lastCheckpoint == null ? "" : "; the last good checkpoint is " + lastCheckpoint)
                + ". Lower the learning rate or the policy weight.");
    }

    private double gradientNorm() {
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

    private String nonFiniteGradient() {
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

    private void zeroGradients() {
        for (Parameter p : model.parameters().values()) {
            if (p.getArray().hasGradient()) {
                ai.djl.pytorch.jni.JniUtils.zeroGrad((ai.djl.pytorch.engine.PtNDArray) p.getArray());
            }
        }
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
        return m.create(flat, new Shape((long) n * copies, len));
    }

    private static long mix(long seed, int step, int micro) {
        long z = seed * 0x9E3779B97F4A7C15L + step * 0xBF58476D1CE4E5B9L + micro * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public void save(Path folder) {
        try {
            model.save(folder, config, null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save checkpoint " + folder, e);
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

    @Override
    public void close() {
        optimizer.close();
        model.parameters().values().forEach(p -> p.getArray().setRequiresGradient(false));
    }
}
