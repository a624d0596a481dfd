package dev.quietstar.core.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.quietstar.api.Dataset;
import dev.quietstar.api.StepMetrics;
import dev.quietstar.api.Trainer;
import dev.quietstar.api.TrainingListener;
import dev.quietstar.api.TrainingObjective;
import dev.quietstar.api.TrainingReport;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.core.data.WindowSampler;
import dev.quietstar.core.gate.GateTrainer;
import dev.quietstar.core.gate.ThinkingGate;
import dev.quietstar.core.io.AtomicFolder;
import dev.quietstar.core.io.BoundedFiles;
import dev.quietstar.core.io.DiskFull;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine-neutral training loop: drives a backend's {@link TrainingStep} through the schedule of a
 * {@link QuietStarConfig}.
 *
 * <p>Each optimiser step draws {@code examplesPerStep} training windows from a seeded {@link WindowSampler}, splits
 * them into micro-batches of {@code microBatchExamples}, and lets the step accumulate gradients on each with the
 * seed {@link #microBatchSeed}. Then it checks the losses and the global gradient norm are finite (otherwise it
 * stops with {@link TrainingDivergedException}, drops the gradients and writes nothing), computes the clip scale
 * and the scheduled learning rate ({@link LearningRateSchedule}), and lets the step apply the update.
 *
 * <p>Reproducible: the windows and seeds of step k depend only on the run's seed and k, so the same seed and data
 * give the same losses, and a run resumed from a checkpoint (the sampler is moved to the checkpoint's position)
 * continues the same loss curve. With the thinking gate on, the loop trains it ({@link GateTrainer}) from the
 * inputs each micro-batch reports.
 *
 * <p>Writes checkpoints atomically ({@link AtomicFolder}) to {@code outputDir/checkpoints/step-NNNNNN} every
 * {@code checkpointEvery} steps and at the end, each with {@value #STATE_DIR}/{@value #STATE_FILE}, the step's
 * optimiser state and the gate trainer's state; and metrics to {@code outputDir/metrics.jsonl}, cut back to the
 * resumed step first. Not thread-safe. Closing the loop closes its step.
 */
public final class TrainingLoop implements Trainer {

    /** Folder inside a checkpoint that holds the optimiser and schedule state. */
    public static final String STATE_DIR = "training-state";
    /** File in {@link #STATE_DIR} with the {@link TrainingState}. */
    public static final String STATE_FILE = "state.json";
    /** File in {@link #STATE_DIR} with the thinking gate trainer's running sums. */
    public static final String GATE_STATE = "thinking-gate-trainer.json";
    /** File in the output folder with one line of metrics per step. */
    public static final String METRICS_FILE = "metrics.jsonl";

    private static final Logger LOG = LoggerFactory.getLogger(TrainingLoop.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final TrainingStep step;
    private final QuietStarConfig config;
    private final Path outputDir;
    private final List<TrainingListener> listeners = new ArrayList<>();
    private final GateTrainer gateTrainer;
    private final List<Double> gateLosses = new ArrayList<>();
    private int completed;
    private Path lastCheckpoint;

    /**
     * Creates the loop over a step. The caller keeps ownership of the step only until this constructor returns:
     * from then on {@link #close()} closes it (a rejected setup leaves the step to the caller).
     *
     * @param step the backend's step over its model
     * @param config the training configuration
     * @param outputDir folder for checkpoints and metrics
     * @throws IllegalArgumentException when the configuration needs more positions than the model has
     */
    public TrainingLoop(TrainingStep step, QuietStarConfig config, Path outputDir) {
        this.step = Objects.requireNonNull(step, "step");
        this.config = Objects.requireNonNull(config, "config");
        this.outputDir = Objects.requireNonNull(outputDir, "outputDir");
        TrainingObjective objective = Objects.requireNonNull(step.objective(), "step.objective()");
        requirePositions(config, objective, step.maxPositions());
        if (objective == TrainingObjective.QUIET_STAR && config.gate().enabled()) {
            ThinkingGate start = step.startGate();
            this.gateTrainer = new GateTrainer(start, config.gate().forgetting());
            step.installGate(start);
        } else {
            this.gateTrainer = null;
        }
    }

    /**
     * Checks that a model has the positions a configuration feeds it: L for next-token training,
     * L + thoughtLength + lookahead + 1 for Quiet-STaR.
     *
     * @param config the configuration
     * @param objective what is trained
     * @param maxPositions the model's max_position_embeddings
     * @throws IllegalArgumentException naming the sum and the model's limit
     */
    public static void requirePositions(QuietStarConfig config, TrainingObjective objective, int maxPositions) {
        int needed = objective == TrainingObjective.NEXT_TOKEN ? config.sequenceLength()
                : config.sequenceLength() + config.thoughtLength() + config.lookahead() + 1;
        if (needed > maxPositions) {
            throw new IllegalArgumentException("sequenceLength (" + config.sequenceLength() + ") + thoughtLength ("
                    + config.thoughtLength() + ") + lookahead (" + config.lookahead() + ") + 1 = " + needed
                    + " positions, but the model has " + maxPositions
                    + " (max_position_embeddings); lower sequenceLength");
        }
    }

    /**
     * The seed of micro-batch {@code micro} of 0-based optimiser step {@code step} (a SplitMix-style mix, so
     * neighbouring steps get unrelated seeds).
     *
     * @param seed the run's seed
     * @param step 0-based optimiser step
     * @param micro 0-based micro-batch index
     * @return the seed
     */
    public static long microBatchSeed(long seed, int step, int micro) {
        long z = seed * 0x9E3779B97F4A7C15L + step * 0xBF58476D1CE4E5B9L + micro * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * The folder of the checkpoint of a step.
     *
     * @param outputDir the run's output folder
     * @param step the optimiser step
     * @return {@code outputDir/checkpoints/step-NNNNNN}
     */
    public static Path checkpointFolder(Path outputDir, int step) {
        return outputDir.resolve("checkpoints").resolve(String.format("step-%06d", step));
    }

    /**
     * Reads a checkpoint's training state.
     *
     * @param checkpoint the checkpoint folder
     * @return the state, or null when the checkpoint has no {@value #STATE_DIR}/{@value #STATE_FILE}
     * @throws IllegalArgumentException when the file cannot be read
     */
    public static TrainingState readState(Path checkpoint) {
        Path file = checkpoint.resolve(STATE_DIR).resolve(STATE_FILE);
        if (BoundedFiles.MISSING.equals(BoundedFiles.notARegularFile(file))) {
            return null;
        }
        try {
            return JSON.readValue(BoundedFiles.readUtf8(file, BoundedFiles.MAX_METADATA_BYTES, "training state"),
                    TrainingState.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Resumes from a checkpoint written by a training loop: its step count, the step's optimiser state and the
     * gate trainer's state.
     *
     * @param checkpoint the checkpoint folder (with {@value #STATE_DIR})
     * @return the state read
     * @throws IllegalArgumentException when the checkpoint has no training state or was trained with another seed
     */
    public TrainingState restore(Path checkpoint) {
        Path dir = checkpoint.resolve(STATE_DIR);
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("checkpoint " + checkpoint + " has no " + STATE_DIR
                    + " folder: it cannot be resumed (it can still be trained from as a fresh start)");
        }
        TrainingState state = readState(checkpoint);
        if (state == null) {
            throw new IllegalArgumentException("cannot read " + dir.resolve(STATE_FILE) + ": the file is missing");
        }
        if (state.seed() != config.training().seed()) {
            throw new IllegalArgumentException("checkpoint was trained with seed " + state.seed()
                    + " but the configuration has seed " + config.training().seed());
        }
        step.restoreTrainingState(dir, state.completedSteps());
        Path gateState = dir.resolve(GATE_STATE);
        if (gateTrainer != null && Files.isRegularFile(gateState)) {
            try {
                gateTrainer.restore(JSON.readValue(BoundedFiles.readUtf8(gateState, BoundedFiles.MAX_METADATA_BYTES,
                        "thinking gate state"), GateTrainer.State.class));
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read " + gateState + ": " + e.getMessage(), e);
            }
            step.installGate(gateTrainer.gate());
        }
        completed = state.completedSteps();
        lastCheckpoint = checkpoint;
        return state;
    }

    /**
     * Resumes from a checkpoint when it can be: it has a training state written with this configuration's seed.
     * Otherwise training starts at step 0 from the weights the step's model was loaded with (logged).
     *
     * @param checkpoint the checkpoint folder the model was loaded from
     * @return whether the run was resumed
     */
    public boolean resumeIfPossible(Path checkpoint) {
        TrainingState state = readState(checkpoint);
        if (state == null) {
            LOG.info("checkpoint {} has no training state: training starts at step 0 from its weights", checkpoint);
            return false;
        }
        if (state.seed() != config.training().seed()) {
            LOG.warn("checkpoint {} was trained with seed {} but the configuration has seed {}: training starts at "
                    + "step 0 from its weights instead of resuming", checkpoint, state.seed(),
                    config.training().seed());
            return false;
        }
        restore(checkpoint);
        LOG.info("resumed from {} at step {}", checkpoint, completed);
        return true;
    }

    /**
     * The thinking gate's loss (half squared error of the gate so far, before the batch is added) of every
     * micro-batch trained so far by this loop, oldest first; empty when the gate is off.
     *
     * @return the losses
     */
    public List<Double> gateLosses() {
        return List.copyOf(gateLosses);
    }

    /**
     * The step this loop drives.
     *
     * @return the step
     */
    public TrainingStep step() {
        return step;
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
        WindowSampler sampler = new WindowSampler(step.tokenizer(), data, c.sequenceLength(), c.lookahead(),
                c.training().seed());
        sampler.seek((long) completed * c.training().examplesPerStep());
        List<StepMetrics> metrics = new ArrayList<>();
        Path metricsFile = outputDir.resolve(METRICS_FILE);
        try {
            Files.createDirectories(outputDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create output folder " + outputDir, e);
        }
        try {
            // A crashed run may have logged steps after its last checkpoint, or half a line: a resumed run starts
            // from the checkpoint's step, so the file is cut back to it and then continues like an uninterrupted
            // run's.
            int dropped = MetricsJsonlWriter.truncateAfter(metricsFile, completed);
            if (dropped > 0) {
                LOG.info("dropped {} line(s) after step {} from {}", dropped, completed, metricsFile);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the metrics file under " + outputDir + ": " + e.getMessage(),
                    e);
        }
        try (MetricsJsonlWriter jsonl = new MetricsJsonlWriter(metricsFile)) {
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
            if (lastCheckpoint == null || !lastCheckpoint.equals(checkpointFolder(outputDir, completed))) {
                checkpoint(sampler.position());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write training output under " + outputDir + ": " + e.getMessage()
                    + (lastCheckpoint == null ? "" : "; the last complete checkpoint is " + lastCheckpoint), e);
        } catch (UncheckedIOException e) {
            if (lastCheckpoint == null || !DiskFull.isDiskFull(e)) {
                throw e;
            }
            throw new UncheckedIOException(e.getMessage() + "; the last complete checkpoint is " + lastCheckpoint,
                    e.getCause());
        }
        return new TrainingReport(metrics, lastCheckpoint, (System.nanoTime() - start) / 1e9);
    }

    private void checkpoint(long samplerPosition) throws IOException {
        Path folder = checkpointFolder(outputDir, completed);
        TrainingState state = new TrainingState(TrainingState.FORMAT_VERSION, completed, config.training().seed(),
                samplerPosition);
        AtomicFolder.write(folder, tmp -> {
            step.saveModel(tmp);
            Path dir = Files.createDirectories(tmp.resolve(STATE_DIR));
            step.saveTrainingState(dir);
            Files.writeString(dir.resolve(STATE_FILE), JSON.writeValueAsString(state));
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
            MicroBatch mb = new MicroBatch(batch.tokenIds(), batch.attentionMask(),
                    microBatchSeed(c.training().seed(), completed, a), completed, a, accumulation);
            MicroBatchResult r = step.accumulate(mb, gateTrainer != null);
            if (!Double.isFinite(r.totalLoss())) {
                throw diverged("the loss is " + r.totalLoss());
            }
            if (gateTrainer != null && r.gate() != null) {
                GateInputs g = r.gate();
                double loss = gateTrainer.update(g.hidden(), g.features(), g.targets(), g.count());
                if (!Double.isNaN(loss)) {
                    gateLosses.add(loss);
                }
                step.installGate(gateTrainer.gate());
            }
            total += r.totalLoss() / accumulation;
            nll += r.nllLoss() / accumulation;
            policy += r.policyLoss() / accumulation;
            baseNll += r.baseNll() / accumulation;
            talkNll += r.talkNll() / accumulation;
            basePlain += r.baseNllPlain() / accumulation;
            talkPlain += r.talkNllPlain() / accumulation;
            reward += r.meanReward() / accumulation;
            weight += r.meanMixingWeight() / accumulation;
            realTokens += mb.realTokens();
            fedTokens += r.fedTokens();
        }
        double norm = step.gradientNorm();
        if (!Double.isFinite(norm)) {
            throw diverged("the gradient norm is " + norm + " (first non-finite gradient: "
                    + step.firstNonFiniteGradient() + ")");
        }
        double clip = c.optimizer().gradClipNorm();
        double scale = clip > 0 && norm > clip ? clip / (norm + 1e-6) : 1.0;
        double lr = c.optimizer().learningRate()
                * LearningRateSchedule.factor(completed, c.optimizer().warmupSteps(), c.training().steps());
        step.update(lr, scale);
        completed++;
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new StepMetrics(completed, total, nll, policy, baseNll, talkNll, basePlain, talkPlain, reward, weight,
                lr, norm, realTokens / seconds, fedTokens / seconds);
    }

    private TrainingDivergedException diverged(String what) {
        step.zeroGradients();
        return new TrainingDivergedException("training diverged at step " + (completed + 1) + ": " + what
                + "; the step was not applied and nothing was saved"
                + (lastCheckpoint == null ? "" : "; the last good checkpoint is " + lastCheckpoint)
                + ". Lower the learning rate or the policy weight.");
    }

    /**
     * Writes a checkpoint of the model (without training state) atomically.
     *
     * @param folder the destination; replaced only once the new checkpoint is complete
     */
    @Override
    public void save(Path folder) {
        try {
            AtomicFolder.write(folder, step::saveModel);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save checkpoint " + folder, e);
        }
    }

    /** Closes the step: frees the optimiser state and stops tracking gradients. */
    @Override
    public void close() {
        step.close();
    }
}
