package dev.quietstar.api;

import dev.quietstar.api.config.QuietStarConfig;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Everything a backend needs to create a {@link Trainer}.
 *
 * @param model the starting model
 * @param config the algorithm, optimiser and schedule settings
 * @param outputDir folder that receives checkpoints ({@code step-N/}, {@code latest/}) and {@code metrics.jsonl}
 */
public record TrainingSetup(ModelSource model, QuietStarConfig config, Path outputDir) {

    /** Rejects null fields. */
    public TrainingSetup {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(outputDir, "outputDir");
    }
}
