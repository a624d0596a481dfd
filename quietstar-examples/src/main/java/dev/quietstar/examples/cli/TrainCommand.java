package dev.quietstar.examples.cli;

import dev.quietstar.core.io.BoundedFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quietstar.api.Dataset;
import dev.quietstar.api.ModelSource;
import dev.quietstar.api.StepMetrics;
import dev.quietstar.api.Trainer;
import dev.quietstar.api.TrainingReport;
import dev.quietstar.api.TrainingSetup;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.api.spi.BackendProvider;
import dev.quietstar.api.spi.Capability;
import dev.quietstar.api.spi.QuietStarBackend;
import dev.quietstar.core.backend.Backends;
import dev.quietstar.core.config.ConfigLoader;
import dev.quietstar.core.data.TextDatasets;
import dev.quietstar.core.io.Provenance;
import dev.quietstar.core.train.ProgressListener;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Trains a model with Quiet-STaR through the backend SPI: a configuration and a data file in, a checkpoint folder
 * out.
 *
 * <p>The starting model is one of a local HuggingFace folder, a checkpoint to resume (optimiser state included), a
 * checkpoint whose weights start a fresh run, or a new tiny random model. The output folder receives
 * {@code provenance.json}, {@code metrics.jsonl} and {@code checkpoints/step-NNNNNN/}.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a model with Quiet-STaR: a config and a data file in, checkpoints out.")
public final class TrainCommand implements Callable<Integer> {

    /** Folder inside a checkpoint that holds the optimiser state (written by training backends). */
    static final String STATE_DIR = "training-state";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Configuration file (.json, .yaml, .yml), merged over its preset. Default: the official "
                    + "preset, or the checkpoint's own configuration with --resume.")
    Path configFile;

    @Option(names = "--preset", paramLabel = "NAME",
            description = "Start from a named preset instead of a file: official or small-model.")
    String preset;

    @Option(names = "--set", paramLabel = "FIELD=VALUE",
            description = "Override one configuration field, e.g. optimizer.learningRate=3e-5 (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--data", required = true, paramLabel = "FILE",
            description = "Training text: .txt (documents separated by blank lines) or .jsonl ({\"text\"} or "
                    + "{\"question\",\"answer\"} per line).")
    Path dataFile;

    @Option(names = "--objective", paramLabel = "NAME", defaultValue = "QUIET_STAR",
            description = "What to optimise: QUIET_STAR (default) or NEXT_TOKEN (plain language-model pretraining or "
                    + "a control run without thoughts).")
    dev.quietstar.api.TrainingObjective objective;

    @Option(names = "--output", required = true, paramLabel = "DIR",
            description = "Output folder for provenance.json, metrics.jsonl and checkpoints/.")
    Path output;

    @ArgGroup(exclusive = true, multiplicity = "1")
    ModelChoice model;

    /** Exactly one starting model. */
    static final class ModelChoice {
        @Option(names = "--model-hf", paramLabel = "DIR",
                description = "Local HuggingFace model folder (config.json, *.safetensors, tokenizer.json).")
        Path huggingFace;

        @Option(names = "--resume", paramLabel = "CHECKPOINT",
                description = "Continue a run from its checkpoint, optimiser state and step included.")
        Path resume;

        @Option(names = "--init", paramLabel = "CHECKPOINT",
                description = "Start a new run from a checkpoint's weights, without its optimiser state.")
        Path init;

        @Option(names = "--tiny", paramLabel = "SPEC", arity = "0..1", fallbackValue = "gpt2",
                description = "New tiny random model with the byte-level tokenizer, e.g. "
                        + "gpt2:vocab=261,hidden=64,layers=2,heads=4,positions=512 (all parts optional).")
        String tiny;
    }

    /** Creates the command; picocli calls this. */
    public TrainCommand() {}

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        QuietStarConfig config = resolveConfig();
        if (!Files.isRegularFile(dataFile)) {
            throw new IllegalArgumentException("data file " + dataFile + " does not exist (--data takes a .txt or "
                    + ".jsonl file)");
        }
        Dataset data = TextDatasets.fromFile(dataFile);
        Path initCopy = null;
        ModelSource source;
        if (model.huggingFace != null) {
            requireFolder(model.huggingFace, "--model-hf");
            source = new ModelSource.HuggingFace(model.huggingFace);
        } else if (model.resume != null) {
            checkResumable(model.resume, config);
            source = new ModelSource.Checkpoint(model.resume);
        } else if (model.init != null) {
            requireFolder(model.init, "--init");
            initCopy = weightsOnly(model.init);
            source = new ModelSource.Checkpoint(initCopy);
        } else {
            source = new ModelSource.Tiny(TinyModelSpecs.parse(model.tiny, config.training().seed()));
        }
        BackendProvider provider = Backends.discover().select(Capability.TRAIN);
        QuietStarBackend backend = provider.create();
        Files.createDirectories(output);
        Map<String, String> notes = new LinkedHashMap<>();
        notes.put("backend", backend.name());
        notes.put("model", describe(source));
        Provenance.capture("quietstar train " + String.join(" ", spec.commandLine().getParseResult().originalArgs()),
                config.training().seed(), config, data.description(), notes).write(output.resolve("provenance.json"));
        try (Trainer trainer = backend.newTrainer(new TrainingSetup(source, config, output, objective));
                ProgressListener progress = new ProgressListener("train", config.training().steps())) {
            if (model.resume != null && trainer.completedSteps() >= config.training().steps()) {
                throw new IllegalArgumentException("checkpoint " + model.resume + " is already at step "
                        + trainer.completedSteps() + " of training.steps = " + config.training().steps()
                        + "; raise it, e.g. --set training.steps=" + (trainer.completedSteps() * 2));
            }
            trainer.addListener(progress);
            TrainingReport report = trainer.train(data);
            List<StepMetrics> steps = report.steps();
            if (!steps.isEmpty()) {
                out.println("last step: " + ProgressListener.summary(steps.get(steps.size() - 1)));
            }
            out.println("final checkpoint: " + report.finalCheckpoint());
            out.flush();
        } finally {
            if (initCopy != null) {
                deleteTree(initCopy);
            }
        }
        return 0;
    }

    /** The configuration: a file, a preset, or the resumed checkpoint's own; then the overrides. */
    QuietStarConfig resolveConfig() {
        if (configFile != null && preset != null) {
            throw new IllegalArgumentException("give either --config or --preset, not both (a config file names its "
                    + "preset in a top-level 'preset' field)");
        }
        if (configFile != null) {
            if (!Files.isRegularFile(configFile)) {
                throw new IllegalArgumentException("config file " + configFile + " does not exist");
            }
            return ConfigLoader.load(configFile, overrides);
        }
        if (preset != null) {
            return ConfigLoader.override(ConfigLoader.Preset.parse(preset).config(), overrides);
        }
        if (model != null && model.resume != null) {
            return ConfigLoader.override(checkpointConfig(model.resume), overrides);
        }
        return ConfigLoader.override(QuietStarConfig.official(), overrides);
    }

    private static QuietStarConfig checkpointConfig(Path checkpoint) {
        Path file = checkpoint.resolve("quietstar.json");
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--resume " + checkpoint + " is not a checkpoint: it has no "
                    + "quietstar.json");
        }
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

    private static void checkResumable(Path checkpoint, QuietStarConfig config) {
        requireFolder(checkpoint, "--resume");
        Path state = checkpoint.resolve(STATE_DIR).resolve("state.json");
        if (!Files.isRegularFile(state)) {
            throw new IllegalArgumentException("--resume " + checkpoint + " has no " + STATE_DIR
                    + "/ folder, so there is no optimiser state to resume; use --init to start from its weights");
        }
        try {
            JsonNode seed = new ObjectMapper().readTree(BoundedFiles.readUtf8(state, BoundedFiles.MAX_METADATA_BYTES,
                    "training state")).get("seed");
            if (seed != null && seed.asLong() != config.training().seed()) {
                throw new IllegalArgumentException("--resume " + checkpoint + " was trained with training.seed = "
                        + seed.asLong() + " but the configuration has " + config.training().seed()
                        + "; resuming needs the same seed (or use --init for a fresh run from its weights)");
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + state + ": " + e.getMessage(), e);
        }
    }

    private static void requireFolder(Path folder, String option) {
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException(option + " " + folder + " is not a folder");
        }
    }

    /**
     * A temporary view of a checkpoint without its training state (links to its files, or copies where links are
     * not supported), so the backend starts a fresh run from its weights.
     */
    private static Path weightsOnly(Path checkpoint) throws IOException {
        Path tmp = Files.createTempDirectory("quietstar-init-");
        try (Stream<Path> files = Files.list(checkpoint)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (f.getFileName().toString().equals(STATE_DIR) || Files.isDirectory(f)) {
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
        return tmp;
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

    private static String describe(ModelSource source) {
        if (source instanceof ModelSource.HuggingFace hf) {
            return "huggingface " + hf.folder();
        }
        if (source instanceof ModelSource.Checkpoint c) {
            return "checkpoint " + c.folder();
        }
        return "tiny " + ((ModelSource.Tiny) source).spec();
    }
}
