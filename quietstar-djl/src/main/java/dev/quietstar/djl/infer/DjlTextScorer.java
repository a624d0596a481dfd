package dev.quietstar.djl.infer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.quietstar.api.TextScore;
import dev.quietstar.api.ThoughtRollout;
import dev.quietstar.api.ThoughtSampler;
import dev.quietstar.core.infer.FiniteDecoderStep;
import dev.quietstar.core.infer.InferenceComponents;
import dev.quietstar.core.infer.TextScoreRows;
import dev.quietstar.core.infer.TextScorer;
import dev.quietstar.core.infer.ThoughtTokenSampler;
import dev.quietstar.core.text.TextTokenizer;
import dev.quietstar.djl.model.CausalDecoder;
import dev.quietstar.djl.model.EngineArrays;
import dev.quietstar.djl.thought.MlpMixingHead;
import dev.quietstar.djl.thought.ParallelThoughtGenerator;
import dev.quietstar.djl.thought.QuietStarModel;
import java.util.Arrays;
import java.util.Objects;

/**
 * Scores a text with and without thinking for a {@link DjlReasoner}, through the parallel path of the training
 * forward without gradient (see {@link DjlReasoner#score(String, dev.quietstar.api.config.ThoughtSampling, long)}):
 * one thought after every position, the base and think-then-talk log-probabilities of each next token, the mixing
 * weights (from the user's mixing head when one is plugged in) and the decoded thoughts. Anything non-finite stops
 * the call with an error naming the model. One scorer serves one call.
 */
final class DjlTextScorer {

    private final QuietStarModel model;
    private final InferenceComponents components;
    private final String origin;

    DjlTextScorer(QuietStarModel model, InferenceComponents components, String origin) {
        this.model = Objects.requireNonNull(model, "model");
        this.components = Objects.requireNonNull(components, "components");
        this.origin = Objects.requireNonNull(origin, "origin");
    }

    @SuppressWarnings("try") // the no-gradient scope is held, not referenced
    TextScore score(String text, ThoughtSampler<NDArray> sampler) {
        Objects.requireNonNull(sampler, "sampler");
        TextTokenizer tok = model.tokenizer();
        int n = model.config().thoughtLength();
        int[] ids = TextScorer.scoredIds(tok, text, n, model.decoder().config().maxPositions());
        int len = ids.length;
        CausalDecoder decoder = model.decoder();
        MlpMixingHead head = model.mixingHead();
        try (NoGradScope ignored = NoGradScope.enter(); NDManager m = model.manager().newSubManager()) {
            long[] longIds = new long[len];
            for (int i = 0; i < len; i++) {
                longIds[i] = ids[i];
            }
            NDArray idArray = m.create(longIds, new Shape(1, len));
            NDArray attention = m.ones(new Shape(1, len), DataType.INT32);
            ThoughtRollout<NDArray> rollout = new ParallelThoughtGenerator(model, n, 1)
                    .generate(idArray, attention, sampler);
            String upTo = ":, 0:" + (len - 1) + ", :";
            NDArray base = rollout.baseHidden().get(upTo);
            NDArray after = rollout.talkHidden().get(0).get(upTo);
            NDArray targets = idArray.get(":, 1:").expandDims(-1);
            float[] baseLogp = decoder.logits(base).logSoftmax(-1).gather(targets, 2).toFloatArray();
            FiniteDecoderStep.requireFinite(baseLogp, "log-probabilities of the text's tokens without thinking",
                    origin);
            NDArray w;
            NDArray mixed;
            if (components.mixingHead() != null) {
                NDArray[] custom = customMix(m, base, after);
                w = custom[0];
                mixed = custom[1];
            } else {
                w = head.weight(base, after);
                mixed = head.mix(base, after, w);
            }
            float[] thinkLogp = decoder.logits(mixed).logSoftmax(-1).gather(targets, 2).toFloatArray();
            float[] weights = w.toFloatArray();
            FiniteDecoderStep.requireFinite(weights, "mixing weights", origin);
            FiniteDecoderStep.requireFinite(thinkLogp, "log-probabilities of the text's tokens with thinking",
                    origin);
            long[] thoughtIds = rollout.thoughtIds().toLongArray();
            TextScoreRows rows = new TextScoreRows(tok, ids);
            for (int i = 0; i < len - 1; i++) {
                rows.add(i, baseLogp[i], thinkLogp[i], weights[i], thoughtIds, i * n, n);
            }
            return rows.build();
        }
    }

    /** The user's mixing head on (1, n, H) states: weights (1, n, 1) and the mixed states (1, n, H). */
    private NDArray[] customMix(NDManager m, NDArray base, NDArray after) {
        int n = Math.toIntExact(base.getShape().get(1));
        int h = Math.toIntExact(base.getShape().get(2));
        float[][] b = rows(base.toFloatArray(), n, h);
        float[][] a = rows(after.toFloatArray(), n, h);
        float[][] w = components.mixingHead().weight(b, a);
        float[][] mixed = components.mixingHead().mix(b, a, w);
        float[] wFlat = new float[n];
        float[] mFlat = new float[n * h];
        for (int i = 0; i < n; i++) {
            wFlat[i] = w[i][0];
            System.arraycopy(mixed[i], 0, mFlat, i * h, h);
        }
        return new NDArray[] {m.create(wFlat, new Shape(1, n, 1)), m.create(mFlat, new Shape(1, n, h))};
    }

    private static float[][] rows(float[] flat, int n, int h) {
        float[][] out = new float[n][];
        for (int i = 0; i < n; i++) {
            out[i] = Arrays.copyOfRange(flat, i * h, (i + 1) * h);
        }
        return out;
    }

    /**
     * A user's plain-array thought sampler as a DJL sampler over (rows, L, V) logits; NaN or infinite logits stop the
     * call before they reach the user's code.
     */
    static ThoughtSampler<NDArray> adapt(ThoughtTokenSampler sampler, String origin) {
        return (logits, step) -> {
            Shape s = logits.getShape();
            int vocab = Math.toIntExact(s.get(s.dimension() - 1));
            int rows = Math.toIntExact(s.size() / vocab);
            float[] plain = logits.stopGradient().toFloatArray();
            FiniteDecoderStep.requireFinite(plain, "logits of thought token " + step, origin);
            long[] ids = sampler.sample(plain, rows, vocab, step);
            return EngineArrays.of(logits.getManager(), ids, s.slice(0, s.dimension() - 1));
        };
    }
}
