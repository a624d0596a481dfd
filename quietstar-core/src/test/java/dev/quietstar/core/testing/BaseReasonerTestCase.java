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
import dev.quietstar.api.config.ThoughtSampling;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Contract tests of a {@link Reasoner}: every backend that lists INFER extends this class and opens a reasoner over a
 * small byte-level model whose mixing head is not zero (checked: a thought must change a probability).
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
            GenerationResult result = r.generate("A: ", GenerationOptions.defaults(6)
                    .withThinking(ThinkingPolicy.afterTriggers(List.of("A: "))));
            assertThat(result.traces()).hasSizeGreaterThan(1);
            StringBuilder soFar = new StringBuilder("A: ");
            for (int i = 0; i < result.traces().size(); i++) {
                TokenTrace t = result.traces().get(i);
                boolean expected = soFar.toString().endsWith("A: ");
                assertThat(t.thought()).as("token %d after %s", i, soFar).isEqualTo(expected);
                if (!expected) {
                    assertThat(t.thoughtIds()).as("token %d", i).isEmpty();
                    assertThat(t.mixingWeight()).as("token %d", i).isZero();
                }
                soFar.append(t.text());
            }
        }
    }

    @Test
    void thinkingChangesTheNextTokenDistribution() {
        try (Reasoner r = openReasoner()) {
            GenerationResult result = r.generate("The cat", GenerationOptions.defaults(6));
            assertThat(result.traces()).as("the model's mixing head must not be zero for this kit")
                    .anySatisfy(t -> assertThat(t.mixingWeight()).isNotZero());
            assertThat(result.traces()).as("a thought must change the probability of the chosen token")
                    .anySatisfy(t -> assertThat(t.probWithThought()).isNotEqualTo(t.probWithoutThought()));
            TextScore s = r.score("hello world");
            assertThat(s.mixingWeights()).anySatisfy(w -> assertThat(w).isNotZero());
            boolean differs = false;
            for (int i = 0; i < s.baseLogProbs().size(); i++) {
                differs |= !s.baseLogProbs().get(i).equals(s.thinkLogProbs().get(i));
            }
            assertThat(differs).as("scoring with thoughts differs from scoring without").isTrue();
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
            GenerationOptions o = GenerationOptions.defaults(16).withThinking(ThinkingPolicy.never());
            GenerationResult free = r.generate("hello", o);
            assertThat(free.text()).isNotEmpty();
            // The first generated token whose text the tokenizer can produce again is the stop string; a token
            // that is part of a multi-byte character cannot be one, so the loop looks further.
            for (int k = 0; k < free.traces().size(); k++) {
                String stop = free.traces().get(k).text();
                if (stop.isEmpty()) {
                    continue;
                }
                GenerationResult stopped;
                try {
                    stopped = r.generate("hello", o.withStopStrings(List.of(stop)));
                } catch (IllegalArgumentException e) {
                    assertThat(e).hasMessageContaining("stop string");
                    continue;
                }
                assertThat(stopped.stopReason()).isEqualTo("stop_string");
                assertThat(stopped.text()).contains(stop);
                assertThat(stopped.tokenIds()).hasSizeLessThanOrEqualTo(k + 1);
                assertThat(free.tokenIds()).startsWith(stopped.tokenIds().toArray(Integer[]::new));
                return;
            }
            throw new AssertionError("none of the " + free.traces().size() + " generated tokens " + free.tokenIds()
                    + " works as a stop string; the kit's model must write at least one representable token");
        }
    }

    @Test
    void aBatchEqualsSingleCallsAndSeededScoresRepeat() {
        try (Reasoner r = openReasoner()) {
            GenerationOptions o = GenerationOptions.defaults(4);
            List<String> prompts = List.of("ab", "a longer prompt");
            List<GenerationResult> batch = r.generateBatch(prompts, o);
            assertThat(batch).hasSize(2);
            for (int i = 0; i < prompts.size(); i++) {
                assertThat(batch.get(i).tokenIds()).as("prompt %d", i)
                        .isEqualTo(r.generate(prompts.get(i), o).tokenIds());
            }
            TextScore a = r.score("hello", ThoughtSampling.SAMPLE, 7);
            assertThat(r.score("hello", ThoughtSampling.SAMPLE, 7)).isEqualTo(a);
            assertThat(r.score("hello", ThoughtSampling.GREEDY, 7).tokenIds()).isEqualTo(a.tokenIds());
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
