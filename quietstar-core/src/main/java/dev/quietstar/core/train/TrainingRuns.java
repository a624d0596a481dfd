package dev.quietstar.core.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quietstar.api.ComputeDevice;
import dev.quietstar.api.Dataset;
import dev.quietstar.api.ModelSource;
import dev.quietstar.api.Trainer;
import dev.quietstar.api.TrainingListener;
import dev.quietstar.api.TrainingObjective;
import dev.quietstar.api.TrainingReport;
import dev.quietstar.api.TrainingSetup;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.api.spi.QuietStarBackend;
import dev.quietstar.core.config.ConfigLoader;
import dev.quietstar.core.data.TextDatasets;
import dev.quietstar.core.io.BoundedFiles;
import dev.quietstar.core.io.Provenance;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rules of starting a training run that every front end shares: which configuration a run uses, when a
 * checkpoint can be resumed, a fresh start from a checkpoint's weights only, provenance, and the run itself through
 * a backend.
 */
public final class TrainingRuns {

    private static final Logger LOG = LoggerFactory.getLogger(TrainingRuns.class);

    private TrainingRuns() {}

    /** How a run starts. */
    public sealed interface Start {

        /**
         * A new run from a model source (a HuggingFace folder, a llama2.c file, a tiny random model).
         *
         * @param source the model
         */
        record Fresh(ModelSource source) implements Start {
            /** Rejects a null source. */
            public Fresh {
                Objects.requireNonNull(source, "source");
            }
        }

        /**
         * The continuation of a run from its checkpoint, optimiser state and step included.
         *
         * @param checkpoint the checkpoint folder
         */
        record Resume(Path checkpoint) implements Start {
            /** Rejects a null folder. */
            public Resume {
                Objects.requireNonNull(checkpoint, "checkpoint");
            }
        }

        /**
         * A new run from a checkpoint's weights, without its optimiser state.
         *
         * @param checkpoint the checkpoint folder
         */
        record FromWeights(Path checkpoint) implements Start {
            /** Rejects a null folder. */
            public FromWeights {
                Objects.requireNonNull(checkpoint, "checkpoint");
            }
        }
    }

    /**
     * A run to make.
     *
     * @param start how it starts
     * @param config the configuration
     * @param data the training text
     * @param output folder for {@code provenance.json}, {@code metrics.jsonl} and {@code checkpoints/}
     * @param objective what to optimise
     * @param command the command line recorded in {@code provenance.json}
     * @param device where to train
     */
    public record Plan(Start start, QuietStarConfig config, Dataset data, Path output, TrainingObjective objective,
            String command, ComputeDevice device) {
        /** Rejects null fields. */
        public Plan {
            Objects.requireNonNull(start, "start");
            Objects.requireNonNull(config, "config");
            Objects.requireNonNull(data, "data");
            Objects.requireNonNull(output, "output");
            Objects.requireNonNull(objective, "objective");
            Objects.requireNonNull(command, "command");
            Objects.requireNonNull(device, "device");
        }

        /**
         * A plan on the CPU.
         *
         * @param start how it starts
         * @param config the configuration
         * @param data the training text
         * @param output the output folder
         * @param objective what to optimise
         * @param command the command line recorded in {@code provenance.json}
         */
        public Plan(Start start, QuietStarConfig config, Dataset data, Path output, TrainingObjective objective,
                String command) {
            this(start, config, data, output, objective, command, ComputeDevice.CPU);
        }
    }

    /**
     * The configuration of a run: a file, a preset, or (when resuming without either) the checkpoint's own; then
     * the overrides. Without any of them, the official preset.
     *
     * @param configFile a .json/.yaml file, or null
     * @param preset a preset name, or null
     * @param overrides {@code field=value} overrides
     * @param resumed the checkpoint being resumed, or null
     * @return the configuration
     * @throws IllegalArgumentException when both a file and a preset are given, or a file does not exist
     */
    public static QuietStarConfig resolveConfig(Path configFile, String preset, List<String> overrides, Path resumed) {
        if (configFile != null && preset != null) {
            throw new IllegalArgumentException("give either --config or --preset, not both (a config file names its "
                    + "preset in a top-level 'preset' field)");
        }
        if (configFile != null) {
            BoundedFiles.requireRegularFile(configFile, "config file", "pass a YAML or JSON configuration file");
            return ConfigLoader.load(configFile, overrides);
        }
        if (preset != null) {
            return ConfigLoader.override(ConfigLoader.Preset.parse(preset).config(), overrides);
        }
        if (resumed != null) {
            return ConfigLoader.override(checkpointConfig(resumed), overrides);
        }
        return ConfigLoader.override(QuietStarConfig.official(), overrides);
    }

    /**
     * The configuration a checkpoint was trained with (the {@code config} of its {@code quietstar.json}).
     *
     * @param checkpoint the checkpoint folder
     * @return the configuration
     * @throws IllegalArgumentException when the folder is not a checkpoint
     */
    public static QuietStarConfig checkpointConfig(Path checkpoint) {
        Path file = checkpoint.resolve("quietstar.json");
        BoundedFiles.requireFileIn(file, checkpoint + " is not a checkpoint: it has no quietstar.json");
        try {
            JsonNode node = new ObjectMapper().readTree(BoundedFiles.readUtf8(file, BoundedFiles.MAX_METADATA_BYTES,
                    "quietstar.json")).get("config");
            if (node == null) {
                throw new IllegalArgumentException(file + " has no 'config' field");
            }
            return ConfigLoader.fromJson(node.toString());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Checks that a checkpoint can be resumed with a configuration: it has a training state written with the same
     * seed.
     *
     * @param checkpoint the checkpoint folder
     * @param config the configuration of the resumed run
     * @throws IllegalArgumentException naming what is missing or different, and the weights-only alternative
     */
    public static void checkResumable(Path checkpoint, QuietStarConfig config) {
        requireFolder(checkpoint, "checkpoint");
        TrainingState state = TrainingLoop.readState(checkpoint);
        if (state == null) {
            throw new IllegalArgumentException("checkpoint " + checkpoint + " has no " + TrainingLoop.STATE_DIR
                    + "/ folder, so there is no optimiser state to resume; start a new run from its weights instead "
                    + "(quietstar train --init)");
        }
        if (state.seed() != config.training().seed()) {
            throw new IllegalArgumentException("checkpoint " + checkpoint + " was trained with training.seed = "
                    + state.seed() + " but the configuration has " + config.training().seed()
                    + "; resuming needs the same seed (or start a new run from its weights: quietstar train --init)");
        }
    }

    /**
     * Refuses an output folder whose training files would be overwritten by another run: a folder that already holds
     * a run's checkpoints accepts only a resume from one of its own checkpoints, and a folder holding files no run
     * writes is refused too, so nothing a run did not write is mixed with its files.
     *
     * @param plan the run
     * @throws IOException when the folder cannot be inspected
     * @throws IllegalArgumentException naming the folder and what to do instead
     */
    static void checkOutput(Plan plan) throws IOException {
        Path out = plan.output();
        if (!Files.exists(out)) {
            return;
        }
        if (!Files.isDirectory(out)) {
            throw new IllegalArgumentException("--output " + out + " is a file; give a folder for the run");
        }
        boolean hasCheckpoint = false;
        Path checkpoints = out.resolve("checkpoints");
        if (Files.isDirectory(checkpoints)) {
            try (var entries = Files.list(checkpoints)) {
                hasCheckpoint = entries.anyMatch(p -> p.getFileName().toString().startsWith("step-")
                        && Files.isDirectory(p));
            }
        }
        if (hasCheckpoint) {
            boolean ownResume = plan.start() instanceof Start.Resume r
                    && r.checkpoint().toAbsolutePath().normalize().startsWith(out.toAbsolutePath().normalize());
            if (!ownResume) {
                throw new IllegalArgumentException("--output " + out + " already holds a training run with "
                        + "checkpoints; a " + (plan.start() instanceof Start.Resume ? "resume from another run"
                        : "new run") + " would overwrite them. Resume it with --resume " + out
                        + "/checkpoints/step-N, or choose a new --output folder");
            }
            return;
        }
        // Without a checkpoint the folder may hold what a run left before its first checkpoint (it starts over);
        // anything else in it is not a run's and is left alone.
        try (var entries = Files.list(out)) {
            List<String> others = entries.map(p -> p.getFileName().toString())
                    .filter(n -> !RUN_FILES.contains(n)).sorted().toList();
            if (!others.isEmpty()) {
                throw new IllegalArgumentException("--output " + out + " is a folder with other files in it ("
                        + String.join(", ", others.subList(0, Math.min(3, others.size())))
                        + (others.size() > 3 ? ", ..." : "") + "); choose a new or empty folder for the run");
            }
        }
    }

    /** What a run writes into its output folder before its first checkpoint. */
    private static final Set<String> RUN_FILES = Set.of("checkpoints", "metrics.jsonl", "provenance.json",
            RunLock.FILE);

    /**
     * Reads the training text of a file.
     *
     * @param file a .txt (documents separated by blank lines) or .jsonl file
     * @return the dataset
     * @throws IllegalArgumentException when the file does not exist
     */
    public static Dataset dataset(Path file) {
        BoundedFiles.requireRegularFile(file, "data file", "training data is a .txt or .jsonl file");
        return TextDatasets.fromFile(file);
    }

    /**
     * Makes a run: checks its start, records {@code provenance.json}, creates the trainer through the backend and
     * trains the remaining steps of the schedule.
     *
     * @param backend the backend that trains
     * @param plan the run
     * @param listeners observers of steps and checkpoints
     * @return the report
     * @throws IOException when the output folder or provenance cannot be written
     * @throws IllegalArgumentException when the start cannot be used, or a resumed run is already complete
     */
    public static TrainingReport run(QuietStarBackend backend, Plan plan, List<TrainingListener> listeners)
            throws IOException {
        if (Files.exists(plan.output()) && !Files.isDirectory(plan.output())) {
            throw new IllegalArgumentException("--output " + plan.output() + " is a file; give a folder for the run");
        }
        Files.createDirectories(plan.output());
        try (RunLock ignored = RunLock.acquire(plan.output())) {
            return runLocked(backend, plan, listeners);
        }
    }

    private static TrainingReport runLocked(QuietStarBackend backend, Plan plan, List<TrainingListener> listeners)
            throws IOException {
        QuietStarConfig config = plan.config();
        checkOutput(plan);
        Path weightsCopy = null;
        ModelSource source;
        if (plan.start() instanceof Start.Resume r) {
            checkResumable(r.checkpoint(), config);
            source = new ModelSource.Checkpoint(r.checkpoint());
        } else if (plan.start() instanceof Start.FromWeights w) {
            requireFolder(w.checkpoint(), "checkpoint");
            weightsCopy = weightsOnly(w.checkpoint());
            source = new ModelSource.Checkpoint(weightsCopy);
        } else {
            source = ((Start.Fresh) plan.start()).source();
            if (source instanceof ModelSource.HuggingFace hf) {
                requireFolder(hf.folder(), "HuggingFace model");
            }
        }
        try {
            Files.createDirectories(plan.output());
            Map<String, String> notes = new LinkedHashMap<>();
            notes.put("backend", backend.name());
            notes.put("model", describe(plan.start()));
            notes.put("device", plan.device().toString());
            Provenance.capture(plan.command(), config.training().seed(), config, plan.data().description(), notes)
                    .write(plan.output().resolve("provenance.json"));
            try (Trainer trainer = backend.newTrainer(new TrainingSetup(source, config, plan.output(),
                    plan.objective(), plan.device()))) {
                if (plan.start() instanceof Start.Resume r && trainer.completedSteps() >= config.training().steps()) {
                    throw new IllegalArgumentException("checkpoint " + r.checkpoint() + " is already at step "
                            + trainer.completedSteps() + " of training.steps = " + config.training().steps()
                            + "; raise it, e.g. --set training.steps=" + (trainer.completedSteps() * 2));
                }
                listeners.forEach(trainer::addListener);
                return trainer.train(plan.data());
            }
        } finally {
            if (weightsCopy != null) {
                deleteTree(weightsCopy);
            }
        }
    }

    /**
     * A temporary view of a checkpoint without its training state (links to its files, or copies where links are
     * not supported), so a backend starts a fresh run from its weights. The caller deletes it.
     *
     * @param checkpoint the checkpoint folder
     * @return the temporary folder
     * @throws IOException when it cannot be made
     */
    public static Path weightsOnly(Path checkpoint) throws IOException {
        Path tmp = Files.createTempDirectory("quietstar-init-");
        try (Stream<Path> files = Files.list(checkpoint)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (f.getFileName().toString().equals(TrainingLoop.STATE_DIR) || Files.isDirectory(f)) {
                    continue;
                }
                Path target = tmp.resolve(f.getFileName().toString());
                try {
                    Files.createSymbolicLink(target, f.toAbsolutePath());
                } catch (UnsupportedOperationException | IOException e) {
                    Files.copy(f, target);
                }
            }
        }
        LOG.debug("weights-only view of {} at {}", checkpoint, tmp);
        return tmp;
    }

    /**
     * How provenance names a start.
     *
     * @param start the start
     * @return for example {@code checkpoint /runs/a/checkpoints/step-000010}
     */
    public static String describe(Start start) {
        if (start instanceof Start.Resume r) {
            return "checkpoint " + r.checkpoint();
        }
        if (start instanceof Start.FromWeights w) {
            return "checkpoint " + w.checkpoint();
        }
        ModelSource source = ((Start.Fresh) start).source();
        if (source instanceof ModelSource.HuggingFace hf) {
            return "huggingface " + hf.folder();
        }
        if (source instanceof ModelSource.Checkpoint c) {
            return "checkpoint " + c.folder();
        }
        if (source instanceof ModelSource.Tiny t) {
            return "tiny " + t.spec();
        }
        return source.toString();
    }

    private static void requireFolder(Path folder, String what) {
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException(what + " " + folder + " is not a folder");
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete temporary folder " + root, e);
        }
    }
}
