package dev.quietstar.djl.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
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
import dev.quietstar.core.train.MetricsJsonlWriter;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.model.Ops;
import dev.quietstar.djl.model.Safetensors;
import dev.quietstar.djl.thought.MetaTokens;
import dev.quietstar.djl.thought.MlpMixingHead;
import dev.quietstar.djl.thought.ObjectiveResult;
import dev.quietstar.djl.thought.ParallelThoughtGenerator;
import dev.quietstar.djl.thought.QuietStarModel;
import dev.quietstar.djl.thought.QuietStarObjective;
import dev.quietstar.djl.thought.ThoughtSamplers;
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
            state = JSON.readValue(dir.resolve("state.json").toFile(), State.class);
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
            Files.writeString(dir.resolve("state.json"), JSON.writeValueAsString(state));
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
                    ObjectiveResult r = objective.evaluate(generator.generate(ids, attn, thoughtSampler), ids, attn);
                    double loss = r.total().getFloat();
                    if (!Double.isFinite(loss)) {
                        throw diverged("the loss is " + loss);
                    }
                    gc.backward(Ops.div(r.total(), accumulation));
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
