package dev.quietstar.djl.infer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quietstar.api.GenerationOptions;
import dev.quietstar.api.GenerationResult;
import dev.quietstar.api.Sampling;
import dev.quietstar.api.ThinkingPolicy;
import dev.quietstar.api.TokenTrace;
import dev.quietstar.api.config.ThoughtSampling;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.thought.QuietStarModel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class BatchAndConcurrencyTest {

    private static QuietStarModel model;

    @BeforeAll
    static void load() {
        DjlEngines.pytorch();
        model = InferFixtures.model(17, 2, 128, true);
    }

    @AfterAll
    static void free() {
        model.close();
    }

    private static void assertSameGeneration(GenerationResult actual, GenerationResult expected) {
        assertThat(actual.tokenIds()).isEqualTo(expected.tokenIds());
        assertThat(actual.text()).isEqualTo(expected.text());
        assertThat(actual.stopReason()).isEqualTo(expected.stopReason());
        assertThat(actual.traces()).hasSameSizeAs(expected.traces());
        for (int i = 0; i < actual.traces().size(); i++) {
            TokenTrace a = actual.traces().get(i);
            TokenTrace e = expected.traces().get(i);
            assertThat(a.thoughtIds()).isEqualTo(e.thoughtIds());
            assertThat(a.mixingWeight()).isCloseTo(e.mixingWeight(), org.assertj.core.data.Offset.offset(1e-5));
            assertThat(a.probWithThought()).isCloseTo(e.probWithThought(), org.assertj.core.data.Offset.offset(1e-5));
        }
    }

    @Test
    void eachBatchRowEqualsItsSinglePromptGeneration() {
        List<String> prompts = List.of("ab", "hello there", "x", "Q: 1+1? A:");
        GenerationOptions thinking = GenerationOptions.defaults(8).withThoughtSampling(ThoughtSampling.GREEDY);
        GenerationOptions triggered = thinking.withThinking(ThinkingPolicy.afterTriggers(List.of("e", "A:")));
        GenerationOptions sampled = GenerationOptions.defaults(8).withOutput(Sampling.categorical(1.0, 9));
        DjlReasoner r = DjlReasoner.wrap(model);
        for (GenerationOptions options : List.of(thinking, triggered, sampled,
                thinking.withThinking(ThinkingPolicy.never()))) {
            List<GenerationResult> batch = r.generateBatch(prompts, options);
            assertThat(batch).hasSize(prompts.size());
            for (int i = 0; i < prompts.size(); i++) {
                assertThat(batch.get(i).prompt()).isEqualTo(prompts.get(i));
                assertSameGeneration(batch.get(i), r.generate(prompts.get(i), options));
            }
        }
    }

    @Test
    void rowsStopIndependently() {
        DjlReasoner r = DjlReasoner.wrap(model);
        GenerationOptions plain = GenerationOptions.defaults(10).withThinking(ThinkingPolicy.never());
        GenerationResult single = r.generate("stop", plain);
        String stop = single.text().substring(2, 3);
        List<GenerationResult> batch = r.generateBatch(List.of("stop", "go on"), plain.withStopStrings(List.of(stop)));
        assertSameGeneration(batch.get(0), r.generate("stop", plain.withStopStrings(List.of(stop))));
        assertSameGeneration(batch.get(1), r.generate("go on", plain.withStopStrings(List.of(stop))));
        assertThat(batch.get(0).stopReason()).isEqualTo("stop_string");
    }

    @Test
    void fourThreadsOfSeededGenerationsEqualTheSameGenerationsRunOneAtATime() throws Exception {
        DjlReasoner r = DjlReasoner.wrap(model);
        List<GenerationOptions> jobs = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            jobs.add(GenerationOptions.defaults(4).withOutput(new Sampling(1.0, 40, 0.95, 1000 + i)));
        }
        List<String> prompts = List.of("one", "two two", "three 3", "four!");
        List<GenerationResult> sequential = new ArrayList<>();
        for (int i = 0; i < jobs.size(); i++) {
            sequential.add(r.generate(prompts.get(i % 4), jobs.get(i)));
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<GenerationResult>>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    List<GenerationResult> mine = new ArrayList<>();
                    for (int k = 0; k < 10; k++) {
                        int i = thread * 10 + k;
                        mine.add(r.generate(prompts.get(i % 4), jobs.get(i)));
                    }
                    return mine;
                }));
            }
            for (int t = 0; t < 4; t++) {
                List<GenerationResult> mine = futures.get(t).get();
                for (int k = 0; k < 10; k++) {
                    assertSameGeneration(mine.get(k), sequential.get(t * 10 + k));
                }
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(sequential.stream().map(GenerationResult::tokenIds).distinct().count())
                .as("different seeds give different generations").isGreaterThan(1);
    }
}
