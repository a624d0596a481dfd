package dev.quietstar.djl.infer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.quietstar.api.ThoughtRollout;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.core.infer.DecoderStep;
import dev.quietstar.core.infer.SpanThought;
import dev.quietstar.core.infer.SteppedReasoner;
import dev.quietstar.core.infer.ThinkThenTalk;
import dev.quietstar.core.infer.ThoughtTokenSampler;
import dev.quietstar.core.text.ByteTokenizer;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.model.CausalDecoder;
import dev.quietstar.djl.model.DecoderConfig;
import dev.quietstar.djl.thought.MlpMixingHead;
import dev.quietstar.djl.thought.ParallelThoughtGenerator;
import dev.quietstar.djl.thought.QuietStarModel;
import dev.quietstar.djl.thought.ThoughtSamplers;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SpanThoughtTest {

    static final int N = 3;
    static final int T = 3;

    @BeforeAll
    static void engine() {
        DjlEngines.pytorch();
    }

    private static QuietStarModel model() {
        QuietStarModel m = QuietStarModel.create(CausalDecoder.random(DecoderConfig.gpt2(ByteTokenizer.VOCAB_SIZE,
                32, 2, 4, 64), Device.cpu(), 5), ByteTokenizer.instance(),
                QuietStarConfig.official().withShape(N, T, 1, 16), 5);
        NDArray w = m.mixingHead().parameters().get(MlpMixingHead.PREFIX + "4.weight").getArray();
        float[] d = new float[Math.toIntExact(w.size())];
        SplittableRandom rng = new SplittableRandom(2);
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (rng.nextDouble() - 0.5);
        }
        w.set(d);
        return m;
    }

    /** Core's SpanThought on the DJL decoder step with a forced thought: scores the answer, or generates 3 tokens. */
    private static SpanThought.Scored span(QuietStarModel model, int span, int[] prompt, int[] answer, int[] thought,
            boolean generate) {
        return DjlReasoner.wrap(model).withStep(new SteppedReasoner.StepTask<SpanThought.Scored>() {
            @Override
            public <C> SpanThought.Scored run(DecoderStep<C> step, ThinkThenTalk loop) {
                SpanThought thinker = new SpanThought(loop, span);
                ThoughtTokenSampler forced = (logits, rows, vocab, k) -> new long[] {thought[k]};
                return generate ? thinker.generate(step, prompt, 3, -1, forced)
                        : thinker.score(step, prompt, answer, forced);
            }
        });
    }

    @Test
    void oneThoughtServingTheLookAheadEqualsTheTrainingForwardAtThatPosition() {
        int[] prompt = {256, 81, 58, 32, 49, 43, 50, 61, 63, 10, 65, 58, 32}; // <bos>Q: 1+2=?\nA:_
        int[] answer = {51, 10, 81};
        int[] thought = {72, 105, 33};
        try (QuietStarModel model = model(); NDManager m = NDManager.newBaseManager()) {
            SpanThought.Scored span = span(model, T, prompt, answer, thought, false);
            assertThat(span.thoughtIds()).containsExactly(thought);
            // The training forward: the thought after the last prompt token, the answer teacher-forced after it.
            int len = prompt.length + answer.length;
            long[] seq = new long[len];
            for (int i = 0; i < len; i++) {
                seq[i] = i < prompt.length ? prompt[i] : answer[i - prompt.length];
            }
            int[][][] forced = new int[1][len][N];
            for (int i = 0; i < len; i++) {
                forced[0][i] = thought.clone();
            }
            NDArray ids = m.create(seq, new Shape(1, len));
            NDArray attn = m.ones(new Shape(1, len)).toType(ai.djl.ndarray.types.DataType.INT64, false);
            ThoughtRollout<NDArray> r = new ParallelThoughtGenerator(model, N, T).generate(ids, attn,
                    ThoughtSamplers.forced(forced));
            int i = prompt.length - 1;
            for (int s = 0; s < T; s++) {
                NDArray hb = r.baseHidden().get(":, " + (i + s) + ", :");
                NDArray ht = r.talkHidden().get(s).get(":, " + i + ", :");
                NDArray w = model.mixingHead().weight(hb, ht);
                NDArray logp = model.decoder().logits(model.mixingHead().mix(hb, ht, w))
                        .add(model.metaTokenLogitMask(m)).logSoftmax(-1);
                double expected = logp.getFloat(0, answer[s]);
                assertThat(span.logProbs()[s]).as("answer token %d", s).isCloseTo(expected, within(1e-5));
                assertThat(span.mixingWeights()[s]).isCloseTo(w.getFloat(0, 0), within(1e-5));
            }
            // span 1 keeps the thought for one token only: later tokens come from the base model
            SpanThought.Scored one = span(model, 1, prompt, answer, thought, false);
            assertThat(one.logProbs()[0]).isCloseTo(span.logProbs()[0], within(1e-6));
            NDArray base = model.decoder().logits(r.baseHidden().get(":, " + (i + 1) + ", :"))
                    .add(model.metaTokenLogitMask(m)).logSoftmax(-1);
            assertThat(one.logProbs()[1]).isCloseTo(base.getFloat(0, answer[1]), within(1e-5));
            // greedy generation picks the arg-max of the same mixed distributions
            SpanThought.Scored gen = span(model, T, prompt, answer, thought, true);
            assertThat(gen.tokens()).hasSize(3);
            float[] first = span.probabilities()[0];
            int best = 0;
            for (int k = 1; k < first.length; k++) {
                best = first[k] > first[best] ? k : best;
            }
            assertThat(gen.tokens()[0]).isEqualTo(best);
        }
    }
}
