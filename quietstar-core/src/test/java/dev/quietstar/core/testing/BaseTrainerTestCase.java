package dev.quietstar.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quietstar.api.Dataset;
import dev.quietstar.api.StepMetrics;
import dev.quietstar.api.Trainer;
import dev.quietstar.api.TrainingListener;
import dev.quietstar.api.TrainingReport;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.core.data.DatasetException;
import dev.quietstar.core.data.TextDatasets;
import dev.quietstar.core.train.MetricsJsonlWriter;
import dev.quietstar.core.train.TrainingLoop;
import dev.quietstar.core.train.TrainingState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Contract tests of a {@link Trainer}: every backend that lists TRAIN extends this class and creates trainers over a
 * small model.
 *
 * <p>Checks seeded reproducibility (two runs give the same metrics and the same weights file), a bit-exact resume
 * (N steps straight equal N/2 steps, a checkpoint and N/2 resumed steps), the checkpoint layout (docs/training.md)
 * and that bad setups are rejected with messages that say what is wrong.
 */
public abstract class BaseTrainerTestCase {

    /** A fresh folder per test. */
    @TempDir
    protected Path dir;

    /**
     * A small configuration to train with; the kit sets the number of steps and the checkpoint cadence itself.
     *
     * @return the configuration
     */
    protected abstract QuietStarConfig config();

    /**
     * The number of positions of the model {@link #newTrainer} trains.
     *
     * @return max_position_embeddings
     */
    protected abstract int maxPositions();

    /**
     * Creates a trainer over a new model whose weights are the same on every call (seeded).
     *
     * @param config the configuration
     * @param outputDir the output folder
     * @return the trainer; the test closes it
     */
    protected abstract Trainer newTrainer(QuietStarConfig config, Path outputDir);

    /**
     * Creates a trainer that resumes a checkpoint exactly (its weights, optimiser state and step).
     *
     * @param checkpoint the checkpoint folder
     * @param config the configuration
     * @param outputDir the output folder
     * @return the trainer; the test closes it
     * @throws IllegalArgumentException when the checkpoint cannot be resumed with this configuration
     */
    protected abstract Trainer resumeTrainer(Path checkpoint, QuietStarConfig config, Path outputDir);

    /**
     * The training text; by default twenty short numbered sentences.
     *
     * @return the dataset
     */
    protected Dataset data() {
        List<String> docs = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            docs.add("Sentence " + i + ": " + (i * 7 % 10) + " + " + i + " = " + (i * 7 % 10 + i) + ".");
        }
        return TextDatasets.fromStrings("trainer contract", docs);
    }

    /**
     * Steps of the runs the kit makes (even, at least 2).
     *
     * @return 4 by default
     */
    protected int steps() {
        return 4;
    }

    private QuietStarConfig run() {
        QuietStarConfig c = config();
        return c.withTraining(c.training().withSteps(steps()).withCheckpointEvery(steps() / 2));
    }

    private TrainingReport train(QuietStarConfig config, Path out) {
        try (Trainer trainer = newTrainer(config, out)) {
            assertThat(trainer.completedSteps()).isZero();
            return trainer.train(data());
        }
    }

    /** The metrics without the timings. */
    private static List<String> losses(List<StepMetrics> steps) {
        return steps.stream().map(m -> m.step() + " " + m.totalLoss() + " " + m.nllLoss() + " " + m.policyLoss()
                + " " + m.baseNll() + " " + m.talkNll() + " " + m.baseNllPlain() + " " + m.talkNllPlain() + " "
                + m.meanReward() + " " + m.meanMixingWeight() + " " + m.learningRate() + " " + m.gradNorm()).toList();
    }

    @Test
    void twoRunsWithTheSameSeedGiveTheSameMetricsAndWeights() throws IOException {
        TrainingReport a = train(run(), dir.resolve("a"));
        TrainingReport b = train(run(), dir.resolve("b"));
        assertThat(a.steps()).hasSize(steps());
        assertThat(a.steps()).allSatisfy(m -> assertThat(m.totalLoss()).isFinite());
        assertThat(losses(b.steps())).isEqualTo(losses(a.steps()));
        assertThat(Files.readAllBytes(b.finalCheckpoint().resolve("model.safetensors")))
                .isEqualTo(Files.readAllBytes(a.finalCheckpoint().resolve("model.safetensors")));
    }

    @Test
    void aResumedRunContinuesBitForBit() throws IOException {
        TrainingReport straight = train(run(), dir.resolve("straight"));
        int half = steps() / 2;
        Path mid = TrainingLoop.checkpointFolder(dir.resolve("straight"), half);
        assertThat(mid).isDirectory();
        List<StepMetrics> rest;
        Path resumedOut = dir.resolve("resumed");
        try (Trainer trainer = resumeTrainer(mid, run(), resumedOut)) {
            assertThat(trainer.completedSteps()).isEqualTo(half);
            rest = trainer.train(data()).steps();
        }
        assertThat(losses(rest)).isEqualTo(losses(straight.steps().subList(half, steps())));
        Path last = TrainingLoop.checkpointFolder(resumedOut, steps());
        assertThat(Files.readAllBytes(last.resolve("model.safetensors")))
                .as("weights after resuming").isEqualTo(
                        Files.readAllBytes(straight.finalCheckpoint().resolve("model.safetensors")));
    }

    @Test
    void checkpointsHaveTheDocumentedLayout() throws IOException {
        Path out = dir.resolve("layout");
        List<Integer> saved = new ArrayList<>();
        TrainingReport report;
        try (Trainer trainer = newTrainer(run(), out)) {
            trainer.addListener(new TrainingListener() {
                @Override
                public void onCheckpoint(int step, Path folder) {
                    assertThat(folder).isEqualTo(TrainingLoop.checkpointFolder(out, step));
                    saved.add(step);
                }
            });
            report = trainer.train(data());
        }
        assertThat(saved).containsExactly(steps() / 2, steps());
        Path ckpt = report.finalCheckpoint();
        assertThat(ckpt).isEqualTo(out.resolve("checkpoints").resolve(String.format("step-%06d", steps())));
        for (String file : List.of("model.safetensors", "config.json", "quietstar.json")) {
            assertThat(ckpt.resolve(file)).as(file).isRegularFile();
        }
        TrainingState state = TrainingLoop.readState(ckpt);
        assertThat(state).as("training-state/state.json").isNotNull();
        assertThat(state.completedSteps()).isEqualTo(steps());
        assertThat(state.seed()).isEqualTo(run().training().seed());
        assertThat(state.samplerPosition()).isEqualTo((long) steps() * run().training().examplesPerStep());
        assertThat(MetricsJsonlWriter.read(out.resolve("metrics.jsonl"))).hasSize(steps());
        try (Stream<Path> list = Files.list(out.resolve("checkpoints"))) {
            assertThat(list.map(p -> p.getFileName().toString()))
                    .as("no temporary folder is left behind").allSatisfy(n -> assertThat(n).startsWith("step-"));
        }
    }

    @Test
    void badSetupsAreRejectedWithClearMessages() {
        QuietStarConfig tooLong = run().withShape(run().thoughtLength(), run().lookahead(),
                run().thoughtsPerPosition(), maxPositions());
        assertThatThrownBy(() -> newTrainer(tooLong, dir.resolve("long")).close())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max_position_embeddings")
                .hasMessageContaining("the model has " + maxPositions());

        try (Trainer trainer = newTrainer(run(), dir.resolve("small"))) {
            Dataset tiny = TextDatasets.fromStrings("two words", List.of("hi"));
            assertThatThrownBy(() -> trainer.train(tiny)).isInstanceOf(DatasetException.class)
                    .hasMessageContaining("training needs at least sequenceLength + lookahead");
            trainer.save(dir.resolve("weights-only"));
        }
        assertThatThrownBy(() -> resumeTrainer(dir.resolve("weights-only"), run(), dir.resolve("r")).close())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(TrainingLoop.STATE_DIR);

        QuietStarConfig one = run().withTraining(run().training().withSteps(1));
        train(one, dir.resolve("one"));
        QuietStarConfig reseeded = one.withTraining(one.training().withSeed(one.training().seed() + 1));
        assertThatThrownBy(() -> resumeTrainer(TrainingLoop.checkpointFolder(dir.resolve("one"), 1), reseeded,
                dir.resolve("r2")).close())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("seed");
    }
}
