package dev.quietstar.core.infer;

import dev.quietstar.api.TextScore;
import dev.quietstar.api.config.ThoughtSampling;
import dev.quietstar.core.text.TextTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Scores a text token by token with and without a thought before each token, on the cache of a
 * {@link DecoderStep}: the engine-neutral scoring of {@link dev.quietstar.api.Reasoner#score}.
 */
public final class TextScorer {

    private final ThinkThenTalk loop;

    /**
     * Creates a scorer that thinks as a generation loop does.
     *
     * @param loop the loop whose settings, thought branch and gate are used
     */
    public TextScorer(ThinkThenTalk loop) {
        this.loop = Objects.requireNonNull(loop, "loop");
    }

    /**
     * Scores every token of a text with and without thinking, one token at a time on the cache: after the prefix
     * x_0..x_i, the base log-probability log softmax(lm_head(h_base(i)))[x_{i+1}] and, after a thought branched off
     * that prefix, the think-then-talk log-probability log softmax(lm_head((1 - w) h_base(i) + w h_after(i)))[x_{i+1}]
     * (look-ahead step 0 of the objective). As in the training losses the meta-tokens stay in both distributions;
     * thought tokens are drawn with the meta-tokens masked. The document-start token is prepended and is the
     * unscored context of the first text token.
     *
     * @param step the engine
     * @param text non-empty text that with one thought fits the context
     * @param sampling how thought tokens are chosen
     * @param seed seed of sampled thoughts
     * @param <C> the engine's cache type
     * @return per-token log-probabilities, mixing weights and thoughts
     * @throws IllegalArgumentException for an empty text or one too long for the context
     */
    public <C> TextScore score(DecoderStep<C> step, String text, ThoughtSampling sampling, long seed) {
        return scoreTokens(step, text, sampling, seed, false).score();
    }

    /**
     * Scores every token of a text like {@link #score} and also gives the thinking gate's predicted gain before each
     * token, from the same base hidden state and logits: the input of an adaptive-thinking curve, where each
     * threshold keeps the think-then-talk log-probability where the prediction exceeds it and the base one
     * elsewhere.
     *
     * @param step the engine
     * @param text non-empty text that with one thought fits the context
     * @param sampling how thought tokens are chosen
     * @param seed seed of sampled thoughts
     * @param <C> the engine's cache type
     * @return the scores and one predicted gain per scored token
     * @throws IllegalArgumentException when the loop has no gate, for an empty text or one too long
     */
    public <C> GatedTextScore scoreWithGains(DecoderStep<C> step, String text, ThoughtSampling sampling, long seed) {
        Objects.requireNonNull(step, "step");
        loop.requireGate(step.hiddenSize());
        return scoreTokens(step, text, sampling, seed, true);
    }

    /**
     * Per-token scores of a text with the thinking gate's prediction before each token.
     *
     * @param score base and think-then-talk log-probabilities, mixing weights and thoughts
     * @param predictedGains the gate's predicted gain before each scored token, nats
     */
    public record GatedTextScore(TextScore score, List<Double> predictedGains) {
        /** Copies the list. */
        public GatedTextScore {
            predictedGains = List.copyOf(predictedGains);
        }
    }

    /**
     * The thinking gate's predicted gain of a thought before every token of a text after the first (the tokens
     * {@link #score} scores), from one causal pass of the base model: the features of position i are the final-norm
     * hidden state of x_i and the base next-token distribution without the meta-tokens.
     *
     * @param step the engine
     * @param text non-empty text that fits the context
     * @param <C> the engine's cache type
     * @return one prediction per scored token, nats
     * @throws IllegalArgumentException when the loop has no gate, or for an empty or too long text
     */
    public <C> double[] predictedGains(DecoderStep<C> step, String text) {
        Objects.requireNonNull(step, "step");
        loop.requireGate(step.hiddenSize());
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("text to score is empty");
        }
        ThinkThenTalk.Settings settings = loop.settings();
        TextTokenizer tok = settings.tokenizer();
        int[] ids = tok.withDocumentStart(tok.encode(text));
        int len = ids.length;
        if (len < 2 || len > step.maxPositions()) {
            throw new IllegalArgumentException("text to score must hold 2.." + step.maxPositions()
                    + " tokens (with the document-start token), it holds " + len);
        }
        long[] fed = new long[len - 1];
        long[] positions = new long[len - 1];
        for (int i = 0; i < len - 1; i++) {
            fed[i] = ids[i];
            positions[i] = i;
        }
        boolean[][] valid = new boolean[1][len - 1];
        Arrays.fill(valid[0], true);
        DecoderStep.Output<C> out = step.forwardAll(fed, positions, 1, len - 1,
                ThinkThenTalk.causalWithPadding(valid, len - 1), null);
        try {
            int h = step.hiddenSize();
            int vocab = step.vocabSize();
            double[] gains = new double[len - 1];
            for (int i = 0; i < len - 1; i++) {
                gains[i] = loop.gate().predictFromLogits(out.hidden(), i * h, out.logits(), i * vocab, vocab,
                        settings.startTokenId(), settings.endTokenId());
            }
            return gains;
        } finally {
            step.release(out.cache());
        }
    }

    /**
     * The token ids a text is scored on, checked: the document-start token and the text's tokens, at least two, and
     * with one thought of {@code thoughtLength + 2} positions within the model's context. Every backend's scoring
     * starts here, so that all refuse the same texts with the same messages.
     *
     * @param tokenizer the model's tokenizer
     * @param text the text
     * @param thoughtLength tokens per thought
     * @param maxPositions the model's context
     * @return the ids, document start first
     * @throws IllegalArgumentException for an empty text, one of a single token, or one too long for the context
     */
    public static int[] scoredIds(TextTokenizer tokenizer, String text, int thoughtLength, int maxPositions) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("text to score is empty");
        }
        int[] ids = tokenizer.withDocumentStart(tokenizer.encode(text));
        int len = ids.length;
        if (len < 2) {
            throw new IllegalArgumentException("text to score must hold at least 2 tokens (the first is context), "
                    + "it holds " + len);
        }
        int n = thoughtLength;
        if (len + n + 2 > maxPositions) {
            throw new IllegalArgumentException("text to score has " + len + " tokens; with a thought of " + (n + 2)
                    + " positions it needs " + (len + n + 2) + " positions, the model has " + maxPositions
                    + "; score a shorter text");
        }
        return ids;
    }

    private <C> GatedTextScore scoreTokens(DecoderStep<C> step, String text, ThoughtSampling sampling, long seed,
            boolean gains) {
        Objects.requireNonNull(step, "step");
        Objects.requireNonNull(sampling, "sampling");
        ThinkThenTalk.Settings settings = loop.settings();
        TextTokenizer tok = settings.tokenizer();
        int n = settings.thoughtLength();
        int[] ids = scoredIds(tok, text, n, step.maxPositions());
        int len = ids.length;
        int vocab = step.vocabSize();
        SplittableRandom rng = new SplittableRandom(seed);
        ThoughtTokenSampler custom = loop.components().thoughtSampler();
        ThoughtTokenSampler sampler = custom != null ? custom
                : (logits, rows, v, k) -> new long[] {sampling == ThoughtSampling.GREEDY
                ? OutputSampler.argMax(logits, 0, v)
                : ThinkThenTalk.categorical(logits, 0, v, settings.thoughtTemperature(), rng)};
        TextScoreRows rows = new TextScoreRows(tok, ids);
        List<Double> gainList = new ArrayList<>();
        DecoderStep.Output<C> real = step.forward(new long[] {ids[0]}, new long[] {0}, 1, 1, new float[] {0f}, null);
        try {
            for (int i = 0; i < len - 1; i++) {
                int target = ids[i + 1];
                if (gains) {
                    gainList.add(loop.predictedGains(real, 1, step.hiddenSize(), vocab)[0]);
                }
                boolean[][] keyValid = new boolean[1][i + 1];
                Arrays.fill(keyValid[0], true);
                ThoughtBranch.Thought thought = loop.branch().think(step, real, new long[] {i + 1}, keyValid,
                        sampler);
                rows.add(i, logSoftmaxAt(real.logits(), vocab, target),
                        logSoftmaxAt(thought.mixing().mixedLogits(), vocab, target), thought.mixing().weights()[0],
                        thought.ids(), 0, n);
                if (i < len - 2) {
                    DecoderStep.Output<C> next = step.forward(new long[] {target}, new long[] {i + 1}, 1, 1,
                            new float[i + 2], real.cache());
                    step.release(real.cache());
                    real = next;
                }
            }
        } finally {
            step.release(real.cache());
        }
        return new GatedTextScore(rows.build(), gainList);
    }

    private static double logSoftmaxAt(float[] logits, int vocab, int token) {
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < vocab; k++) {
            max = Math.max(max, logits[k]);
        }
        double sum = 0;
        for (int k = 0; k < vocab; k++) {
            sum += Math.exp(logits[k] - max);
        }
        return logits[token] - max - Math.log(sum);
    }
}
