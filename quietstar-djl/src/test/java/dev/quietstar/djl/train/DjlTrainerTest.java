package dev.quietstar.djl.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import dev.quietstar.api.Dataset;
import dev.quietstar.api.StepMetrics;
import dev.quietstar.api.TrainingListener;
import dev.quietstar.api.TrainingReport;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.api.config.TrainingConfig;
import dev.quietstar.core.data.DatasetException;
import dev.quietstar.core.data.TextDatasets;
import dev.quietstar.core.text.ByteTokenizer;
import dev.quietstar.core.train.MetricsJsonlWriter;
import dev.quietstar.core.train.TrainingDivergedException;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.model.CausalDecoder;
import dev.quietstar.djl.model.DecoderConfig;
import dev.quietstar.djl.thought.QuietStarModel;
import dev.quietstar.djl.thought.ReinforceRewardEstimator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class DjlTrainerTest {

    public static final QuietStarConfig CONFIG = QuietStarConfig.smallModel().withShape(3, 2, 2, 24)
            .withOptimizer(QuietStarConfig.smallModel().optimizer().withLearningRate(1e-3).withWarmupSteps(3))
            .withTraining(TrainingConfig.official().withSteps(30).withBatch(4, 2).withSeed(7).withCheckpointEvery(15));

    @TempDir
    Path dir;

    @BeforeAll
    static void engine() {
        DjlEngines.pytorch();
    }

    /**
     * 200 seeded arithmetic documents ({@code Q: 47+385=?\nA: 432}, some products, some with the column sums
     * written out first), made here because the demo corpora live in the examples module.
     */
    public static Dataset corpus() {
        SplittableRandom rng = new SplittableRandom(3);
        List<String> docs = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            int a = rng.nextInt(10, 1000);
            int b = rng.nextInt(2, 100);
            boolean product = rng.nextInt(3) == 0;
            String worked = rng.nextBoolean() && !product ? "[" + (a / 10 + b / 10) + "," + (a % 10 + b % 10) + "]"
                    : "";
            docs.add("Q: " + a + (product ? "*" : "+") + b + "=?\nA: " + worked + (product ? a * b : a + b) + "\n");
        }
        return TextDatasets.fromStrings("arithmetic(seed=3, 200 documents)", docs);
    }

    static QuietStarModel tinyModel(QuietStarConfig config) {
        CausalDecoder d = CausalDecoder.random(DecoderConfig.gpt2(ByteTokenizer.VOCAB_SIZE, 32, 2, 4, 64),
                Device.cpu(), 11);
        return QuietStarModel.create(d, ByteTokenizer.instance(), config, 11);
    }

    private TrainingReport run(Path out) {
        try (QuietStarModel model = tinyModel(CONFIG);
                DjlTrainer trainer = new DjlTrainer(model, CONFIG, out, new ReinforceRewardEstimator())) {
            return trainer.train(corpus());
        }
    }

    @Test
    void thirtyStepsLowerTheLossRepeatBitForBitAndResumeContinuesTheCurve() throws IOException {
        TrainingReport first = run(dir.resolve("a"));
        List<StepMetrics> a = first.steps();
        assertThat(a).hasSize(30);
        double early = a.subList(0, 5).stream().mapToDouble(StepMetrics::baseNllPlain).average().orElseThrow();
        double late = a.subList(25, 30).stream().mapToDouble(StepMetrics::baseNllPlain).average().orElseThrow();
        assertThat(late).as("plain base NLL, last 5 steps vs first 5").isLessThan(early - 0.3);
        double earlyTotal = a.subList(0, 5).stream().mapToDouble(StepMetrics::nllLoss).average().orElseThrow();
        double lateTotal = a.subList(25, 30).stream().mapToDouble(StepMetrics::nllLoss).average().orElseThrow();
        assertThat(lateTotal).isLessThan(earlyTotal);
        assertThat(first.finalCheckpoint()).isEqualTo(dir.resolve("a/checkpoints/step-000030"));
        assertThat(MetricsJsonlWriter.read(dir.resolve("a/metrics.jsonl"))).hasSize(30);

        List<StepMetrics> b = run(dir.resolve("b")).steps();
        for (int i = 0; i < 30; i++) {
            assertThat(b.get(i).totalLoss()).as("step %d", i + 1).isEqualTo(a.get(i).totalLoss());
            assertThat(b.get(i).baseNll()).isEqualTo(a.get(i).baseNll());
        }

        Path mid = dir.resolve("a/checkpoints/step-000015");
        try (QuietStarModel model = QuietStarModel.load(mid, Device.cpu());
                DjlTrainer trainer = new DjlTrainer(model, model.config(), dir.resolve("c"),
                        new ReinforceRewardEstimator())) {
            assertThat(model.config()).isEqualTo(CONFIG);
            trainer.restore(mid);
            assertThat(trainer.completedSteps()).isEqualTo(15);
            List<StepMetrics> c = trainer.train(corpus()).steps();
            assertThat(c).hasSize(15);
            for (int i = 0; i < 15; i++) {
                assertThat(c.get(i).step()).isEqualTo(16 + i);
                // bit for bit: the exact meta-token parameters are restored from training-state
                assertThat(c.get(i).totalLoss()).as("resumed step %d", 16 + i).isEqualTo(a.get(15 + i).totalLoss());
                assertThat(c.get(i).gradNorm()).as("resumed step %d", 16 + i).isEqualTo(a.get(15 + i).gradNorm());
            }
        }
    }

    @Test
    void nativeMemoryDoesNotGrowOverSteps() {
        QuietStarConfig config = CONFIG.withTraining(CONFIG.training().withSteps(8).withCheckpointEvery(0));
        List<Integer> live = new java.util.ArrayList<>();
        try (QuietStarModel model = tinyModel(config);
                DjlTrainer trainer = new DjlTrainer(model, config, dir.resolve("mem"), new ReinforceRewardEstimator())) {
            ai.djl.ndarray.BaseNDManager manager = (ai.djl.ndarray.BaseNDManager) model.manager();
            trainer.addListener(new TrainingListener() {
                @Override
                public void onStep(StepMetrics m) {
                    live.add(manager.getManagedArrays().size());
                }
            });
            trainer.train(corpus());
        }
        // After the first step created the optimiser moments, the count of live arrays stays the same.
        assertThat(live).hasSize(8);
        assertThat(live.subList(1, 8)).allSatisfy(n -> assertThat(n).isEqualTo(live.get(1)));
    }

    @Test
    void aNanInAWeightStopsWithAClearErrorAndKeepsTheLastGoodCheckpoint() {
        QuietStarConfig config = CONFIG.withTraining(CONFIG.training().withSteps(10).withCheckpointEvery(2));
        Path out = dir.resolve("nan");
        try (QuietStarModel model = tinyModel(config);
                DjlTrainer trainer = new DjlTrainer(model, config, out, new ReinforceRewardEstimator())) {
            trainer.addListener(new TrainingListener() {
                @Override
                public void onCheckpoint(int step, Path folder) {
                    if (step == 4) {
                        NDArray w = model.decoder().weight("transformer.h.0.mlp.c_fc.weight");
                        float[] d = w.toFloatArray();
                        d[5] = Float.NaN;
                        w.set(d);
                    }
                }
            });
            assertThatThrownBy(() -> trainer.train(corpus()))
                    .isInstanceOf(TrainingDivergedException.class)
                    .hasMessageContaining("training diverged at step 5")
                    .hasMessageContaining("NaN")
                    .hasMessageContaining("step-000004");
        }
        assertThat(out.resolve("checkpoints/step-000004")).isDirectory();
        assertThat(out.resolve("checkpoints/step-000006")).doesNotExist();
        try (QuietStarModel good = QuietStarModel.load(out.resolve("checkpoints/step-000004"), Device.cpu())) {
            good.checkFinite();
        }
        // A model that already holds a NaN is refused before training starts.
        try (QuietStarModel model = tinyModel(config)) {
            NDArray w = model.decoder().weight("transformer.wpe.weight");
            float[] d = w.toFloatArray();
            d[0] = Float.NaN;
            w.set(d);
            assertThatThrownBy(() -> new DjlTrainer(model, config, out, new ReinforceRewardEstimator()))
                    .hasMessage("weight 'transformer.wpe.weight' holds NaN or infinite values");
        }
    }

    @Test
    void badInputsGetClearErrors() throws IOException {
        try (QuietStarModel model = tinyModel(CONFIG)) {
            QuietStarConfig tooLong = CONFIG.withShape(3, 2, 2, 60);
            assertThatThrownBy(() -> new DjlTrainer(model, tooLong, dir, new ReinforceRewardEstimator()))
                    .hasMessageContaining("sequenceLength (60) + thoughtLength (3) + lookahead (2) + 1 = 66 positions")
                    .hasMessageContaining("the model has 64");
            try (DjlTrainer trainer = new DjlTrainer(model, CONFIG, dir, new ReinforceRewardEstimator())) {
                Dataset tiny = TextDatasets.fromStrings("two words", List.of("hi there"));
                assertThatThrownBy(() -> trainer.train(tiny)).isInstanceOf(DatasetException.class)
                        .hasMessageContaining("training needs at least sequenceLength + lookahead = 26");
            }
        }
        Path empty = Files.writeString(dir.resolve("empty.txt"), "");
        assertThatThrownBy(() -> TextDatasets.fromFile(empty)).isInstanceOf(DatasetException.class)
                .hasMessageContaining("no documents");
    }
}
