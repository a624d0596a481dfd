package dev.quietstar.core.infer;

import static dev.quietstar.core.infer.LetterTokenizer.BOS;
import static dev.quietstar.core.infer.LetterTokenizer.END;
import static dev.quietstar.core.infer.LetterTokenizer.END_TEXT;
import static dev.quietstar.core.infer.LetterTokenizer.EOS;
import static dev.quietstar.core.infer.LetterTokenizer.PAD;
import static dev.quietstar.core.infer.LetterTokenizer.START;
import static dev.quietstar.core.infer.LetterTokenizer.START_TEXT;
import static dev.quietstar.core.infer.LetterTokenizer.VOCAB;
import static dev.quietstar.core.infer.LetterTokenizer.id;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.quietstar.api.GenerationOptions;
import dev.quietstar.api.GenerationResult;
import dev.quietstar.api.Sampling;
import dev.quietstar.api.ThinkingPolicy;
import dev.quietstar.api.TokenTrace;
import dev.quietstar.api.config.ThoughtSampling;
import dev.quietstar.core.gate.ThinkingGate;
import dev.quietstar.core.infer.RecordingDecoder.Cache;
import dev.quietstar.core.infer.RecordingDecoder.Call;
import dev.quietstar.core.infer.RecordingDecoder.MixCall;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The think-then-talk loop (docs/algorithm.md section 8) against {@link RecordingDecoder}: what is fed to the engine, at which
 * positions under which mask, and how the engine's outputs become tokens, traces and scores.
 */
class ThinkThenTalkTest {

    private static final float M = ThinkThenTalk.MASKED;

    private static RecordingDecoder decoder(int maxPositions) {
        RecordingDecoder d = new RecordingDecoder(VOCAB, 4, maxPositions);
        d.bias[EOS] = -30; // the fake ends text only where a test asks for it
        d.bias[BOS] = -30; // and keeps to letters otherwise, so texts and ids correspond one to one
        d.bias[PAD] = -30;
        return d;
    }

    private static ThinkThenTalk loop(int thoughtLength) {
        return new ThinkThenTalk(new ThinkThenTalk.Settings(new LetterTokenizer(true), thoughtLength, 1.0, START, END));
    }

    private static GenerationOptions greedy(int maxNewTokens, ThinkingPolicy policy) {
        return new GenerationOptions(maxNewTokens, List.of(), Sampling.greedy(), ThoughtSampling.GREEDY, policy, true);
    }

    /** A clone of (rows, V) logits with the two meta-token logits lowered as the loop does. */
    static float[] masked(float[] logits) {
        float[] out = logits.clone();
        for (int r = 0; r < out.length / VOCAB; r++) {
            out[r * VOCAB + START] += ThinkThenTalk.META_TOKEN_LOGIT_MASK;
            out[r * VOCAB + END] += ThinkThenTalk.META_TOKEN_LOGIT_MASK;
        }
        return out;
    }

    static float[] row(float[] logits, int r) {
        return Arrays.copyOfRange(logits, r * VOCAB, (r + 1) * VOCAB);
    }

    static int argmax(float[] row) {
        int best = 0;
        for (int k = 1; k < row.length; k++) {
            if (row[k] > row[best]) {
                best = k;
            }
        }
        return best;
    }

    static double logSoftmaxAt(float[] row, int token) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : row) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (float v : row) {
            sum += Math.exp(v - max);
        }
        return row[token] - max - Math.log(sum);
    }

    static double softmaxAt(float[] row, int token) {
        return Math.exp(logSoftmaxAt(row, token));
    }

    private static List<Long> longs(long... v) {
        return Arrays.stream(v).boxed().collect(Collectors.toList());
    }

    private static boolean fedStart(Call c) {
        return Arrays.stream(c.tokenIds()).anyMatch(t -> t == START);
    }

    @Test
    void eachThoughtFeedsStartThenSampledTokensThenEndAtConsecutivePositionsOnTopOfTheRealCache() {
        RecordingDecoder d = decoder(64);
        d.bias[START] = 100; // the meta-tokens are the raw favourites: only the mask keeps them out
        d.bias[END] = 100;
        int n = 3;
        List<Long> cacheLengths = new ArrayList<>();
        List<Integer> observedSteps = new ArrayList<>();
        GenerationResult g = loop(n).run(d, List.of("abc"), greedy(3, ThinkingPolicy.everyToken()), null,
                (step, len) -> {
                    observedSteps.add(step);
                    cacheLengths.add(len);
                }, null).get(0);

        assertThat(g.tokenIds()).hasSize(3);
        assertThat(g.stopReason()).isEqualTo(ThinkThenTalk.MAX_TOKENS);
        // prefill, then per token n + 2 branch steps, and one append step after every token but the last
        assertThat(d.calls).hasSize(1 + 3 * (n + 2) + 2);
        Call pre = d.calls.get(0);
        assertThat(pre.tokenIds()).containsExactly(BOS, id('a'), id('b'), id('c'));
        assertThat(pre.positionIds()).containsExactly(0, 1, 2, 3);
        assertThat(pre.rows()).isEqualTo(1);
        assertThat(pre.length()).isEqualTo(4);
        assertThat(pre.past()).isNull();
        assertThat(pre.mask()).containsExactly(
                0, M, M, M,
                0, 0, M, M,
                0, 0, 0, M,
                0, 0, 0, 0);

        int c = 1;
        DecoderStep.Output<Cache> real = pre.out();
        List<Long> realTokens = longs(BOS, id('a'), id('b'), id('c'));
        for (int t = 0; t < 3; t++) {
            long p = 4 + t;
            DecoderStep.Output<Cache> prev = null;
            List<Integer> thought = new ArrayList<>();
            for (int k = 0; k < n + 2; k++) {
                Call b = d.calls.get(c++);
                long expected = k == 0 ? START : k == n + 1 ? END : argmax(masked(prev.logits()));
                assertThat(b.tokenIds()).as("token %d, branch token %d", t, k).containsExactly(expected);
                assertThat(b.positionIds()).as("token %d, branch token %d", t, k).containsExactly(p + k);
                assertThat(b.rows()).isEqualTo(1);
                assertThat(b.length()).isEqualTo(1);
                assertThat(b.past()).as("branch token %d builds on the branch", k)
                        .isSameAs(k == 0 ? real.cache() : prev.cache());
                // the real prefix and the branch's own earlier tokens, all visible
                assertThat(b.mask()).hasSize((int) p + k + 1).containsOnly(0f);
                if (k > 0 && k <= n) {
                    thought.add((int) expected);
                }
                prev = b.out();
            }
            assertThat(thought).doesNotContain(START, END);
            MixCall m = d.mixes.get(t);
            assertThat(m.base()).isSameAs(real);
            assertThat(m.after()).isSameAs(prev);
            assertThat(m.rows()).isEqualTo(1);
            float[] mixed = masked(m.result().mixedLogits());
            int chosen = argmax(mixed);
            TokenTrace trace = g.traces().get(t);
            assertThat(trace.tokenId()).isEqualTo(chosen).isEqualTo(g.tokenIds().get(t));
            assertThat(trace.thoughtIds()).containsExactlyElementsOf(thought);
            assertThat(trace.thoughtText()).isEqualTo(new LetterTokenizer(true)
                    .decode(thought.stream().mapToInt(Integer::intValue).toArray()));
            assertThat(trace.text()).isEqualTo(String.valueOf((char) ('a' + chosen)));
            assertThat(trace.mixingWeight()).isEqualTo(m.result().weights()[0]);
            assertThat(trace.probWithThought()).isCloseTo(softmaxAt(mixed, chosen), within(1e-12));
            assertThat(trace.probWithoutThought()).isCloseTo(softmaxAt(masked(real.logits()), chosen),
                    within(1e-12));
            if (t < 2) {
                Call a = d.calls.get(c++);
                assertThat(a.tokenIds()).containsExactly(chosen);
                assertThat(a.positionIds()).containsExactly(p);
                assertThat(a.past()).isSameAs(real.cache());
                assertThat(a.past().tokensOfRow(0)).as("the real cache holds no branch token")
                        .containsExactlyElementsOf(realTokens);
                assertThat(a.mask()).hasSize((int) p + 1).containsOnly(0f);
                realTokens.add((long) chosen);
                real = a.out();
            }
        }
        assertThat(d.mixes).hasSize(3);
        assertThat(observedSteps).containsExactly(0, 1, 2);
        assertThat(cacheLengths).containsExactly(4L, 5L, 6L);
        assertThat(g.text()).doesNotContain(START_TEXT, END_TEXT).hasSize(3);
        assertThat(d.released).as("every cache is released exactly once")
                .containsExactlyInAnyOrderElementsOf(d.created);
    }

    @Test
    void thoughtSamplerSeesTheMetaTokensMaskedAndItsIdsAreFedAndTraced() {
        RecordingDecoder d = decoder(64);
        d.bias[START] = 100;
        d.bias[END] = 100;
        List<float[]> seen = new ArrayList<>();
        List<Integer> steps = new ArrayList<>();
        List<boolean[]> thinkingSeen = new ArrayList<>();
        ThinkThenTalk.ThoughtSamplerFactory forced = thinking -> {
            thinkingSeen.add(thinking.clone());
            return (logits, rows, v, step) -> {
                assertThat(rows).isEqualTo(1);
                assertThat(v).isEqualTo(VOCAB);
                seen.add(logits.clone());
                steps.add(step);
                return new long[] {step == 0 ? id('e') : id('f')};
            };
        };
        GenerationResult g = loop(2).run(d, List.of("ab"), greedy(1, ThinkingPolicy.everyToken()), null, null,
                forced).get(0);

        assertThat(thinkingSeen).hasSize(1);
        assertThat(thinkingSeen.get(0)).containsExactly(true);
        assertThat(steps).containsExactly(0, 1);
        for (int s = 0; s < 2; s++) {
            float[] raw = d.calls.get(1 + s).out().logits();
            assertThat(raw[START]).as("the engine's own logits are not changed").isGreaterThan(50f);
            float[] expected = raw.clone();
            expected[START] = raw[START] + ThinkThenTalk.META_TOKEN_LOGIT_MASK;
            expected[END] = raw[END] + ThinkThenTalk.META_TOKEN_LOGIT_MASK;
            assertThat(seen.get(s)).as("logits of thought step %d", s).containsExactly(expected);
        }
        assertThat(d.calls.get(2).tokenIds()).containsExactly(id('e'));
        assertThat(d.calls.get(3).tokenIds()).containsExactly(id('f'));
        assertThat(d.calls.get(4).tokenIds()).containsExactly(END);
        assertThat(g.traces().get(0).thoughtIds()).containsExactly(id('e'), id('f'));
        assertThat(g.traces().get(0).thoughtText()).isEqualTo("ef");
        assertThat(g.traces().get(0).thought()).isTrue();
    }

    @Test
    void aThoughtSamplerReturningTheWrongNumberOfIdsIsRefused() {
        RecordingDecoder d = decoder(64);
        ThinkThenTalk.ThoughtSamplerFactory bad = thinking -> (logits, rows, v, step) -> new long[] {1, 2};
        assertThatThrownBy(() -> loop(2).run(d, List.of("ab"), greedy(1, ThinkingPolicy.everyToken()), null, null,
                bad)).isInstanceOf(IllegalStateException.class).hasMessageContaining("2 ids for 1 rows");
        assertThat(d.released).containsExactlyInAnyOrderElementsOf(d.created);
    }

    @Test
    void metaTokensAreNeverSampledInThoughtsNorEmittedEvenWhenTheEngineFavoursThem() {
        for (boolean think : new boolean[] {true, false}) {
            ThinkingPolicy policy = think ? ThinkingPolicy.everyToken() : ThinkingPolicy.never();
            for (ThoughtSampling ts : ThoughtSampling.values()) {
                RecordingDecoder d = decoder(64);
                d.bias[START] = 40;
                d.bias[END] = 40;
                GenerationOptions o = new GenerationOptions(6, List.of(), Sampling.categorical(1.0, 7), ts, policy,
                        true);
                GenerationResult g = loop(3).run(d, List.of("abc"), o, null, null, null).get(0);
                assertThat(g.tokenIds()).hasSize(6).doesNotContain(START, END);
                assertThat(g.text()).doesNotContain(START_TEXT, END_TEXT);
                for (TokenTrace tr : g.traces()) {
                    assertThat(tr.thoughtIds()).doesNotContain(START, END);
                    assertThat(tr.thoughtText()).doesNotContain(START_TEXT, END_TEXT);
                }
                // every fed meta-token is a thought boundary, never a generated token
                long fedMeta = d.calls.stream().filter(c -> c.length() == 1)
                        .filter(c -> c.tokenIds()[0] == START || c.tokenIds()[0] == END).count();
                assertThat(fedMeta).isEqualTo(think ? 12 : 0);
            }
        }
    }

    @Test
    void theMixedLogitsChooseTheTokenWhenThinkingAndTheBaseLogitsOtherwise() {
        for (boolean think : new boolean[] {true, false}) {
            RecordingDecoder d = decoder(64);
            d.bias[id('a')] = 40;
            d.mixBias[id('g')] = 80;
            d.fixedWeight = 0.25f;
            ThinkingPolicy policy = think ? ThinkingPolicy.everyToken() : ThinkingPolicy.never();
            GenerationResult g = loop(2).run(d, List.of("b"), greedy(3, policy), null, null, null).get(0);
            assertThat(g.text()).isEqualTo(think ? "ggg" : "aaa");
            assertThat(d.mixes).hasSize(think ? 3 : 0);
            for (int t = 0; t < 3; t++) {
                TokenTrace tr = g.traces().get(t);
                assertThat(tr.mixingWeight()).isEqualTo(think ? 0.25 : 0.0);
                if (think) {
                    assertThat(tr.probWithThought()).isCloseTo(
                            softmaxAt(masked(d.mixes.get(t).result().mixedLogits()), id('g')), within(1e-12))
                            .isGreaterThan(0.99);
                    assertThat(tr.probWithoutThought()).isLessThan(1e-6);
                    assertThat(tr.thoughtIds()).hasSize(2);
                } else {
                    assertThat(tr.probWithThought()).isEqualTo(tr.probWithoutThought()).isGreaterThan(0.99);
                    assertThat(tr.thoughtIds()).isEmpty();
                    assertThat(tr.thoughtText()).isEmpty();
                    assertThat(tr.thought()).isFalse();
                }
            }
        }
    }

    @Test
    void neverThinkingFeedsOnlyTheRealTokens() {
        RecordingDecoder d = decoder(64);
        GenerationResult g = loop(3).run(d, List.of("abc"), greedy(4, ThinkingPolicy.never()), null, null, null)
                .get(0);
        assertThat(d.calls).hasSize(1 + 3);
        assertThat(d.calls).noneMatch(ThinkThenTalkTest::fedStart);
        for (int t = 1; t <= 3; t++) {
            Call a = d.calls.get(t);
            assertThat(a.positionIds()).containsExactly(3 + t);
            assertThat(a.tokenIds()).containsExactly(g.tokenIds().get(t - 1));
            assertThat(g.tokenIds().get(t - 1)).isEqualTo(argmax(masked(d.calls.get(t - 1).out().logits())));
        }
    }

    @Test
    void thePolicySeesTheTextSoFarAndDecidesWhereThoughtsHappen() {
        RecordingDecoder d = decoder(64);
        d.bias[id('c')] = 50;
        List<String> texts = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        ThinkingPolicy secondOnly = (text, generated) -> {
            texts.add(text);
            counts.add(generated);
            return generated == 1;
        };
        GenerationResult g = loop(2).run(d, List.of("ab"), greedy(3, secondOnly), null, null, null).get(0);
        assertThat(g.text()).isEqualTo("ccc");
        assertThat(texts).containsExactly("ab", "abc", "abcc");
        assertThat(counts).containsExactly(0, 1, 2);
        // prefill, append, thought (4) + append, and nothing after the last token
        assertThat(d.calls).hasSize(1 + 1 + 4 + 1);
        assertThat(d.calls.get(2).tokenIds()).containsExactly(START);
        assertThat(d.calls.get(2).positionIds()).containsExactly(4);
        assertThat(d.calls.get(5).tokenIds()).containsExactly(END);
        assertThat(d.calls.get(5).positionIds()).containsExactly(7);
        assertThat(g.traces().stream().map(TokenTrace::thought).toList()).containsExactly(false, true, false);
    }

    @Test
    void afterTriggersThinksOnlyRightAfterTheTrigger() {
        RecordingDecoder d = decoder(64);
        d.bias[id('c')] = 50;
        GenerationResult g = loop(1).run(d, List.of("ab"),
                greedy(3, ThinkingPolicies.parse("once", "b")), null, null, null).get(0);
        assertThat(g.text()).isEqualTo("ccc");
        assertThat(g.traces().stream().map(TokenTrace::thought).toList()).containsExactly(true, false, false);
        assertThat(d.calls.stream().filter(ThinkThenTalkTest::fedStart).count()).isEqualTo(1);
    }

    @Test
    void adaptiveThinkingFollowsTheGatePredictionOfEachRealStep() {
        RecordingDecoder d = decoder(64);
        float[] gw = new float[4 + ThinkingGate.DISTRIBUTION_FEATURES];
        gw[0] = 1f; // gain = hidden[0] of the last real token
        ThinkingGate gate = new ThinkingGate(4, gw, 0f, 1, 0.1, 0.1);
        ThinkThenTalk ttt = new ThinkThenTalk(
                new ThinkThenTalk.Settings(new LetterTokenizer(true), 1, 1.0, START, END), gate);
        assertThat(ttt.gate()).isSameAs(gate);
        List<Double> gains = new ArrayList<>();
        ThinkingPolicy recording = new ThinkingPolicy() {
            @Override
            public boolean thinkBeforeNext(String textSoFar, int generatedTokens) {
                throw new AssertionError("a gated policy must get the prediction");
            }

            @Override
            public boolean thinkBeforeNext(String textSoFar, int generatedTokens, double gain) {
                gains.add(gain);
                return gain > 0;
            }

            @Override
            public boolean usesGate() {
                return true;
            }
        };
        GenerationResult g = ttt.run(d, List.of("abc"), greedy(10, recording), null, null, null).get(0);

        // the real outputs, in order: the prefill and every append step (no branch step)
        List<DecoderStep.Output<Cache>> reals = new ArrayList<>();
        reals.add(d.calls.get(0).out());
        int c = 1;
        List<Boolean> expectThink = new ArrayList<>();
        for (int t = 0; t < 10; t++) {
            DecoderStep.Output<Cache> real = reals.get(t);
            double expected = real.hidden()[0];
            double viaGate = gate.predictFromLogits(real.hidden(), 0, real.logits(), 0, VOCAB, START, END);
            assertThat(gains.get(t)).isCloseTo(expected, within(1e-6)).isEqualTo(viaGate);
            expectThink.add(expected > 0);
            if (expected > 0) {
                assertThat(d.calls.get(c).tokenIds()).containsExactly(START);
                c += 3;
            }
            if (t < 9) {
                assertThat(fedStart(d.calls.get(c))).isFalse();
                reals.add(d.calls.get(c++).out());
            }
        }
        assertThat(c).isEqualTo(d.calls.size());
        assertThat(expectThink).as("the fake gives both decisions").contains(true, false);
        assertThat(g.traces().stream().map(TokenTrace::thought).toList()).containsExactlyElementsOf(expectThink);

        // the same gate behind the library's adaptive policy makes the same decisions
        RecordingDecoder d2 = decoder(64);
        GenerationResult g2 = ttt.run(d2, List.of("abc"), greedy(10, ThinkingPolicy.adaptive(0.0)), null, null,
                null).get(0);
        assertThat(g2.traces().stream().map(TokenTrace::thought).toList()).containsExactlyElementsOf(expectThink);
    }

    @Test
    void anAdaptivePolicyNeedsAGateOfTheModelsWidth() {
        RecordingDecoder d = decoder(64);
        assertThatThrownBy(() -> loop(1).run(d, List.of("ab"), greedy(1, ThinkingPolicy.adaptive(0)), null, null,
                null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("thinking gate");
        ThinkThenTalk wrongWidth = new ThinkThenTalk(
                new ThinkThenTalk.Settings(new LetterTokenizer(true), 1, 1.0, START, END), ThinkingGate.zero(5));
        assertThatThrownBy(() -> wrongWidth.run(d, List.of("ab"), greedy(1, ThinkingPolicy.adaptive(0)), null,
                null, null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("width 5");
        assertThat(d.calls).as("nothing runs before the checks").isEmpty();
    }

    @Test
    void endOfTextStopsWithoutEmittingIt() {
        RecordingDecoder d = decoder(64);
        d.bias[EOS] = 100;
        d.mixBias[EOS] = 100;
        GenerationResult g = loop(2).run(d, List.of("ab"), greedy(5, ThinkingPolicy.everyToken()), null, null,
                null).get(0);
        assertThat(g.stopReason()).isEqualTo(ThinkThenTalk.END_OF_TEXT);
        assertThat(g.tokenIds()).isEmpty();
        assertThat(g.traces()).isEmpty();
        assertThat(g.text()).isEmpty();
        assertThat(d.calls).as("prefill and one thought, no append").hasSize(1 + 4);
    }

    @Test
    void aStopStringEndsGenerationOnceTheTextContainsIt() {
        RecordingDecoder d = decoder(64);
        d.bias[id('c')] = 50;
        d.mixBias[id('c')] = 50;
        GenerationOptions o = greedy(6, ThinkingPolicy.everyToken()).withStopStrings(List.of("hh", "cc"));
        GenerationResult g = loop(1).run(d, List.of("ab"), o, null, null, null).get(0);
        assertThat(g.text()).isEqualTo("cc");
        assertThat(g.stopReason()).isEqualTo(ThinkThenTalk.STOP_STRING);
        assertThat(d.calls).hasSize(1 + 3 + 1 + 3);
    }

    @Test
    void maxNewTokensBoundsTheOutputAndTracesAreOptional() {
        RecordingDecoder d = decoder(64);
        List<TokenTrace> streamed = new ArrayList<>();
        GenerationOptions o = new GenerationOptions(4, List.of(), Sampling.greedy(), ThoughtSampling.GREEDY,
                ThinkingPolicy.everyToken(), false);
        GenerationResult g = loop(1).run(d, List.of("ab"), o, streamed::add, null, null).get(0);
        assertThat(g.tokenIds()).hasSize(4);
        assertThat(g.stopReason()).isEqualTo(ThinkThenTalk.MAX_TOKENS);
        assertThat(g.traces()).isEmpty();
        assertThat(g.prompt()).isEqualTo("ab");
        assertThat(streamed).hasSize(4);
        assertThat(streamed.stream().map(TokenTrace::tokenId).toList()).isEqualTo(g.tokenIds());
        assertThat(g.text()).isEqualTo(new LetterTokenizer(true)
                .decode(g.tokenIds().stream().mapToInt(Integer::intValue).toArray()));
    }

    @Test
    void thoughtLengthZeroFeedsStartThenEndAndSamplesNothing() {
        RecordingDecoder d = decoder(64);
        d.fixedWeight = 0.75f;
        ThinkThenTalk.ThoughtSamplerFactory none = thinking -> (logits, rows, v, step) -> {
            throw new AssertionError("no token is sampled in an empty thought");
        };
        GenerationResult g = loop(0).run(d, List.of("ab"), greedy(2, ThinkingPolicy.everyToken()), null, null,
                none).get(0);
        assertThat(loop(0).positionsUsed()).isEqualTo(2);
        assertThat(d.calls).hasSize(1 + 2 + 1 + 2);
        assertThat(d.calls.get(1).tokenIds()).containsExactly(START);
        assertThat(d.calls.get(1).positionIds()).containsExactly(3);
        assertThat(d.calls.get(2).tokenIds()).containsExactly(END);
        assertThat(d.calls.get(2).positionIds()).containsExactly(4);
        assertThat(d.calls.get(2).past()).isSameAs(d.calls.get(1).out().cache());
        assertThat(d.calls.get(4).positionIds()).containsExactly(4);
        assertThat(d.calls.get(5).positionIds()).containsExactly(5);
        for (TokenTrace tr : g.traces()) {
            assertThat(tr.thoughtIds()).isEmpty();
            assertThat(tr.thoughtText()).isEmpty();
            assertThat(tr.mixingWeight()).isEqualTo(0.75);
        }
    }

    @Test
    void batchedPromptsAreLeftPaddedAndPaddingIsNeverSeen() {
        RecordingDecoder d = decoder(64);
        GenerationOptions o = new GenerationOptions(3, List.of(), Sampling.categorical(1.0, 11),
                ThoughtSampling.SAMPLE, ThinkingPolicy.everyToken(), true);
        int n = 2;
        List<GenerationResult> batch = loop(n).run(d, List.of("abc", "a"), o, null, null, null);

        Call pre = d.calls.get(0);
        assertThat(pre.rows()).isEqualTo(2);
        assertThat(pre.length()).isEqualTo(4);
        assertThat(pre.tokenIds()).containsExactly(BOS, id('a'), id('b'), id('c'), PAD, PAD, BOS, id('a'));
        assertThat(pre.positionIds()).containsExactly(0, 1, 2, 3, 0, 0, 0, 1);
        assertThat(pre.mask()).containsExactly(
                0, M, M, M,
                0, 0, M, M,
                0, 0, 0, M,
                0, 0, 0, 0,
                M, M, M, M,
                M, M, M, M,
                M, M, 0, M,
                M, M, 0, 0);
        for (int t = 0; t < 3; t++) {
            int first = 1 + t * (n + 3);
            for (int k = 0; k < n + 2; k++) {
                Call b = d.calls.get(first + k);
                assertThat(b.positionIds()).containsExactly(4 + t + k, 2 + t + k);
                int keys = 4 + t + k + 1;
                float[] r0 = new float[keys];
                float[] r1 = new float[keys];
                r1[0] = M;
                r1[1] = M;
                assertThat(b.maskRow(0, 0)).containsExactly(r0);
                assertThat(b.maskRow(1, 0)).as("row 1 never sees its padding").containsExactly(r1);
                if (k == 0) {
                    assertThat(b.tokenIds()).containsExactly(START, START);
                } else if (k == n + 1) {
                    assertThat(b.tokenIds()).containsExactly(END, END);
                }
            }
            if (t < 2) {
                Call a = d.calls.get(first + n + 2);
                assertThat(a.positionIds()).containsExactly(4 + t, 2 + t);
                assertThat(a.tokenIds()).containsExactly(batch.get(0).tokenIds().get(t), batch.get(1).tokenIds().get(t));
            }
        }
        // each row equals a call with its prompt alone: the fake's outputs depend only on what the mask shows
        for (int r = 0; r < 2; r++) {
            RecordingDecoder single = decoder(64);
            GenerationResult alone = loop(n).run(single, List.of(List.of("abc", "a").get(r)), o, null, null, null)
                    .get(0);
            assertThat(batch.get(r)).isEqualTo(alone);
        }
        assertThat(d.released).containsExactlyInAnyOrderElementsOf(d.created);
    }

    @Test
    void aFinishedRowIsFedTheFillerAndTheEndOfTextWhenThereIsNoPadToken() {
        for (boolean hasPad : new boolean[] {true, false}) {
            RecordingDecoder d = decoder(64);
            // a row whose last visible token is 'h' ends its text; any other continues with 'c'
            d.shaper = (visible, logits, offset) -> {
                if (visible.get(visible.size() - 1) == id('h')) {
                    logits[offset + EOS] += 200;
                } else {
                    logits[offset + id('c')] += 50;
                }
            };
            ThinkThenTalk ttt = new ThinkThenTalk(
                    new ThinkThenTalk.Settings(new LetterTokenizer(hasPad), 1, 1.0, START, END));
            List<GenerationResult> out = ttt.run(d, List.of("ab", "ah"), greedy(3, ThinkingPolicy.never()), null,
                    null, null);
            long filler = hasPad ? PAD : EOS;
            assertThat(out.get(0).text()).isEqualTo("ccc");
            assertThat(out.get(1).text()).isEmpty();
            assertThat(out.get(1).stopReason()).isEqualTo(ThinkThenTalk.END_OF_TEXT);
            assertThat(out.get(0).stopReason()).isEqualTo(ThinkThenTalk.MAX_TOKENS);
            assertThat(d.calls).hasSize(3);
            assertThat(d.calls.get(1).tokenIds()).containsExactly(id('c'), EOS);
            assertThat(d.calls.get(2).tokenIds()).containsExactly(id('c'), filler);
        }
        // with unequal prompts the padding slots get the filler too
        RecordingDecoder d = decoder(64);
        ThinkThenTalk noPad = new ThinkThenTalk(
                new ThinkThenTalk.Settings(new LetterTokenizer(false), 1, 1.0, START, END));
        noPad.run(d, List.of("abc", "a"), greedy(1, ThinkingPolicy.never()), null, null, null);
        assertThat(d.calls.get(0).tokenIds()).startsWith(BOS, id('a'), id('b'), id('c'), EOS, EOS, BOS);
    }

    @Test
    void promptsThatCannotFitOrCannotStopAreRefusedBeforeAnyEngineWork() {
        RecordingDecoder fits = decoder(10);
        // 4 prompt tokens + 2 new tokens + one thought of 5 positions, the last one unused: 10 positions
        GenerationResult g = loop(3).run(fits, List.of("abc"), greedy(2, ThinkingPolicy.everyToken()), null, null,
                null).get(0);
        assertThat(g.tokenIds()).hasSize(2);
        assertThat(fits.calls.stream().mapToLong(c -> Arrays.stream(c.positionIds()).max().orElse(0)).max()
                .orElseThrow()).isEqualTo(9);

        RecordingDecoder tight = decoder(9);
        assertThatThrownBy(() -> loop(3).run(tight, List.of("abc"), greedy(2, ThinkingPolicy.everyToken()), null,
                null, null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("(5 positions: start, 3 tokens, end) needs 10 positions")
                .hasMessageContaining("at most 1 or shorten");
        RecordingDecoder tiny = decoder(4);
        assertThatThrownBy(() -> loop(0).run(tiny, List.of("abc"), greedy(1, ThinkingPolicy.never()), null, null,
                null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("longer than");
        assertThatThrownBy(() -> loop(0).run(tiny, List.of("a", ""), greedy(1, ThinkingPolicy.never()), null, null,
                null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("prompt 1 is empty");
        assertThatThrownBy(() -> loop(0).run(tiny, List.of("z"), greedy(1, ThinkingPolicy.never()), null, null,
                null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no token");
        assertThatThrownBy(() -> loop(0).run(tiny, List.of(), greedy(1, ThinkingPolicy.never()), null, null,
                null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one prompt");
        assertThatThrownBy(() -> loop(0).run(fits, List.of("a"),
                greedy(1, ThinkingPolicy.never()).withStopStrings(List.of("a!")), null, null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"a!\"");
        assertThatThrownBy(() -> loop(0).run(fits, List.of("a"),
                greedy(1, ThinkingPolicy.never()).withStopStrings(List.of("a b\u0001")), null, null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"a b\\u0001\"");
        assertThat(tight.calls).isEmpty();
        assertThat(tiny.calls).isEmpty();
        assertThatThrownBy(() -> new ThinkThenTalk.Settings(new LetterTokenizer(true), -1, 1.0, START, END))
                .hasMessageContaining("thoughtLength");
        assertThatThrownBy(() -> new ThinkThenTalk.Settings(new LetterTokenizer(true), 0, 0.0, START, END))
                .hasMessageContaining("thoughtTemperature");
    }

    @Test
    void scoreGivesBaseAndThinkLogProbabilitiesOfTheFakesLogits() {
        RecordingDecoder d = decoder(64);
        d.bias[START] = 60; // stays in the scored distributions, never in the thoughts
        int n = 2;
        var score = new TextScorer(loop(n)).score(d, "abc", ThoughtSampling.GREEDY, 3);

        assertThat(score.tokenIds()).containsExactly(id('a'), id('b'), id('c'));
        assertThat(score.tokens()).containsExactly("a", "b", "c");
        assertThat(d.calls).hasSize(1 + 3 * (n + 2) + 2);
        Call first = d.calls.get(0);
        assertThat(first.tokenIds()).containsExactly(BOS);
        assertThat(first.positionIds()).containsExactly(0);
        assertThat(first.mask()).containsExactly(0f);
        DecoderStep.Output<Cache> real = first.out();
        int c = 1;
        int[] targets = {id('a'), id('b'), id('c')};
        for (int i = 0; i < 3; i++) {
            DecoderStep.Output<Cache> prev = null;
            StringBuilder thought = new StringBuilder();
            for (int k = 0; k < n + 2; k++) {
                Call b = d.calls.get(c++);
                long expected = k == 0 ? START : k == n + 1 ? END : argmax(masked(prev.logits()));
                assertThat(b.tokenIds()).containsExactly(expected);
                assertThat(b.positionIds()).containsExactly(i + 1 + k);
                assertThat(b.past()).isSameAs(k == 0 ? real.cache() : prev.cache());
                assertThat(b.mask()).hasSize(i + 2 + k).containsOnly(0f);
                if (k > 0 && k <= n) {
                    thought.append((char) ('a' + expected));
                }
                prev = b.out();
            }
            MixCall m = d.mixes.get(i);
            assertThat(m.base()).isSameAs(real);
            assertThat(m.after()).isSameAs(prev);
            assertThat(score.baseLogProbs().get(i)).as("base, token %d", i)
                    .isCloseTo(logSoftmaxAt(real.logits(), targets[i]), within(1e-9));
            assertThat(score.thinkLogProbs().get(i)).as("think, token %d", i)
                    .isCloseTo(logSoftmaxAt(m.result().mixedLogits(), targets[i]), within(1e-9));
            assertThat(score.mixingWeights().get(i)).isEqualTo(m.result().weights()[0]);
            assertThat(score.thoughts().get(i)).isEqualTo(thought.toString());
            if (i < 2) {
                Call a = d.calls.get(c++);
                assertThat(a.tokenIds()).containsExactly(targets[i]);
                assertThat(a.positionIds()).containsExactly(i + 1);
                assertThat(a.past()).isSameAs(real.cache());
                assertThat(a.mask()).hasSize(i + 2).containsOnly(0f);
                real = a.out();
            }
        }
        // the meta-token stays in the scored softmax: a masked softmax would give a log-probability near 0
        assertThat(score.baseLogProbs()).allMatch(lp -> lp < -10);
        assertThat(d.released).containsExactlyInAnyOrderElementsOf(d.created);
    }

    @Test
    void sampledScoringIsSeededAndNeverThinksMetaTokens() {
        RecordingDecoder d = decoder(64);
        d.bias[START] = 40;
        d.bias[END] = 40;
        var a = new TextScorer(loop(3)).score(d, "abcdefgh", ThoughtSampling.SAMPLE, 5);
        RecordingDecoder d2 = decoder(64);
        d2.bias[START] = 40;
        d2.bias[END] = 40;
        var b = new TextScorer(loop(3)).score(d2, "abcdefgh", ThoughtSampling.SAMPLE, 5);
        assertThat(new TextScorer(loop(3)).score(d2, "abcdefgh", ThoughtSampling.SAMPLE, 6).thoughts()).isNotEqualTo(a.thoughts());
        assertThat(a).isEqualTo(b);
        assertThat(a.thoughts()).hasSize(8).allMatch(t -> t.length() == 3);
        // the seeded draws are the categorical draws of a SplittableRandom with that seed
        var rng = new java.util.SplittableRandom(5);
        StringBuilder first = new StringBuilder();
        for (int k = 1; k <= 3; k++) {
            float[] logits = masked(d.calls.get(k).out().logits());
            first.append((char) ('a' + ThinkThenTalk.categorical(logits, 0, VOCAB, 1.0, rng)));
        }
        assertThat(a.thoughts().get(0)).isEqualTo(first.toString());
    }

    @Test
    void scoreRefusesTextsThatAreEmptyOrTooLong() {
        // The loop feeds 3 of the 4 tokens (positions 0..2) and a thought of 4 positions (3..6), but asks for
        // len + thought = 8 positions: the same texts the parallel forward of the DJL backend accepts, which also
        // computes a thought after the last token.
        RecordingDecoder d = decoder(8);
        assertThat(new TextScorer(loop(2)).score(d, "abc", ThoughtSampling.GREEDY, 0).tokenIds()).hasSize(3);
        assertThat(d.calls.stream().mapToLong(c -> c.positionIds()[0]).max().orElseThrow()).isEqualTo(6);
        assertThatThrownBy(() -> new TextScorer(loop(2)).score(decoder(7), "abc", ThoughtSampling.GREEDY, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("with a thought of 4 positions it needs 8 positions, the model has 7");
        assertThatThrownBy(() -> new TextScorer(loop(2)).score(d, "", ThoughtSampling.GREEDY, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> new TextScorer(loop(2)).score(d, "z", ThoughtSampling.GREEDY, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 2 tokens");
        assertThat(new TextScorer(loop(2)).score(decoder(6), "a", ThoughtSampling.GREEDY, 0).tokenIds()).containsExactly(0);
    }

    @Test
    void scoreWithGainsGivesTheGatePredictionBeforeEachToken() {
        RecordingDecoder d = decoder(64);
        float[] gw = {0.5f, -1f, 0.25f, 2f, 0.3f, -0.7f};
        ThinkingGate gate = new ThinkingGate(4, gw, 0.1f, 1, 0.1, 0.1);
        ThinkThenTalk ttt = new ThinkThenTalk(
                new ThinkThenTalk.Settings(new LetterTokenizer(true), 1, 1.0, START, END), gate);
        var gated = new TextScorer(ttt).scoreWithGains(d, "abc", ThoughtSampling.GREEDY, 0);
        assertThat(gated.score()).isEqualTo(new TextScorer(loop(1)).score(decoder(64), "abc", ThoughtSampling.GREEDY, 0));
        assertThat(gated.predictedGains()).hasSize(3);
        // the real outputs: call 0, then the append steps after each 3-step thought
        int[] realCalls = {0, 4, 8};
        for (int i = 0; i < 3; i++) {
            DecoderStep.Output<Cache> real = d.calls.get(realCalls[i]).out();
            assertThat(d.calls.get(realCalls[i] + 1).tokenIds()).containsExactly(START);
            double[] f = ThinkingGate.distributionFeatures(real.logits(), 0, VOCAB, START, END);
            double expected = 0.1;
            for (int k = 0; k < 4; k++) {
                expected += (double) gw[k] * real.hidden()[k];
            }
            expected += gw[4] * f[0] + gw[5] * f[1];
            assertThat(gated.predictedGains().get(i)).isCloseTo(expected, within(1e-5));
        }
        assertThatThrownBy(() -> new TextScorer(loop(1)).scoreWithGains(decoder(64), "abc", ThoughtSampling.GREEDY, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("thinking gate");
    }

    @Test
    void eachRowsGainComesFromItsOwnHiddenStateAndLogits() {
        RecordingDecoder d = decoder(64);
        float[] gw = {1f, -0.5f, 0.25f, 0.5f, 0.2f, 0.1f};
        ThinkingGate gate = new ThinkingGate(4, gw, 0f, 1, 0.1, 0.1);
        ThinkThenTalk ttt = new ThinkThenTalk(
                new ThinkThenTalk.Settings(new LetterTokenizer(true), 1, 1.0, START, END), gate);
        List<Double> gains = new ArrayList<>();
        ThinkingPolicy recording = new ThinkingPolicy() {
            @Override
            public boolean thinkBeforeNext(String textSoFar, int generatedTokens) {
                throw new AssertionError("a gated policy must get the prediction");
            }

            @Override
            public boolean thinkBeforeNext(String textSoFar, int generatedTokens, double gain) {
                gains.add(gain);
                return false;
            }

            @Override
            public boolean usesGate() {
                return true;
            }
        };
        ttt.run(d, List.of("abc", "gh"), greedy(1, recording), null, null, null);
        DecoderStep.Output<Cache> pre = d.calls.get(0).out();
        assertThat(gains).hasSize(2);
        for (int r = 0; r < 2; r++) {
            assertThat(gains.get(r)).as("row %d", r).isEqualTo(
                    gate.predictFromLogits(pre.hidden(), r * 4, pre.logits(), r * VOCAB, VOCAB, START, END));
        }
        assertThat(gains.get(0)).isNotEqualTo(gains.get(1));
    }

    @Test
    void greedyThoughtsOfEachRowComeFromItsOwnLogits() {
        GenerationOptions o = greedy(3, ThinkingPolicy.everyToken());
        RecordingDecoder d = decoder(64);
        List<GenerationResult> batch = loop(2).run(d, List.of("abc", "h"), o, null, null, null);
        for (int r = 0; r < 2; r++) {
            GenerationResult alone = loop(2).run(decoder(64), List.of(List.of("abc", "h").get(r)), o, null, null,
                    null).get(0);
            assertThat(batch.get(r)).isEqualTo(alone);
        }
        assertThat(batch.get(0).traces().get(0).thoughtIds()).isNotEqualTo(batch.get(1).traces().get(0).thoughtIds());
    }

    @Test
    void tokensAreDecodedAfterTheTextBeforeThem() {
        RecordingDecoder d = decoder(64);
        d.bias[id('c')] = 50;
        d.mixBias[id('d')] = 80;
        LetterTokenizer tok = new LetterTokenizer(true);
        ThinkThenTalk ttt = new ThinkThenTalk(new ThinkThenTalk.Settings(tok, 1, 1.0, START, END));
        GenerationResult g = ttt.run(d, List.of("ab"), greedy(2, ThinkingPolicy.everyToken()), null, null, null)
                .get(0);
        assertThat(g.text()).isEqualTo("dd");
        // per token: the token after the text so far, the thought after it, then the whole generated text
        List<String> seen = tok.contexts.stream().map(c -> Arrays.toString(c)).toList();
        String prompt = Arrays.toString(new int[] {BOS, id('a'), id('b')});
        String afterOne = Arrays.toString(new int[] {BOS, id('a'), id('b'), id('d')});
        assertThat(seen).containsExactly(prompt, prompt, prompt, afterOne, afterOne, prompt);
    }

    @Test
    void scoreIsTheLogSoftmaxOfSpreadOutLogits() {
        RecordingDecoder d = decoder(64);
        var score = new TextScorer(loop(1)).score(d, "ab", ThoughtSampling.GREEDY, 0);
        DecoderStep.Output<Cache> first = d.calls.get(0).out();
        double base = logSoftmaxAt(first.logits(), id('a'));
        assertThat(score.baseLogProbs().get(0)).isCloseTo(base, within(1e-9));
        assertThat(score.thinkLogProbs().get(0)).isCloseTo(
                logSoftmaxAt(d.mixes.get(0).result().mixedLogits(), id('a')), within(1e-9));
        // the distribution is spread out: log-sum-exp matters
        assertThat(base).isLessThan(-0.5);
    }

    @Test
    void causalWithPaddingHidesLaterAndPaddedKeys() {
        float[] m = ThinkThenTalk.causalWithPadding(new boolean[][] {{false, true, true}}, 3);
        assertThat(m).containsExactly(
                M, M, M,
                M, 0, M,
                M, 0, 0);
    }
}
