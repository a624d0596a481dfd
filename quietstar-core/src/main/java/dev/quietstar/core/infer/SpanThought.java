package dev.quietstar.core.infer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One thought that serves the next {@code span} tokens, as the training objective's teacher-forced look-ahead does.
 *
 * <p>In training, the thought after position i predicts x_{i+1}, and then x_{i+1}..x_{i+T-1} are fed after the
 * end-of-thought token, so the thought stays in context for T predictions, each mixed with the base hidden state at
 * the same position. Generation ({@link ThinkThenTalk}) drops a thought's branch after one token; this class keeps
 * it for up to {@code span} tokens: after the thought, each chosen (or, when scoring, each gold) token is fed to the
 * real cache, giving the next base hidden state, and to the kept branch at the positions after the end token, giving
 * the next post-thought hidden state; the mixing head blends the two. With {@code span = 1} it equals thinking once
 * in generation. Tokens after the span are predicted by the base model alone. Written once on a {@link DecoderStep},
 * so every engine runs it; the thought is {@link ThoughtBranch}'s.
 */
public final class SpanThought {

    /**
     * What one thought and the tokens after it gave.
     *
     * @param tokens the scored (gold) or generated tokens
     * @param logProbs log p of each token (with the thought for the first {@code span} tokens)
     * @param probabilities the full next-token distribution of each token, meta-tokens removed (V floats each)
     * @param mixingWeights the mixing weight of each token inside the span
     * @param thoughtIds the thought's tokens
     */
    public record Scored(int[] tokens, double[] logProbs, float[][] probabilities, double[] mixingWeights,
            int[] thoughtIds) {}

    private final ThinkThenTalk loop;
    private final int span;

    /**
     * Creates the component.
     *
     * @param loop the model's loop: its settings, thought branch and mixing head
     * @param span how many tokens one thought serves (1 up to the model's look-ahead is what training prepared it
     *     for)
     */
    public SpanThought(ThinkThenTalk loop, int span) {
        if (span < 1) {
            throw new IllegalArgumentException("span must be >= 1, was " + span);
        }
        this.loop = Objects.requireNonNull(loop, "loop");
        this.span = span;
    }

    /**
     * Scores a continuation (teacher-forced) after a prompt, thinking once at the end of the prompt.
     *
     * @param step the engine
     * @param prompt prompt ids (the start token included)
     * @param answer answer ids
     * @param sampler chooses the thought tokens
     * @param <C> the engine's cache type
     * @return per-token results
     */
    public <C> Scored score(DecoderStep<C> step, int[] prompt, int[] answer, ThoughtTokenSampler sampler) {
        return run(step, prompt, answer, answer.length, sampler, -1);
    }

    /**
     * Generates greedily after a prompt, thinking once at the end of the prompt.
     *
     * @param step the engine
     * @param prompt prompt ids (the start token included)
     * @param maxTokens tokens to generate at most
     * @param stopId token that ends generation (included in the result), or -1
     * @param sampler chooses the thought tokens
     * @param <C> the engine's cache type
     * @return the generated tokens and their log-probabilities
     */
    public <C> Scored generate(DecoderStep<C> step, int[] prompt, int maxTokens, int stopId,
            ThoughtTokenSampler sampler) {
        return run(step, prompt, null, maxTokens, sampler, stopId);
    }

    private <C> Scored run(DecoderStep<C> step, int[] prompt, int[] gold, int steps, ThoughtTokenSampler sampler,
            int stopId) {
        ThinkThenTalk.Settings settings = loop.settings();
        int n = settings.thoughtLength();
        int p = prompt.length;
        if (p + n + 2 + steps > step.maxPositions()) {
            throw new IllegalArgumentException("prompt (" + p + " tokens) + thought (" + (n + 2) + ") + " + steps
                    + " tokens need more than the model's " + step.maxPositions() + " positions");
        }
        long[] ids = new long[p];
        long[] positions = new long[p];
        boolean[][] valid = new boolean[1][p];
        for (int i = 0; i < p; i++) {
            ids[i] = prompt[i];
            positions[i] = i;
            valid[0][i] = true;
        }
        DecoderStep.Output<C> real = step.forward(ids, positions, 1, p, ThinkThenTalk.causalWithPadding(valid, p),
                null);
        DecoderStep.Output<C> talk = null;
        try {
            ThoughtBranch.Kept<C> kept = loop.branch().thinkAndKeep(step, real, new long[] {p}, valid, sampler);
            talk = kept.after();
            List<Integer> chosen = new ArrayList<>();
            List<Double> logProbs = new ArrayList<>();
            List<float[]> dists = new ArrayList<>();
            List<Double> weights = new ArrayList<>();
            for (int s = 0; s < steps; s++) {
                float[] logits;
                if (s < span) {
                    DecoderStep.Mixing m = loop.branch().mixing(step, real, talk, 1);
                    weights.add((double) m.weights()[0]);
                    logits = m.mixedLogits();
                } else {
                    logits = real.logits();
                }
                float[] probs = softmaxWithoutMetaTokens(logits, settings);
                int token = gold != null ? gold[s] : OutputSampler.argMax(probs, 0, probs.length);
                chosen.add(token);
                logProbs.add(Math.log(Math.max(probs[token], Float.MIN_VALUE)));
                dists.add(probs);
                if (s == steps - 1 || token == stopId) {
                    break;
                }
                DecoderStep.Output<C> nextReal = step.forward(new long[] {token}, new long[] {p + s}, 1, 1,
                        new float[Math.toIntExact(real.cacheLength()) + 1], real.cache());
                step.release(real.cache());
                real = nextReal;
                if (s + 1 < span) {
                    DecoderStep.Output<C> nextTalk = step.forward(new long[] {token}, new long[] {p + n + 2 + s}, 1,
                            1, new float[Math.toIntExact(talk.cacheLength()) + 1], talk.cache());
                    step.release(talk.cache());
                    talk = nextTalk;
                }
            }
            int[] thought = new int[n];
            for (int k = 0; k < n; k++) {
                thought[k] = Math.toIntExact(kept.ids()[k]);
            }
            return new Scored(chosen.stream().mapToInt(Integer::intValue).toArray(),
                    logProbs.stream().mapToDouble(Double::doubleValue).toArray(), dists.toArray(new float[0][]),
                    weights.stream().mapToDouble(Double::doubleValue).toArray(), thought);
        } finally {
            step.release(real.cache());
            if (talk != null) {
                step.release(talk.cache());
            }
        }
    }

    /** softmax(logits) over the vocabulary with the two meta-tokens removed. */
    private static float[] softmaxWithoutMetaTokens(float[] logits, ThinkThenTalk.Settings settings) {
        float[] masked = Arrays.copyOf(logits, logits.length);
        masked[settings.startTokenId()] += ThinkThenTalk.META_TOKEN_LOGIT_MASK;
        masked[settings.endTokenId()] += ThinkThenTalk.META_TOKEN_LOGIT_MASK;
        double max = Double.NEGATIVE_INFINITY;
        for (float v : masked) {
            max = Math.max(max, v);
        }
        double sum = 0;
        double[] e = new double[masked.length];
        for (int k = 0; k < masked.length; k++) {
            e[k] = Math.exp(masked[k] - max);
            sum += e[k];
        }
        float[] probs = new float[masked.length];
        for (int k = 0; k < masked.length; k++) {
            probs[k] = (float) (e[k] / sum);
        }
        return probs;
    }
}
