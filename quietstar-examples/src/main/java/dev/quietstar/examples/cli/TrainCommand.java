package dev.quietstar.examples.cli;

import dev.quietstar.api.ComputeDevice;
import dev.quietstar.api.Dataset;
import dev.quietstar.api.ModelSource;
import dev.quietstar.api.StepMetrics;
import dev.quietstar.api.TrainingReport;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.api.spi.Capability;
import dev.quietstar.api.spi.QuietStarBackend;
import dev.quietstar.core.backend.Backends;
import dev.quietstar.core.train.ProgressListener;
import dev.quietstar.core.train.TrainingRuns;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Trains a model with Quiet-STaR through the backend SPI: a configuration and a data file in, a checkpoint folder
 * out.
 *
 * <p>The starting model is one of a local HuggingFace folder, a checkpoint to resume (optimiser state included), a
 * checkpoint whose weights start a fresh run, or a new tiny random model. The command only parses options: the rules
 * of a run (configuration, resume, weights-only start, provenance) are core's {@link TrainingRuns}. The output folder receives
 * {@code provenance.json}, {@code metrics.jsonl} and {@code checkpoints/step-NNNNNN/}.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a model with Quiet-STaR: a config and a data file in, checkpoints out.")
public final class TrainCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "cpu",
            description = "Where the model runs: cpu (default), gpu or gpu:N, a GPU the backend's engine reports.")
    String device;

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
        Dataset data = TrainingRuns.dataset(dataFile);
        TrainingRuns.Start start;
        if (model.huggingFace != null) {
            start = new TrainingRuns.Start.Fresh(new ModelSource.HuggingFace(model.huggingFace));
        } else if (model.resume != null) {
            start = new TrainingRuns.Start.Resume(model.resume);
        } else if (model.init != null) {
            start = new TrainingRuns.Start.FromWeights(model.init);
        } else {
            start = new TrainingRuns.Start.Fresh(
                    new ModelSource.Tiny(TinyModelSpecs.parse(model.tiny, config.training().seed())));
        }
        QuietStarBackend backend = Backends.discover().select(Capability.TRAIN).create();
        String command = "quietstar train " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        TrainingReport report;
        try (ProgressListener progress = new ProgressListener("train", config.training().steps())) {
            report = TrainingRuns.run(backend, new TrainingRuns.Plan(start, config, data, output, objective, command,
                    ComputeDevice.parse(device)),
                    List.of(progress));
        }
        List<StepMetrics> steps = report.steps();
        if (!steps.isEmpty()) {
            out.println("last step: " + ProgressListener.summary(steps.get(steps.size() - 1)));
        }
        out.println("final checkpoint: " + report.finalCheckpoint());
        out.flush();
        return 0;
    }

    /** The configuration: a file, a preset, or the resumed checkpoint's own; then the overrides. */
    QuietStarConfig resolveConfig() {
        return TrainingRuns.resolveConfig(configFile, preset, overrides, model == null ? null : model.resume);
    }
}
