package dev.quietstar.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quietstar.api.ModelSource;
import dev.quietstar.api.TinyModelSpec;
import dev.quietstar.api.Trainer;
import dev.quietstar.api.TrainingObjective;
import dev.quietstar.api.TrainingReport;
import dev.quietstar.api.TrainingSetup;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.api.spi.Capability;
import dev.quietstar.api.spi.QuietStarBackend;
import dev.quietstar.core.config.ConfigLoader;
import dev.quietstar.core.testing.FakeTrainingStep;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shared rules of starting a run, over a backend whose trainer is core's loop with a fake step. */
class TrainingRunsTest {

    static final QuietStarConfig CONFIG = TrainingLoopTest.CONFIG;

    @TempDir
    Path dir;

    /** A backend that records the setups it gets and trains with a fake step. */
    static final class FakeBackend implements QuietStarBackend {
        final List<TrainingSetup> setups = new ArrayList<>();

        @Override
        public String name() {
            return "fake";
        }

        @Override
        public Set<Capability> capabilities() {
            return Set.of(Capability.TRAIN);
        }

        @Override
        public Trainer newTrainer(TrainingSetup setup) {
            setups.add(setup);
            TrainingLoop loop = new TrainingLoop(new FakeTrainingStep(setup.objective(), 64), setup.config(),
                    setup.outputDir());
            if (setup.model() instanceof ModelSource.Checkpoint c) {
                loop.resumeIfPossible(c.folder());
            }
            return loop;
        }
    }

    private TrainingReport run(FakeBackend backend, TrainingRuns.Start start, QuietStarConfig config, Path out)
            throws IOException {
        return TrainingRuns.run(backend, new TrainingRuns.Plan(start, config, TrainingLoopTest.data(), out,
                TrainingObjective.QUIET_STAR, "quietstar train --test"), List.of());
    }

    @Test
    void aRunRecordsProvenanceAndResumesOrStartsFromWeights() throws IOException {
        FakeBackend backend = new FakeBackend();
        Path out = dir.resolve("run");
        TinyModelSpec spec = new TinyModelSpec("gpt2", 261, 32, 1, 4, 64, 3);
        QuietStarConfig two = CONFIG.withTraining(CONFIG.training().withSteps(2));
        TrainingReport first = run(backend, new TrainingRuns.Start.Fresh(new ModelSource.Tiny(spec)), two, out);
        assertThat(first.finalCheckpoint()).isEqualTo(out.resolve("checkpoints/step-000002"));
        JsonNode prov = new ObjectMapper().readTree(out.resolve("provenance.json").toFile());
        assertThat(prov.get("command").asText()).isEqualTo("quietstar train --test");
        assertThat(prov.get("notes").get("backend").asText()).isEqualTo("fake");
        assertThat(prov.get("notes").get("model").asText()).startsWith("tiny ");

        Path ckpt = first.finalCheckpoint();
        QuietStarConfig three = CONFIG.withTraining(CONFIG.training().withSteps(3));
        TrainingReport resumed = run(backend, new TrainingRuns.Start.Resume(ckpt), three, out);
        assertThat(resumed.steps()).hasSize(1);
        assertThat(MetricsJsonlWriter.read(out.resolve("metrics.jsonl"))).hasSize(3);
        assertThatThrownBy(() -> run(backend, new TrainingRuns.Start.Resume(ckpt), two, dir.resolve("again")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is already at step 2")
                .hasMessageContaining("training.steps=4");

        // A weights-only start sees the checkpoint without its training state, starts at step 0, and removes its
        // temporary view afterwards; the checkpoint is untouched.
        Path fresh = dir.resolve("fresh");
        TrainingReport init = run(backend, new TrainingRuns.Start.FromWeights(ckpt), two, fresh);
        assertThat(init.steps().get(0).step()).isEqualTo(1);
        Path view = ((ModelSource.Checkpoint) backend.setups.get(backend.setups.size() - 1).model()).folder();
        assertThat(view).doesNotExist();
        assertThat(ckpt.resolve(TrainingLoop.STATE_DIR)).isDirectory();
        assertThat(new ObjectMapper().readTree(fresh.resolve("provenance.json").toFile()).get("notes").get("model")
                .asText()).isEqualTo("checkpoint " + ckpt);
    }

    @Test
    void theWeightsOnlyViewLeavesOutTheTrainingState() throws IOException {
        Path ckpt = Files.createDirectories(dir.resolve("ckpt").resolve(TrainingLoop.STATE_DIR)).getParent();
        Files.writeString(ckpt.resolve("model.safetensors"), "w");
        Files.writeString(ckpt.resolve("quietstar.json"), "{}");
        Path view = TrainingRuns.weightsOnly(ckpt);
        try (var list = Files.list(view)) {
            assertThat(list.map(p -> p.getFileName().toString()).sorted().toList())
                    .containsExactly("model.safetensors", "quietstar.json");
        }
        assertThat(Files.readString(view.resolve("model.safetensors"))).isEqualTo("w");
    }

    @Test
    void configurationAndResumeRulesGiveClearErrors() throws IOException {
        assertThatThrownBy(() -> TrainingRuns.resolveConfig(dir.resolve("c.json"), "official", List.of(), null))
                .hasMessageContaining("either --config or --preset");
        assertThatThrownBy(() -> TrainingRuns.resolveConfig(dir.resolve("c.json"), null, List.of(), null))
                .hasMessageContaining("does not exist");
        assertThat(TrainingRuns.resolveConfig(null, null, List.of("thoughtLength=3"), null).thoughtLength())
                .isEqualTo(3);
        assertThatThrownBy(() -> TrainingRuns.resolveConfig(null, null, List.of(), dir))
                .hasMessageContaining("is not a checkpoint");
        assertThatThrownBy(() -> TrainingRuns.dataset(dir.resolve("nope.txt")))
                .hasMessageContaining("data file").hasMessageContaining("does not exist");

        Path out = dir.resolve("one");
        QuietStarConfig one = CONFIG.withTraining(CONFIG.training().withSteps(1));
        run(new FakeBackend(), new TrainingRuns.Start.Fresh(new ModelSource.Checkpoint(dir)), one, out);
        Path ckpt = out.resolve("checkpoints/step-000001");
        Files.writeString(ckpt.resolve("quietstar.json"), "{\"config\":" + ConfigLoader.toJson(one) + "}");
        assertThat(TrainingRuns.resolveConfig(null, null, List.of(), ckpt)).isEqualTo(one);
        TrainingRuns.checkResumable(ckpt, one);
        QuietStarConfig reseeded = one.withTraining(one.training().withSeed(99));
        assertThatThrownBy(() -> TrainingRuns.checkResumable(ckpt, reseeded))
                .hasMessageContaining("training.seed = 7").hasMessageContaining("has 99");
        assertThatThrownBy(() -> TrainingRuns.checkResumable(dir.resolve("nowhere"), one))
                .hasMessageContaining("is not a folder");
        assertThatThrownBy(() -> TrainingRuns.checkResumable(dir, one))
                .hasMessageContaining("no training-state/ folder");
    }

    @Test
    void aRunNeverOverwritesAnotherRunOrFilesItDidNotWrite() throws IOException {
        FakeBackend backend = new FakeBackend();
        TinyModelSpec spec = new TinyModelSpec("gpt2", 261, 32, 1, 4, 64, 3);
        QuietStarConfig two = CONFIG.withTraining(CONFIG.training().withSteps(2));
        Path first = dir.resolve("first");
        Path second = dir.resolve("second");
        run(backend, new TrainingRuns.Start.Fresh(new ModelSource.Tiny(spec)), two, first);
        run(backend, new TrainingRuns.Start.Fresh(new ModelSource.Tiny(new TinyModelSpec("gpt2", 261, 32, 1, 4, 64,
                9))), two, second);
        byte[] metrics = java.nio.file.Files.readAllBytes(first.resolve("metrics.jsonl"));
        // a fresh run, and a resume from another run, into an existing run used to overwrite its checkpoints
        assertThatThrownBy(() -> run(backend, new TrainingRuns.Start.Fresh(new ModelSource.Tiny(spec)), two, first))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already holds a training run with checkpoints")
                .hasMessageContaining("new run");
        QuietStarConfig four = two.withTraining(two.training().withSteps(4));
        assertThatThrownBy(() -> run(backend, new TrainingRuns.Start.Resume(second.resolve("checkpoints/step-000002")),
                four, first)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("resume from another run");
        assertThat(java.nio.file.Files.readAllBytes(first.resolve("metrics.jsonl"))).isEqualTo(metrics);
        // resuming a run into its own folder continues it
        run(backend, new TrainingRuns.Start.Resume(first.resolve("checkpoints/step-000002")), four, first);
        assertThat(first.resolve("checkpoints/step-000004")).isDirectory();
        // a folder of other files is left alone
        Path project = java.nio.file.Files.createDirectories(dir.resolve("project"));
        java.nio.file.Files.writeString(project.resolve("notes.txt"), "keep");
        assertThatThrownBy(() -> run(backend, new TrainingRuns.Start.Fresh(new ModelSource.Tiny(spec)), two, project))
                .hasMessageContaining("other files in it");
        assertThat(project.resolve("notes.txt")).hasContent("keep");
    }

    @Test
    void oneRunAtATimeWritesToAFolder() throws IOException {
        FakeBackend backend = new FakeBackend();
        TinyModelSpec spec = new TinyModelSpec("gpt2", 261, 32, 1, 4, 64, 3);
        QuietStarConfig two = CONFIG.withTraining(CONFIG.training().withSteps(2));
        Path out = java.nio.file.Files.createDirectories(dir.resolve("shared"));
        // two train processes used to delete each other's temporary folders and interleave their checkpoints
        try (RunLock held = RunLock.acquire(out)) {
            assertThatThrownBy(() -> run(backend, new TrainingRuns.Start.Fresh(new ModelSource.Tiny(spec)), two, out))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("another training run is writing")
                    .hasMessageContaining("process " + ProcessHandle.current().pid());
        }
        assertThat(out.resolve("checkpoints")).doesNotExist();
        TrainingReport report = run(backend, new TrainingRuns.Start.Fresh(new ModelSource.Tiny(spec)), two, out);
        assertThat(report.finalCheckpoint()).isDirectory();
        try (RunLock again = RunLock.acquire(out)) {
            assertThat(out.resolve(RunLock.FILE)).as("released when the run ended").isRegularFile();
        }
    }
}
