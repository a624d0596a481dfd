package dev.quietstar.djl.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.quietstar.api.StepMetrics;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.model.EngineArrays;
import dev.quietstar.djl.thought.QuietStarModel;
import dev.quietstar.djl.thought.ReinforceRewardEstimator;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training repeats bit for bit while the garbage collector runs and native memory is reused, which it did not while
 * arrays made from Java data borrowed that data's memory: a thought pass closed them early, autograd kept reading the
 * freed memory, and the gradient norm changed in the seventh digit from the third step on (see {@link EngineArrays}).
 */
class TrainingUnderGarbageCollectionTest {

    @TempDir
    Path dir;

    private Thread churn;

    @BeforeAll
    static void engine() {
        DjlEngines.pytorch();
    }

    /** Collects every 20 ms and reuses freed native memory with values no tensor holds. */
    @BeforeEach
    void startChurn() {
        churn = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                System.gc();
                ByteBuffer[] junk = new ByteBuffer[32];
                for (int i = 0; i < junk.length; i++) {
                    junk[i] = ByteBuffer.allocateDirect(64 + 16 * i);
                    for (int k = 0; k + 4 <= junk[i].capacity(); k += 4) {
                        junk[i].putInt(k, 0x3f000000 + k);
                    }
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "gc-churn");
        churn.setDaemon(true);
        churn.start();
    }

    @AfterEach
    void stopChurn() throws InterruptedException {
        churn.interrupt();
        churn.join();
    }

    private List<StepMetrics> run(QuietStarConfig config, Path out) {
        try (QuietStarModel model = DjlTrainerTest.tinyModel(config);
                DjlTrainer trainer = new DjlTrainer(model, config, out, new ReinforceRewardEstimator())) {
            return trainer.train(DjlTrainerTest.corpus()).steps();
        }
    }

    @Test
    void twoRunsWithOneSeedAgreeBitForBitWhileTheCollectorRuns() {
        QuietStarConfig config = DjlTrainerTest.CONFIG.withTraining(
                DjlTrainerTest.CONFIG.training().withSteps(8).withCheckpointEvery(0));
        List<StepMetrics> a = run(config, dir.resolve("a"));
        List<StepMetrics> b = run(config, dir.resolve("b"));
        assertThat(b).hasSize(8);
        for (int i = 0; i < 8; i++) {
            assertThat(b.get(i).gradNorm()).as("gradient norm, step %d", i + 1).isEqualTo(a.get(i).gradNorm());
            assertThat(b.get(i).totalLoss()).as("loss, step %d", i + 1).isEqualTo(a.get(i).totalLoss());
        }
    }

    @Test
    void aViewOfAnEngineArrayOutlivesTheArrayAndTheCollector() throws InterruptedException {
        long[] ids = new long[4096];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i % 257;
        }
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray array = EngineArrays.of(m, ids, new Shape(16, 256));
            NDArray view = array.get(":, 1:");
            array.close();
            for (int i = 0; i < 20; i++) {
                System.gc();
                Thread.sleep(5);
            }
            long[] seen = view.toLongArray();
            for (int r = 0; r < 16; r++) {
                for (int c = 0; c < 255; c++) {
                    assertThat(seen[r * 255 + c]).isEqualTo(ids[r * 256 + c + 1]);
                }
            }
        }
    }
}
