package dev.quietstar.examples.bench;

import ai.djl.Device;
import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDManager;
import dev.quietstar.api.GenerationOptions;
import dev.quietstar.api.Sampling;
import dev.quietstar.api.StepMetrics;
import dev.quietstar.api.TrainingListener;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.core.text.ByteTokenizer;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.infer.DjlReasoner;
import dev.quietstar.djl.model.CausalDecoder;
import dev.quietstar.djl.model.DecoderConfig;
import dev.quietstar.djl.thought.QuietStarModel;
import dev.quietstar.djl.thought.ReinforceRewardEstimator;
import dev.quietstar.djl.train.DjlTrainer;
import dev.quietstar.examples.data.ArithmeticCorpus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Measures whether native memory stays flat over many generation steps (think-then-talk tokens) and many
 * Quiet-STaR training steps of a tiny model: after a warm-up, the number of live native arrays the model's manager
 * holds must not change, and the process's resident memory is sampled so that growth can be bounded.
 *
 * <p>Run it as {@code java -cp quietstar.jar dev.quietstar.examples.bench.MemoryBench [tokens] [steps] [folder]}
 * (defaults 10 000 generated tokens and 1 000 training steps); it prints one line of JSON. Resident memory is read
 * from {@code /proc/self/status} and is reported as -1 where that file does not exist.
 */
public final class MemoryBench {

    private MemoryBench() {}

    /**
     * What one measurement saw.
     *
     * @param generatedTokens tokens generated, each after its own thought
     * @param trainingSteps optimiser steps taken
     * @param liveArraysAfterWarmUp live native arrays of the model's manager after the first generation call
     * @param liveArraysAtEndOfGeneration the same after the last generation call
     * @param liveArraysAfterWarmUpSteps live arrays after a tenth of the training steps (by then every optimiser
     *     moment exists: moments are created at a parameter's first update, and the warm-up's first learning rate
     *     is 0)
     * @param liveArraysAtEndOfTraining the same after the last training step
     * @param rssGenerationStartBytes resident memory after half of the generated tokens
     * @param rssGenerationEndBytes resident memory after the last generation call
     * @param rssTrainingStartBytes resident memory after half of the training steps
     * @param rssTrainingEndBytes resident memory after the last training step
     */
    public record Result(int generatedTokens, int trainingSteps, int liveArraysAfterWarmUp,
            int liveArraysAtEndOfGeneration, int liveArraysAfterWarmUpSteps, int liveArraysAtEndOfTraining,
            long rssGenerationStartBytes, long rssGenerationEndBytes, long rssTrainingStartBytes,
            long rssTrainingEndBytes) {

        /**
         * The result as one line of JSON.
         *
         * @return the JSON text
         */
        public String toJson() {
            return String.format(java.util.Locale.ROOT, "{\"generated_tokens\": %d, \"training_steps\": %d, "
                    + "\"live_arrays_generation\": [%d, %d], \"live_arrays_training\": [%d, %d], "
                    + "\"rss_generation_mib\": [%.1f, %.1f], \"rss_training_mib\": [%.1f, %.1f]}",
                    generatedTokens, trainingSteps, liveArraysAfterWarmUp, liveArraysAtEndOfGeneration,
                    liveArraysAfterWarmUpSteps, liveArraysAtEndOfTraining, mib(rssGenerationStartBytes),
                    mib(rssGenerationEndBytes), mib(rssTrainingStartBytes), mib(rssTrainingEndBytes));
        }

        private static double mib(long bytes) {
            return bytes < 0 ? -1 : bytes / (1024.0 * 1024.0);
        }
    }

    /**
     * Runs the measurement.
     *
     * @param tokens tokens to generate at least, in calls of up to 50 tokens (a call may stop early at an end token),
     *     at least 100
     * @param steps training steps, at least 10
     * @param folder where the training run writes its metrics and final checkpoint
     * @return what was measured
     * @throws IOException when the training output cannot be written
     */
    public static Result run(int tokens, int steps, Path folder) throws IOException {
        if (tokens < 100 || steps < 10) {
            throw new IllegalArgumentException("tokens must be >= 100 and steps >= 10, were " + tokens + " and "
                    + steps);
        }
        DjlEngines.pytorch();
        QuietStarConfig base = QuietStarConfig.official().withShape(1, 1, 1, 16).withPolicyWeight(1.0);
        QuietStarConfig config = base.withTraining(base.training().withSteps(steps).withBatch(1, 1)
                .withCheckpointEvery(0));
        CausalDecoder d = CausalDecoder.random(DecoderConfig.gpt2(ByteTokenizer.VOCAB_SIZE, 16, 1, 2, 64),
                Device.cpu(), 3);
        try (QuietStarModel model = QuietStarModel.create(d, ByteTokenizer.instance(), config, 3)) {
            BaseNDManager manager = (BaseNDManager) model.manager();
            int perCall = 50;
            int generated = 0;
            int liveWarm = 0;
            long rssGenStart = -1;
            DjlReasoner reasoner = DjlReasoner.wrap(model);
            for (int c = 0; generated < tokens; c++) {
                GenerationOptions o = GenerationOptions.defaults(perCall).withOutput(new Sampling(1.0, 0, 1.0, c));
                generated += reasoner.generate("12+" + c + "=", o).tokenIds().size();
                if (c == 0) {
                    liveWarm = live(manager);
                }
                if (rssGenStart < 0 && generated >= tokens / 2) {
                    rssGenStart = residentBytes();
                }
            }
            int liveGenEnd = live(manager);
            long rssGenEnd = residentBytes();
            reasoner.close();

            List<Integer> liveSteps = new ArrayList<>();
            long[] rss = new long[2];
            int warmStep = Math.max(1, steps / 10);
            int halfStep = steps / 2;
            try (DjlTrainer trainer = new DjlTrainer(model, config, folder, new ReinforceRewardEstimator())) {
                trainer.addListener(new TrainingListener() {
                    @Override
                    public void onStep(StepMetrics m) {
                        liveSteps.add(live(manager));
                        if (m.step() == halfStep) {
                            rss[0] = residentBytes();
                        }
                    }
                });
                trainer.train(ArithmeticCorpus.builder().optSeed(5).optTrainDocuments(200).optHeldOutProblems(1)
                        .build().trainDataset());
            }
            rss[1] = residentBytes();
            return new Result(generated, liveSteps.size(), liveWarm, liveGenEnd, liveSteps.get(warmStep - 1),
                    liveSteps.get(liveSteps.size() - 1), rssGenStart, rssGenEnd, rss[0], rss[1]);
        }
    }

    private static int live(NDManager manager) {
        return ((BaseNDManager) manager).getManagedArrays().size();
    }

    /**
     * The process's resident memory.
     *
     * @return bytes, or -1 where {@code /proc/self/status} does not exist
     */
    public static long residentBytes() {
        Path status = Path.of("/proc/self/status");
        if (!Files.isReadable(status)) {
            return -1;
        }
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmRSS:")) {
                    String[] parts = line.trim().split("\\s+");
                    return Long.parseLong(parts[1]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /**
     * Runs the measurement from the command line and prints the result as JSON.
     *
     * @param args optional: tokens, steps, output folder
     * @throws IOException when the training output cannot be written
     */
    public static void main(String[] args) throws IOException {
        int tokens = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 1_000;
        Path folder = args.length > 2 ? Path.of(args[2]) : Files.createTempDirectory("memory-bench");
        System.out.println(run(tokens, steps, folder).toJson());
    }
}
