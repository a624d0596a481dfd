package dev.quietstar.examples;

import dev.quietstar.api.Dataset;
import dev.quietstar.api.ModelSource;
import dev.quietstar.api.StepMetrics;
import dev.quietstar.api.TinyModelSpec;
import dev.quietstar.api.Trainer;
import dev.quietstar.api.TrainingListener;
import dev.quietstar.api.TrainingReport;
import dev.quietstar.api.TrainingSetup;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.api.config.TrainingConfig;
import dev.quietstar.api.spi.Capability;
import dev.quietstar.api.spi.QuietStarBackend;
import dev.quietstar.core.backend.Backends;
import dev.quietstar.core.data.TextDatasets;
import dev.quietstar.core.text.ByteTokenizer;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Trains a tiny byte-level model with Quiet-STaR on a text file of your own, through the backend SPI only.
 *
 * <p>Steps: read the file as a {@link Dataset} ({@code .txt}: plain text, {@code .jsonl}: one {@code "text"} per
 * line); describe a small random GPT-2 with a {@link TinyModelSpec}; pick the small-model recipe
 * ({@link QuietStarConfig#smallModel()}: beta = 1, mixing head and meta-tokens at 30 times the backbone learning
 * rate) with short thoughts; ask the discovered backends for one that can {@link Capability#TRAIN train}; train.
 * The output folder receives {@code metrics.jsonl} (one line per step, the input of {@code quietstar report
 * --metrics}) and the final checkpoint under {@code checkpoints/}.
 *
 * <pre>
 * java -cp quietstar-all.jar dev.quietstar.examples.TrainOnYourText my-notes.txt out/ 50
 * </pre>
 *
 * <p>No engine class appears here: any backend that registers itself for training (see {@code docs/spi.md}) runs
 * this program unchanged.
 */
public final class TrainOnYourText {

    private TrainOnYourText() {}

    /**
     * Trains and prints one line per step and where the checkpoint went.
     *
     * @param args the text file, the output folder, and optionally the number of steps (default 20)
     */
    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: TrainOnYourText TEXT_FILE OUTPUT_DIR [STEPS]");
            System.exit(2);
        }
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        TrainingReport report = train(Path.of(args[0]), Path.of(args[1]), steps, true);
        System.out.printf(Locale.ROOT, "trained %d steps in %.1f s; checkpoint: %s%n", report.steps().size(),
                report.wallSeconds(), report.finalCheckpoint());
    }

    /**
     * Trains a tiny model on a text file.
     *
     * @param textFile a {@code .txt} or {@code .jsonl} file
     * @param outputDir where metrics and checkpoints go
     * @param steps optimiser steps
     * @param printSteps whether to print a line per step (the example's main does)
     * @return the training report
     */
    public static TrainingReport train(Path textFile, Path outputDir, int steps, boolean printSteps) {
        Dataset data = TextDatasets.fromFile(textFile);
        // A 2-layer, width-64 GPT-2 over bytes: small enough to train on a laptop CPU in seconds per step.
        TinyModelSpec spec = new TinyModelSpec("gpt2", ByteTokenizer.VOCAB_SIZE, 64, 2, 4, 128, 1L);
        // Thoughts of 4 tokens, 2 true tokens scored after each, 2 thoughts per position, windows of 48 tokens.
        QuietStarConfig config = QuietStarConfig.smallModel().withShape(4, 2, 2, 48)
                .withTraining(TrainingConfig.official().withSteps(steps).withBatch(2, 2));
        QuietStarBackend backend = Backends.discover().select(Capability.TRAIN).create();
        try (Trainer trainer = backend.newTrainer(new TrainingSetup(new ModelSource.Tiny(spec), config,
                outputDir))) {
            if (printSteps) {
                trainer.addListener(new TrainingListener() {
                    @Override
                    public void onStep(StepMetrics m) {
                        System.out.printf(Locale.ROOT,
                                "step %3d  loss %.4f  base NLL %.4f  talk NLL %.4f  reward %+.4f  w %.4f%n",
                                m.step(), m.totalLoss(), m.baseNll(), m.talkNll(), m.meanReward(),
                                m.meanMixingWeight());
                    }
                });
            }
            return trainer.train(data);
        }
    }
}
