package dev.quietstar.djl.infer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.quietstar.api.GenerationOptions;
import dev.quietstar.api.GenerationResult;
import dev.quietstar.api.Reasoner;
import dev.quietstar.api.Sampling;
import dev.quietstar.api.ThinkingPolicy;
import dev.quietstar.api.TokenTrace;
import dev.quietstar.core.infer.OutputSampler;
import dev.quietstar.api.config.ThoughtSampling;
import dev.quietstar.core.text.ByteTokenizer;
import dev.quietstar.core.text.TextTokenizer;
import dev.quietstar.djl.DjlBackendProvider;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.thought.QuietStarModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DjlReasonerGenerationTest {

    private static QuietStarModel zeroHead;
    private static QuietStarModel randomHead;

    @BeforeAll
    static void load() {
        DjlEngines.pytorch();
        zeroHead = InferFixtures.model(3, 2, 256, false);
        randomHead = InferFixtures.model(3, 2, 256, true);
    }

    @AfterAll
    static void free() {
        zeroHead.close();
        randomHead.close();
    }

    /** Greedy decoding of the base model that recomputes the whole sequence for every token (meta-tokens masked). */
    @SuppressWarnings("try") // the no-gradient scope is held, not referenced
    private static List<Integer> plainGreedy(QuietStarModel model, String prompt, int tokens) {
        List<Integer> seq = new ArrayList<>();
        for (int id : model.tokenizer().withDocumentStart(model.tokenizer().encode(prompt))) {
            seq.add(id);
        }
        List<Integer> out = new ArrayList<>();
        try (NoGradScope g = NoGradScope.enter()) {
            for (int t = 0; t < tokens; t++) {
                try (NDManager m = model.manager().newSubManager()) {
                    long[] ids = seq.stream().mapToLong(Integer::longValue).toArray();
                    NDArray hidden = model.decoder().forward(m.create(ids, new Shape(1, ids.length)), null).hidden();
                    float[] logits = model.decoder().logits(hidden.get(":, -1, :")).add(model.metaTokenLogitMask(m))
                            .toFloatArray();
                    int next = OutputSampler.argMax(logits, 0, logits.length);
                    seq.add(next);
                    out.add(next);
                }
            }
        }
        return out;
    }

    @Test
    void thinkingOffEqualsPlainGreedyDecodingOfTheBaseModel() {
        GenerationOptions options = GenerationOptions.defaults(24).withThinking(ThinkingPolicy.never());
        try (Reasoner r = DjlReasoner.wrap(randomHead)) {
            GenerationResult result = r.generate("The cat", options);
            assertThat(result.tokenIds()).containsExactlyElementsOf(plainGreedy(randomHead, "The cat", 24));
            assertThat(result.stopReason()).isEqualTo("max_tokens");
            assertThat(result.traces()).hasSize(24).allSatisfy(t -> {
                assertThat(t.thought()).isFalse();
                assertThat(t.mixingWeight()).isZero();
                assertThat(t.probWithThought()).isEqualTo(t.probWithoutThought());
            });
            assertThat(result.text()).isEqualTo(ByteTokenizer.instance().decode(
                    result.tokenIds().stream().mapToInt(Integer::intValue).toArray()));
        }
    }

    @Test
    void withTheHeadAtZeroThinkingGivesTheSameGreedyOutputAsNotThinking() {
        GenerationOptions on = GenerationOptions.defaults(20);
        try (DjlReasoner r = DjlReasoner.wrap(zeroHead)) {
            GenerationResult thinking = r.generate("1 + 2 = ", on);
            GenerationResult plain = r.generate("1 + 2 = ", on.withThinking(ThinkingPolicy.never()));
            assertThat(thinking.tokenIds()).isEqualTo(plain.tokenIds());
            assertThat(thinking.traces()).allSatisfy(t -> {
                assertThat(t.thoughtIds()).hasSize(2).allSatisfy(id -> assertThat(id).isLessThan(256));
                assertThat(t.mixingWeight()).isZero();
                assertThat(t.probWithThought()).isCloseTo(t.probWithoutThought(), org.assertj.core.data.Offset
                        .offset(1e-6));
            });
        }
    }

    @Test
    void aTrainedLookingHeadChangesTheDistributionAndTracesShowIt() {
        try (DjlReasoner r = DjlReasoner.wrap(randomHead)) {
            GenerationResult result = r.generate("abc", GenerationOptions.defaults(10));
            assertThat(result.traces()).hasSize(10).allSatisfy(t -> {
                assertThat(t.thought()).isTrue();
                assertThat(t.thoughtText()).isEqualTo(ByteTokenizer.instance().decode(
                        t.thoughtIds().stream().mapToInt(Integer::intValue).toArray()));
                assertThat(t.probWithThought()).isBetween(0.0, 1.0);
            });
            assertThat(result.traces()).anySatisfy(t -> assertThat(Math.abs(t.mixingWeight())).isGreaterThan(1e-3));
            assertThat(result.traces()).anySatisfy(t -> assertThat(Math.abs(t.probWithThought()
                    - t.probWithoutThought())).isGreaterThan(1e-4));
        }
    }

    @Test
    void twoHundredTokensKeepTheRealCacheExactAndFreeAllNativeMemory() {
        BaseNDManager manager = (BaseNDManager) randomHead.manager();
        int before = manager.getManagedArrays().size();
        int promptTokens = 1 + "Once upon".length();
        List<Integer> arraysPerStep = new ArrayList<>();
        DjlReasoner r = DjlReasoner.wrap(randomHead);
        GenerationResult result = r.run(List.of("Once upon"), GenerationOptions.defaults(200), null,
                (step, cacheLength) -> {
                    assertThat(cacheLength).as("real cache before step %d", step).isEqualTo(promptTokens + step);
                    arraysPerStep.add(manager.getManagedArrays().size());
                }, null).get(0);
        assertThat(result.tokenIds()).hasSize(200);
        assertThat(result.traces()).allSatisfy(t -> assertThat(t.thoughtIds()).hasSize(2));
        assertThat(arraysPerStep).hasSize(200);
        assertThat(arraysPerStep.subList(1, 200)).as("live arrays do not grow with the sequence")
                .allSatisfy(n -> assertThat(n).isEqualTo(arraysPerStep.get(1)));
        assertThat(manager.getManagedArrays().size()).as("arrays after the call").isEqualTo(before);
    }

    @Test
    void thinksOnlyWhereThePolicySays() {
        try (DjlReasoner r = DjlReasoner.wrap(randomHead)) {
            GenerationResult once = r.generate("Q: 2+2? A:", GenerationOptions.defaults(8)
                    .withThinking(ThinkingPolicy.afterTriggers(List.of("A:"))));
            assertThat(once.traces().get(0).thought()).isTrue();
            assertThat(once.traces().subList(1, 8)).noneSatisfy(t -> assertThat(t.thought()).isTrue());
            GenerationResult even = r.generate("xyz", GenerationOptions.defaults(6)
                    .withThinking((text, n) -> n % 2 == 0));
            for (int i = 0; i < 6; i++) {
                assertThat(even.traces().get(i).thought()).isEqualTo(i % 2 == 0);
            }
        }
    }

    @Test
    void streamsEveryTokenInOrderAndReturnsNoTracesWhenNotAsked() {
        List<TokenTrace> streamed = new ArrayList<>();
        GenerationOptions options = new GenerationOptions(7, List.of(), Sampling.greedy(), ThoughtSampling.SAMPLE,
                ThinkingPolicy.everyToken(), false);
        try (DjlReasoner r = DjlReasoner.wrap(randomHead)) {
            GenerationResult result = r.generate("stream", options, streamed::add);
            assertThat(result.traces()).isEmpty();
            assertThat(streamed).extracting(TokenTrace::tokenId).containsExactlyElementsOf(result.tokenIds());
        }
    }

    @Test
    void seededSamplingRepeatsAndTopKOneIsGreedy() {
        try (DjlReasoner r = DjlReasoner.wrap(randomHead)) {
            GenerationOptions sampled = GenerationOptions.defaults(12).withOutput(new Sampling(1.0, 50, 0.9, 42));
            assertThat(r.generate("seed", sampled)).isEqualTo(r.generate("seed", sampled));
            GenerationOptions greedyThoughts = GenerationOptions.defaults(12)
                    .withThoughtSampling(ThoughtSampling.GREEDY);
            assertThat(r.generate("seed", greedyThoughts.withOutput(new Sampling(0.7, 1, 1, 5))).tokenIds())
                    .isEqualTo(r.generate("seed", greedyThoughts).tokenIds());
        }
    }

    @Test
    void restoresTheCallersGradientModeAndLeavesNoGraph() {
        ai.djl.pytorch.jni.JniUtils.setGradMode(true);
        try (DjlReasoner r = DjlReasoner.wrap(randomHead)) {
            r.generate("grad", GenerationOptions.defaults(3));
            assertThat(ai.djl.pytorch.jni.JniUtils.isGradMode()).isTrue();
        } finally {
            ai.djl.pytorch.jni.JniUtils.setGradMode(false);
        }
    }

    @Test
    void stopsAtAStopStringAndKeepsIt() {
        try (DjlReasoner r = DjlReasoner.wrap(randomHead)) {
            GenerationResult full = r.generate("hello", GenerationOptions.defaults(30)
                    .withThinking(ThinkingPolicy.never()));
            String stop = full.text().substring(5, 7);
            GenerationResult stopped = r.generate("hello", GenerationOptions.defaults(30)
                    .withThinking(ThinkingPolicy.never()).withStopStrings(List.of(stop)));
            assertThat(stopped.stopReason()).isEqualTo("stop_string");
            assertThat(stopped.text()).endsWith(stop);
            assertThat(full.text()).startsWith(stopped.text());
        }
    }

    @Test
    void stopsAtTheEndOfTextTokenWithoutEmittingIt() {
        GenerationOptions plain = GenerationOptions.defaults(12).withThinking(ThinkingPolicy.never());
        List<Integer> tokens;
        try (DjlReasoner r = DjlReasoner.wrap(randomHead)) {
            tokens = r.generate("end", plain).tokenIds();
        }
        int eos = tokens.get(4);
        // The same decoder weights with a tokenizer whose end-of-text token is the fifth greedy token.
        List<Integer> expected = tokens.subList(0, tokens.indexOf(eos));
        try (QuietStarModel model = QuietStarModel.create(
                InferFixtures.model(3, 2, 256, false).decoder(), new EosTokenizer(eos), randomHead.config(), 3)) {
            GenerationResult result = DjlReasoner.wrap(model).generate("end", plain);
            assertThat(result.stopReason()).isEqualTo("end_of_text");
            assertThat(result.tokenIds()).isEqualTo(expected);
        }
    }

    @Test
    void theBackendOpensASavedCheckpoint(@TempDir Path dir) throws Exception {
        Path checkpoint = dir.resolve("ckpt");
        randomHead.save(checkpoint, null);
        GenerationOptions options = GenerationOptions.defaults(6).withThoughtSampling(ThoughtSampling.GREEDY);
        try (Reasoner loaded = new DjlBackendProvider().create().openReasoner(checkpoint);
                DjlReasoner original = DjlReasoner.wrap(randomHead)) {
            assertThat(loaded.generate("load", options).tokenIds())
                    .isEqualTo(original.generate("load", options).tokenIds());
        }
        DjlReasoner closed = DjlReasoner.open(checkpoint, ai.djl.Device.cpu());
        closed.close();
        assertThatThrownBy(() -> closed.generate("x", options)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    /** The byte tokenizer with another end-of-text token. */
    private record EosTokenizer(int eos) implements TextTokenizer {
        @Override
        public int[] encode(String text) {
            return ByteTokenizer.instance().encode(text);
        }

        @Override
        public String decode(int[] ids) {
            return ByteTokenizer.instance().decode(ids);
        }

        @Override
        public int vocabSize() {
            return ByteTokenizer.VOCAB_SIZE;
        }

        @Override
        public OptionalInt bosId() {
            return ByteTokenizer.instance().bosId();
        }

        @Override
        public OptionalInt eosId() {
            return OptionalInt.of(eos);
        }

        @Override
        public OptionalInt padId() {
            return ByteTokenizer.instance().padId();
        }

        @Override
        public OptionalInt tokenId(String token) {
            return ByteTokenizer.instance().tokenId(token);
        }
    }
}
