package dev.quietstar.djl.infer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quietstar.api.GenerationOptions;
import dev.quietstar.api.GenerationResult;
import dev.quietstar.api.Sampling;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.thought.QuietStarModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Eight threads of seeded generation on one model, and closing a reasoner while it is in use. */
class ConcurrencyAndCloseTest {

    @TempDir
    static Path dir;
    private static Path checkpoint;

    @BeforeAll
    static void save() throws Exception {
        DjlEngines.pytorch();
        checkpoint = dir.resolve("ckpt");
        try (QuietStarModel model = InferFixtures.model(23, 2, 128, true)) {
            model.save(checkpoint, null);
        }
    }

    @Test
    void eightThreadsOfSeededGenerationEqualTheSingleThreadOutputs() throws Exception {
        try (DjlReasoner r = DjlReasoner.open(checkpoint, ai.djl.Device.cpu())) {
            List<String> prompts = List.of("one", "two two", "three 3", "four!", "5", "six six", "7 7 7", "eight");
            List<GenerationOptions> jobs = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                jobs.add(GenerationOptions.defaults(5).withOutput(new Sampling(1.0, 40, 0.95, 500 + i)));
            }
            List<GenerationResult> single = new ArrayList<>();
            for (int i = 0; i < jobs.size(); i++) {
                single.add(r.generate(prompts.get(i % 8), jobs.get(i)));
            }
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                CountDownLatch start = new CountDownLatch(1);
                List<Future<List<GenerationResult>>> futures = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    int thread = t;
                    futures.add(pool.submit(() -> {
                        start.await();
                        List<GenerationResult> mine = new ArrayList<>();
                        for (int k = 0; k < 4; k++) {
                            int i = thread * 4 + k;
                            mine.add(r.generate(prompts.get(i % 8), jobs.get(i)));
                        }
                        return mine;
                    }));
                }
                start.countDown();
                for (int t = 0; t < 8; t++) {
                    List<GenerationResult> mine = futures.get(t).get(5, TimeUnit.MINUTES);
                    for (int k = 0; k < 4; k++) {
                        GenerationResult expected = single.get(t * 4 + k);
                        assertThat(mine.get(k).tokenIds()).isEqualTo(expected.tokenIds());
                        assertThat(mine.get(k).text()).isEqualTo(expected.text());
                        assertThat(mine.get(k).traces()).hasSameSizeAs(expected.traces());
                        for (int j = 0; j < expected.traces().size(); j++) {
                            var a = mine.get(k).traces().get(j);
                            var e = expected.traces().get(j);
                            assertThat(a.thoughtIds()).isEqualTo(e.thoughtIds());
                            // intra-op threads may sum in another order under load: equal to float precision
                            assertThat(a.mixingWeight()).isCloseTo(e.mixingWeight(),
                                    org.assertj.core.data.Offset.offset(1e-5));
                        }
                    }
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(single.stream().map(GenerationResult::tokenIds).distinct().count()).isGreaterThan(1);
        }
    }

    @Test
    void closingAReasonerInUseFailsCleanlyAndTheRunningCallFinishes() throws Exception {
        DjlReasoner r = DjlReasoner.open(checkpoint, ai.djl.Device.cpu());
        GenerationResult expected = r.generate("Hi", GenerationOptions.defaults(4));
        CountDownLatch inCall = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<GenerationResult> running = pool.submit(() -> r.generate("Hi", GenerationOptions.defaults(4),
                    token -> {
                        inCall.countDown();
                        try {
                            release.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }));
            assertThat(inCall.await(2, TimeUnit.MINUTES)).isTrue();
            assertThatThrownBy(r::close).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("while 1 call(s) are running");
            release.countDown();
            GenerationResult result = running.get(2, TimeUnit.MINUTES);
            assertThat(result.tokenIds()).isEqualTo(expected.tokenIds());
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
        r.close();
        assertThatThrownBy(() -> r.generate("Hi", GenerationOptions.defaults(4)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        r.close(); // a second close is a no-op
    }
}
