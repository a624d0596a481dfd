package dev.quietstar.core.infer;

import static dev.quietstar.core.infer.LetterTokenizer.BOS;
import static dev.quietstar.core.infer.LetterTokenizer.END;
import static dev.quietstar.core.infer.LetterTokenizer.EOS;
import static dev.quietstar.core.infer.LetterTokenizer.PAD;
import static dev.quietstar.core.infer.LetterTokenizer.START;
import static dev.quietstar.core.infer.LetterTokenizer.VOCAB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.quietstar.api.GenerationOptions;
import dev.quietstar.api.GenerationResult;
import dev.quietstar.api.MixingHead;
import dev.quietstar.api.Sampling;
import dev.quietstar.api.ThinkingPolicy;
import dev.quietstar.api.TokenTrace;
import dev.quietstar.api.config.ThoughtSampling;
import dev.quietstar.core.gate.ThinkingGate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Core's handling of a user's inference components (mixing head, thought sampler), the kept branch of
 * {@link SpanThought}, the all-positions pass, and the gate predictions over a text, against {@link RecordingDecoder}.
 */
class CoreInferenceComponentsTest {

    private static RecordingDecoder decoder() {
        RecordingDecoder d = new RecordingDecoder(VOCAB, 4, 64);
        d.bias[EOS] = -30;
        d.bias[BOS] = -30;
        d.bias[PAD] = -30;
        return d;
    }

    private static ThinkThenTalk.Settings settings(int thoughtLength) {
        return new ThinkThenTalk.Settings(new LetterTokenizer(true), thoughtLength, 1.0, START, END);
    }

    /** The fake with a language-model head on any vector (the fake's own projection). */
    private static final class WithHead implements DecoderStep<RecordingDecoder.Cache> {
        final RecordingDecoder d;
        final List<float[]> projected = new ArrayList<>();

        WithHead(RecordingDecoder d) {
            this.d = d;
        }

        @Override
        public int vocabSize() {
            return d.vocabSize();
        }

        @Override
        public int hiddenSize() {
            return d.hiddenSize();
        }

        @Override
        public int maxPositions() {
            return d.maxPositions();
        }

        @Override
        public Output<RecordingDecoder.Cache> forward(long[] t, long[] p, int rows, int length, float[] mask,
                RecordingDecoder.Cache past) {
            return d.forward(t, p, rows, length, mask, past);
        }

        @Override
        public Output<RecordingDecoder.Cache> forwardAll(long[] t, long[] p, int rows, int length, float[] mask,
                RecordingDecoder.Cache past) {
            return d.forwardAll(t, p, rows, length, mask, past);
        }

        @Override
        public RecordingDecoder.Cache repeat(RecordingDecoder.Cache cache, int rows) {
            return d.repeat(cache, rows);
        }

        @Override
        public Mixing mix(Output<RecordingDecoder.Cache> base, Output<RecordingDecoder.Cache> after, int rows) {
            return d.mix(base, after, rows);
        }

        @Override
        public float[] logits(float[] hidden, int rows) {
            projected.add(hidden.clone());
            float[] out = new float[rows * VOCAB];
            for (int r = 0; r < rows; r++) {
                System.arraycopy(d.logitsOf(hidden, r * d.hiddenSize()), 0, out, r * VOCAB, VOCAB);
            }
            return out;
        }

        @Override
        public void release(RecordingDecoder.Cache cache) {
            d.release(cache);
        }
    }

    /** A head whose mix ignores the thought: not the convex combination. */
    private static final class BaseOnlyHead implements MixingHead<float[][]> {
        @Override
        public float[][] weight(float[][] base, float[][] thought) {
            return new ConstantMixingHead(0.5f).weight(base, thought);
        }

        @Override
        public float[][] mix(float[][] base, float[][] thought, float[][] weight) {
            return base;
        }
    }

    private static <C> DecoderStep.Output<C> prefix(DecoderStep<C> step, long... ids) {
        long[] pos = new long[ids.length];
        boolean[][] valid = new boolean[1][ids.length];
        for (int i = 0; i < ids.length; i++) {
            pos[i] = i;
            valid[0][i] = true;
        }
        return step.forward(ids, pos, 1, ids.length, ThinkThenTalk.causalWithPadding(valid, ids.length), null);
    }

    private static ThoughtTokenSampler constant(long id) {
        return (logits, rows, vocab, k) -> {
            long[] ids = new long[rows];
            Arrays.fill(ids, id);
            return ids;
        };
    }

    @Test
    void aConvexUserHeadRunsThroughTheLinearityOfTheHeadWhenTheBackendHasNoGeneralHead() {
        RecordingDecoder d = decoder();
        DecoderStep.Output<RecordingDecoder.Cache> real = prefix(d, BOS, 0, 1);
        ThoughtBranch branch = new ThoughtBranch(settings(2), new ConstantMixingHead(0.25f));
        ThoughtBranch.Kept<RecordingDecoder.Cache> kept = branch.thinkAndKeep(d, real, new long[] {3},
                new boolean[][] {{true, true, true}}, constant(2));
        DecoderStep.Mixing m = branch.mixing(d, real, kept.after(), 1);
        assertThat(m.weights()).containsExactly(0.25f);
        for (int k = 0; k < VOCAB; k++) {
            float lb = real.logits()[k];
            float la = kept.after().logits()[k];
            assertThat(m.mixedLogits()[k]).isCloseTo(lb + 0.25f * (la - lb), within(1e-5f));
        }
        assertThat(d.mixes).as("the backend's own head is not used").isEmpty();
        assertThat(kept.ids()).containsExactly(2, 2);
        d.release(kept.after().cache());
        d.release(real.cache());
    }

    @Test
    void aBackendWithAGeneralHeadAppliesItToTheUsersMixedState() {
        WithHead step = new WithHead(decoder());
        DecoderStep.Output<RecordingDecoder.Cache> real = prefix(step, BOS, 3);
        ThoughtBranch.Thought t = new ThoughtBranch(settings(1), new BaseOnlyHead()).think(step, real,
                new long[] {2}, new boolean[][] {{true, true}}, constant(4));
        assertThat(step.projected).hasSize(1);
        assertThat(step.projected.get(0)).containsExactly(real.hidden());
        assertThat(t.mixing().mixedLogits()).containsExactly(step.d.logitsOf(real.hidden(), 0));
        assertThat(t.mixing().weights()).containsExactly(0.5f);
    }

    @Test
    void aNonConvexHeadIsRefusedWhereTheBackendCannotApplyItsHeadAndBadOutputsAreNamed() {
        RecordingDecoder d = decoder();
        DecoderStep.Output<RecordingDecoder.Cache> real = prefix(d, BOS, 3);
        boolean[][] valid = {{true, true}};
        assertThatThrownBy(() -> new ThoughtBranch(settings(1), new BaseOnlyHead()).think(d, real, new long[] {2},
                valid, constant(4))).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("other than (1 - w) h_base + w h_after");
        MixingHead<float[][]> nan = new MixingHead<>() {
            @Override
            public float[][] weight(float[][] base, float[][] thought) {
                return new float[][] {{Float.NaN}};
            }

            @Override
            public float[][] mix(float[][] base, float[][] thought, float[][] weight) {
                return base;
            }
        };
        assertThatThrownBy(() -> new ThoughtBranch(settings(1), nan).think(d, real, new long[] {2}, valid,
                constant(4))).isInstanceOf(IllegalStateException.class).hasMessageContaining("one finite weight");
        MixingHead<float[][]> rows = new MixingHead<>() {
            @Override
            public float[][] weight(float[][] base, float[][] thought) {
                return new float[3][1];
            }

            @Override
            public float[][] mix(float[][] base, float[][] thought, float[][] weight) {
                return base;
            }
        };
        assertThatThrownBy(() -> new ThoughtBranch(settings(1), rows).think(d, real, new long[] {2}, valid,
                constant(4))).isInstanceOf(IllegalStateException.class).hasMessageContaining("3 rows");
    }

    @Test
    void aUsersSamplerAndHeadShapeEveryThoughtOfGenerationAndScoring() {
        List<Integer> steps = new ArrayList<>();
        ThoughtTokenSampler forced = (logits, rows, vocab, k) -> {
            steps.add(k);
            assertThat(logits[START]).as("meta-tokens are masked before the user's sampler").isLessThan(-1e9f);
            long[] ids = new long[rows];
            Arrays.fill(ids, 5);
            return ids;
        };
        ThinkThenTalk loop = new ThinkThenTalk(settings(2), null,
                new InferenceComponents(new ConstantMixingHead(0.4f), forced));
        GenerationResult r = loop.run(decoder(), List.of("ab"), new GenerationOptions(3, List.of(),
                new Sampling(0, 0, 1, 0), ThoughtSampling.SAMPLE, ThinkingPolicy.everyToken(), true), null, null,
                null).get(0);
        assertThat(r.traces()).hasSize(3);
        for (TokenTrace t : r.traces()) {
            assertThat(t.thoughtIds()).containsExactly(5, 5);
            assertThat(t.mixingWeight()).isCloseTo(0.4, within(1e-6));
        }
        assertThat(steps).containsExactly(0, 1, 0, 1, 0, 1);
        var score = new TextScorer(loop).score(decoder(), "abc", ThoughtSampling.SAMPLE, 1);
        assertThat(score.mixingWeights()).allSatisfy(w -> assertThat(w).isCloseTo(0.4, within(1e-6)));
        assertThat(score.thoughts()).allSatisfy(t -> assertThat(t).isEqualTo("ff"));
        assertThat(loop.components().thoughtSampler()).isSameAs(forced);
    }

    @Test
    void theAllPositionsPassAndTheGatePredictionsAgreeWithTokenByTokenScoring() {
        float[] gw = {0.5f, -1f, 0.25f, 2f, 0.3f, -0.7f};
        ThinkThenTalk loop = new ThinkThenTalk(settings(1), new ThinkingGate(4, gw, 0.1f, 1, 0.1, 0.1));
        double[] gains = new TextScorer(loop).predictedGains(decoder(), "abcd");
        var gated = new TextScorer(loop).scoreWithGains(decoder(), "abcd", ThoughtSampling.GREEDY, 0);
        assertThat(gains).hasSize(4);
        for (int i = 0; i < 4; i++) {
            assertThat(gains[i]).as("token %d", i).isCloseTo(gated.predictedGains().get(i), within(1e-6));
        }
        assertThatThrownBy(() -> new TextScorer(new ThinkThenTalk(settings(1))).predictedGains(decoder(), "ab"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("thinking gate");
        assertThatThrownBy(() -> new TextScorer(loop).predictedGains(decoder(), ""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
    }

    @Test
    void aSpanThoughtKeepsItsBranchForTheSpanAndFeedsBothCachesAtTheirPositions() {
        RecordingDecoder d = decoder();
        ThinkThenTalk loop = new ThinkThenTalk(settings(2));
        int[] prompt = {BOS, 0, 1};
        int[] answer = {2, 3, 4};
        SpanThought.Scored s = new SpanThought(loop, 2).score(d, prompt, answer, constant(6));
        assertThat(s.thoughtIds()).containsExactly(6, 6);
        assertThat(s.tokens()).containsExactly(answer);
        assertThat(s.mixingWeights()).hasSize(2);
        assertThat(d.mixes).hasSize(2);
        // the prompt, the thought (start, 2 tokens, end) at 3..6, the real tokens at 3 and 4, the branch's at 7
        List<List<Long>> fed = new ArrayList<>();
        for (RecordingDecoder.Call c : d.calls) {
            fed.add(List.of(c.tokenIds()[c.tokenIds().length - 1], c.positionIds()[c.positionIds().length - 1]));
        }
        assertThat(fed).containsExactly(List.of(1L, 2L), List.of((long) START, 3L), List.of(6L, 4L),
                List.of(6L, 5L), List.of((long) END, 6L), List.of(2L, 3L), List.of(2L, 7L), List.of(3L, 4L));
        // inside the span the distribution is the mixing head's, meta-tokens removed; after it the base model's
        float[] mixed = d.mixes.get(0).result().mixedLogits();
        assertThat(s.logProbs()[0]).isCloseTo(logSoftmaxWithoutMeta(mixed, answer[0]), within(1e-5));
        float[] base = d.calls.get(d.calls.size() - 1).out().logits();
        assertThat(s.logProbs()[2]).isCloseTo(logSoftmaxWithoutMeta(base, answer[2]), within(1e-5));
        assertThat(d.released).as("every cache released").containsExactlyInAnyOrderElementsOf(d.created);
        SpanThought.Scored g = new SpanThought(loop, 1).generate(decoder(), prompt, 4, answer[0], constant(6));
        assertThat(g.tokens().length).isBetween(1, 4);
        assertThatThrownBy(() -> new SpanThought(loop, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SpanThought(loop, 1).score(new RecordingDecoder(VOCAB, 4, 8), prompt, answer,
                constant(6))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("positions");
    }

    private static double logSoftmaxWithoutMeta(float[] logits, int token) {
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < logits.length; k++) {
            if (k != START && k != END) {
                max = Math.max(max, logits[k]);
            }
        }
        double sum = 0;
        for (int k = 0; k < logits.length; k++) {
            if (k != START && k != END) {
                sum += Math.exp(logits[k] - max);
            }
        }
        return logits[token] - max - Math.log(sum);
    }
}
