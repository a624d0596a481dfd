package dev.quietstar.djl.infer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.quietstar.api.ThoughtSampler;
import dev.quietstar.djl.model.CausalDecoder;
import dev.quietstar.djl.model.DecoderOutput;
import dev.quietstar.djl.model.KvCache;
import dev.quietstar.djl.model.Masks;
import dev.quietstar.djl.thought.QuietStarModel;
import java.util.ArrayList;
import java.util.List;

/**
 * One thought that serves the next {@code span} tokens, as the training objective's teacher-forced look-ahead does.
 *
 * <p>In training, the thought after position i predicts x_{i+1}, and then x_{i+1}..x_{i+T-1} are fed after the
 * end-of-thought token, so the thought stays in context for T predictions, each mixed with the base hidden state
 * at the same position (DESIGN section 3.5). {@link DjlReasoner} follows DESIGN section 3.7 and drops a thought's
 * branch after one token; this class keeps the branch for up to {@code span} tokens: after the thought, each chosen
 * (or, when scoring, each gold) token is fed to the real cache, giving the next base hidden state, and to the
 * branch, giving the next post-thought hidden state; the two are mixed by the head. With {@code span = 1} it equals
 * the reasoner's thinking once. Tokens after the span are predicted by the base model alone.
 *
 * <p>Used by the demo and the evaluation for "think once at the start of the answer". Runs without autograd in a
 * sub-scope of the model's manager; thread-safe like the reasoner (one model, concurrent calls).
 */
public final class SpanThought {

    /**
     * What one thought and the tokens after it gave.
     *
     * @param tokens the scored (gold) or generated tokens
     * @param logProbs log p of each token (with the thought for the first {@code span} tokens)
     * @param probabilities the full next-token distribution of each answer token, meta-tokens removed (vocab floats
     *     per token)
     * @param mixingWeights the mixing weight of each token inside the span
     * @param thoughtIds the thought's tokens
     */
    public record Scored(int[] tokens, double[] logProbs, float[][] probabilities, double[] mixingWeights, int[] thoughtIds) {}

    private final QuietStarModel model;
    private final int span;

    /**
     * Creates the component.
     *
     * @param model the model
     * @param span how many tokens one thought serves (1 up to the model's look-ahead is what training prepared it
     *     for)
     */
    public SpanThought(QuietStarModel model, int span) {
        if (span < 1) {
            throw new IllegalArgumentException("span must be >= 1, was " + span);
        }
        this.model = model;
        this.span = span;
    }

    /**
     * Scores a continuation (teacher-forced) after a prompt, thinking once at the end of the prompt.
     *
     * @param prompt prompt ids (the start token included)
     * @param answer answer ids
     * @param sampler chooses the thought tokens
     * @return per-token results
     */
    public Scored score(int[] prompt, int[] answer, ThoughtSampler<NDArray> sampler) {
        return run(prompt, answer, answer.length, sampler, -1);
    }

    /**
     * Generates greedily after a prompt, thinking once at the end of the prompt.
     *
     * @param prompt prompt ids (the start token included)
     * @param maxTokens tokens to generate at most
     * @param stopId token that ends generation (included in the result), or -1
     * @param sampler chooses the thought tokens
     * @return the generated tokens and their log-probabilities
     */
    public Scored generate(int[] prompt, int maxTokens, int stopId, ThoughtSampler<NDArray> sampler) {
        return run(prompt, null, maxTokens, sampler, stopId);
    }

    private Scored run(int[] prompt, int[] gold, int steps, ThoughtSampler<NDArray> sampler, int stopId) {
        CausalDecoder d = model.decoder();
        int n = model.config().thoughtLength();
        int p = prompt.length;
        if (p + n + 2 + steps > d.config().maxPositions()) {
            throw new IllegalArgumentException("prompt (" + p + " tokens) + thought (" + (n + 2) + ") + " + steps
                    + " tokens need more than the model's " + d.config().maxPositions() + " positions");
        }
        try (NoGradScope g = NoGradScope.enter(); NDManager scope = model.manager().newSubManager()) {
            NDArray metaMask = model.metaTokenLogitMask(scope);
            DecoderOutput real = forward(scope, model.inputEmbeddings(ids(scope, prompt)), 0, null);
            NDArray hBase = real.hidden().get(":, -1:, :");
            KvCache realCache = real.cache();
            // the thought: start, n sampled tokens, end, on a branch of the real cache
            DecoderOutput b = forward(scope, model.metaTokens().startEmbedding(scope).reshape(1, 1, -1), p,
                    realCache);
            int[] thought = new int[n];
            for (int j = 0; j < n; j++) {
                NDArray logits = d.logits(b.hidden()).add(metaMask);
                int t = (int) sampler.sample(logits, j).toType(DataType.INT64, false).getLong(0, 0);
                thought[j] = t;
                b = forward(scope, d.embed(ids(scope, new int[] {t})), p + 1 + j, b.cache());
            }
            b = forward(scope, model.metaTokens().endEmbedding(scope).reshape(1, 1, -1), p + n + 1, b.cache());
            NDArray hTalk = b.hidden();
            KvCache branch = b.cache();
            List<Integer> chosen = new ArrayList<>();
            List<Double> out = new ArrayList<>();
            List<float[]> dists = new ArrayList<>();
            List<Double> weights = new ArrayList<>();
            for (int s = 0; s < steps; s++) {
                NDArray logits;
                if (s < span) {
                    NDArray w = model.mixingHead().weight(hBase, hTalk);
                    weights.add((double) w.getFloat(0, 0, 0));
                    logits = d.logits(model.mixingHead().mix(hBase, hTalk, w));
                } else {
                    logits = d.logits(hBase);
                }
                float[] probs = logits.add(metaMask).softmax(-1).toFloatArray();
                int token = gold != null ? gold[s] : argMax(probs);
                chosen.add(token);
                out.add(Math.log(Math.max(probs[token], Float.MIN_VALUE)));
                dists.add(probs);
                if (s == steps - 1 || token == stopId) {
                    break;
                }
                NDArray emb = model.inputEmbeddings(ids(scope, new int[] {token}));
                DecoderOutput r = forward(scope, emb, p + s, realCache);
                realCache = r.cache();
                hBase = r.hidden();
                if (s + 1 < span) {
                    DecoderOutput br = forward(scope, emb, p + n + 2 + s, branch);
                    branch = br.cache();
                    hTalk = br.hidden();
                }
            }
            return new Scored(chosen.stream().mapToInt(Integer::intValue).toArray(), out.stream().mapToDouble(Double::doubleValue).toArray(),
                    dists.toArray(new float[0][]), weights.stream().mapToDouble(Double::doubleValue).toArray(),
                    thought);
        }
    }

    private DecoderOutput forward(NDManager scope, NDArray embedding, long position, KvCache cache) {
        long cached = cache == null ? 0 : cache.length();
        long len = embedding.getShape().get(1);
        NDArray pos = scope.arange(position, position + len).toType(DataType.INT64, false).reshape(1, len);
        return model.decoder().forward(embedding, pos, Masks.causal(scope, 1, len, cached), cache);
    }

    private static NDArray ids(NDManager scope, int[] ids) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            l[i] = ids[i];
        }
        return scope.create(l, new Shape(1, ids.length));
    }

    private static int argMax(float[] p) {
        int best = 0;
        for (int i = 1; i < p.length; i++) {
            if (p[i] > p[best]) {
                best = i;
            }
        }
        return best;
    }
}
