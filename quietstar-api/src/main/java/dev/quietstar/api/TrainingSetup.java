package dev.quietstar.api;

import dev.quietstar.api.config.QuietStarConfig;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Everything a backend needs to create a {@link Trainer}.
 *
 * @param model the starting model
 * @param config the algorithm, optimiser and schedule settings
 * @param outputDir folder that receives checkpoints ({@code checkpoints/step-N/}) and {@code metrics.jsonl}
 * @param objective what to optimise
 * @param device where to train: the CPU by default, a GPU only when asked for and present
 */
public record TrainingSetup(ModelSource model, QuietStarConfig config, Path outputDir, TrainingObjective objective,
        ComputeDevice device) {

    /** Rejects null fields. */
    public TrainingSetup {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(outputDir, "outputDir");
        Objects.requireNonNull(objective, "objective");
        Objects.requireNonNull(device, "device");
    }

    /**
     * Training on the CPU.
     *
     * @param model the starting model
     * @param config the settings
     * @param outputDir the output folder
     * @param objective what to optimise
     */
    public TrainingSetup(ModelSource model, QuietStarConfig config, Path outputDir, TrainingObjective objective) {
        this(model, config, outputDir, objective, ComputeDevice.CPU);
    }

    /**
     * Quiet-STaR training on the CPU.
     *
     * @param model the starting model
     * @param config the settings
     * @param outputDir the output folder
     */
    public TrainingSetup(ModelSource model, QuietStarConfig config, Path outputDir) {
        this(model, config, outputDir, TrainingObjective.QUIET_STAR);
    }
}
