package dev.quietstar.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quietstar.api.GenerationOptions;
import dev.quietstar.api.GenerationResult;
import dev.quietstar.api.Reasoner;
import dev.quietstar.api.Sampling;
import dev.quietstar.api.TextScore;
import dev.quietstar.api.ThinkingPolicy;
import dev.quietstar.api.TokenTrace;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Contract tests of a {@link Reasoner}: every backend that lists INFER extends this class and opens a reasoner over a
 * small byte-level model whose mixing head is not zero.
 *
 * <p>Checks traces and streaming, the thinking policies, seeded repeatability, stop strings, scoring, concurrent
 * calls, and the errors at the boundary (empty or too long prompts, use after close).
 */
public abstract class BaseReasonerTestCase {

    /**
     * Opens a new reasoner; each test closes the one it opened.
     *
     * @return a reasoner over a byte-level model with a context of at most a few hundred positions
     */
    protected abstract Reasoner openReasoner();

    /**
     * The number of sampled tokens per thought of the model {@link #openReasoner()} serves.
     *
     * @return thoughtLength
     */
    protected abstract int thoughtLength();

    @Test
    void everyTokenHasATraceWithItsThoughtAndTheCallbackSeesTheSame() {
        try (Reasoner r = openReasoner()) {
            List<TokenTrace> streamed = new ArrayList<>();
            GenerationResult result = r.generate("abc", GenerationOptions.defaults(6), streamed::add);
            assertThat(result.prompt()).isEqualTo("abc");
            assertThat(result.tokenIds()).isNotEmpty().hasSizeLessThanOrEqualTo(6);
            assertThat(result.traces()).hasSameSizeAs(result.tokenIds()).allSatisfy(t -> {
                assertThat(t.thought()).isTrue();
                assertThat(t.thoughtIds()).hasSize(thoughtLength());
                assertThat(t.probWithThought()).isBetween(0.0, 1.0);
                assertThat(t.probWithoutThought()).isBetween(0.0, 1.0);
            });
            assertThat(streamed).containsExactlyElementsOf(result.traces());
            assertThat(result.traces().stream().map(TokenTrace::tokenId).toList()).isEqualTo(result.tokenIds());
        }
    }

    @Test
    void neverThinkingGivesNoThoughtAndEqualProbabilities() {
        try (Reasoner r = openReasoner()) {
            GenerationResult result = r.generate("The cat", GenerationOptions.defaults(5)
                    .withThinking(ThinkingPolicy.never()));
            assertThat(result.traces()).isNotEmpty().allSatisfy(t -> {
                assertThat(t.thought()).isFalse();
                assertThat(t.mixingWeight()).isZero();
                assertThat(t.probWithThought()).isEqualTo(t.probWithoutThought());
            });
        }
    }

    @Test
    void thinkingOnlyAfterATriggerThinksThereAndNowhereElse() {
        try (Reasoner r = openReasoner()) {
            GenerationResult result = r.generate("A: ", GenerationOptions.defaults(4)
                    .withThinking(ThinkingPolicy.afterTriggers(List.of("A: "))));
            assertThat(result.traces()).isNotEmpty();
            assertThat(result.traces().get(0).thought()).isTrue();
        }
    }

    @Test
    void aSeededSampledCallRepeatsExactly() {
        try (Reasoner r = openReasoner()) {
            GenerationOptions o = GenerationOptions.defaults(8).withOutput(new Sampling(1.0, 0, 1.0, 42));
            GenerationResult a = r.generate("xyz", o);
            GenerationResult b = r.generate("xyz", o);
            assertThat(b.tokenIds()).isEqualTo(a.tokenIds());
            assertThat(b.traces()).isEqualTo(a.traces());
        }
    }

    @Test
    void generationStopsAtAStopStringItProduced() {
        try (Reasoner r = openReasoner()) {
            GenerationOptions o = GenerationOptions.defaults(6).withThinking(ThinkingPolicy.never());
            GenerationResult free = r.generate("hello", o);
            assertThat(free.text()).isNotEmpty();
            String first = free.traces().get(0).text();
            if (!first.isEmpty() && first.codePoints().allMatch(c -> c >= 0x20 && c < 0x7f)) {
                GenerationResult stopped = r.generate("hello", o.withStopStrings(List.of(first)));
                assertThat(stopped.stopReason()).isEqualTo("stop_string");
                assertThat(stopped.tokenIds()).hasSize(1);
            }
        }
    }

    @Test
    void scoringGivesOneEntryPerTextToken() {
        try (Reasoner r = openReasoner()) {
            TextScore s = r.score("hello");
            assertThat(s.tokenIds()).hasSize(5);
            assertThat(s.baseLogProbs()).hasSize(5).allSatisfy(p -> assertThat(p).isLessThanOrEqualTo(0.0));
            assertThat(s.thinkLogProbs()).hasSize(5).allSatisfy(p -> assertThat(p).isLessThanOrEqualTo(0.0));
            assertThat(s.thoughts()).hasSize(5);
            assertThat(r.score("hello")).as("the score repeats").isEqualTo(s);
        }
    }

    @Test
    void concurrentCallsEqualSequentialOnes() throws Exception {
        List<String> prompts = List.of("one", "two two", "three three three");
        GenerationOptions o = GenerationOptions.defaults(5);
        try (Reasoner r = openReasoner()) {
            List<List<Integer>> sequential = new ArrayList<>();
            for (String p : prompts) {
                sequential.add(r.generate(p, o).tokenIds());
            }
            ExecutorService pool = Executors.newFixedThreadPool(3);
            try {
                List<Future<GenerationResult>> futures = new ArrayList<>();
                for (String p : prompts) {
                    futures.add(pool.submit(() -> r.generate(p, o)));
                }
                for (int i = 0; i < prompts.size(); i++) {
                    assertThat(futures.get(i).get().tokenIds()).as("prompt %d", i).isEqualTo(sequential.get(i));
                }
            } finally {
                pool.shutdown();
            }
        }
    }

    @Test
    void badPromptsAreRefusedWithAMessage() {
        try (Reasoner r = openReasoner()) {
            assertThatThrownBy(() -> r.generate("", GenerationOptions.defaults(3)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
            assertThatThrownBy(() -> r.generate("x".repeat(10_000), GenerationOptions.defaults(3)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("positions");
        }
    }

    @Test
    void aClosedReasonerRefusesWork() {
        Reasoner r = openReasoner();
        r.close();
        r.close();
        assertThatThrownBy(() -> r.generate("abc", GenerationOptions.defaults(2)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }
}
