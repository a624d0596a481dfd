package dev.quietstar.core.eval;

import dev.quietstar.core.gate.ThinkingGate;
import dev.quietstar.core.infer.DecoderStep;
import dev.quietstar.core.infer.ThinkThenTalk;
import dev.quietstar.core.infer.ThoughtBranch;
import dev.quietstar.core.infer.ThoughtTokenSampler;
import dev.quietstar.core.text.TextTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Scores the gold answer of one example under several evaluation settings on a decoder step: one causal pass over
 * prompt + answer gives every base prediction and the cache, then each thinking position's thought branches off that
 * cache as one row of a batch that masks the keys beyond the row's own prefix.
 */
final class AnswerScorer {

    /** Thinking positions of one example that run together as rows of one branch. */
    static final int MAX_BRANCH_ROWS = 32;

    /**
     * The scores of one example under one setting.
     *
     * @param logProbs log-probability of each gold answer token
     * @param correct answer tokens that are the arg-max
     * @param probability the answer probability metric
     * @param thoughts thoughts taken
     * @param weightSum sum of their mixing weights
     */
    record Scored(double[] logProbs, int correct, double probability, int thoughts, double weightSum) {}

    /** Supplies the thought sampler of one example under one setting. */
    interface Samplers {
        /**
         * The sampler.
         *
         * @param setting the setting
         * @param index the example's index
         * @return the sampler, used for every thinking position of the example in order
         */
        ThoughtTokenSampler forExample(EvalSetting setting, int index);
    }

    private final ThinkThenTalk loop;
    private final int[] alphabetIds;

    AnswerScorer(ThinkThenTalk loop, int[] alphabetIds) {
        this.loop = loop;
        this.alphabetIds = alphabetIds;
    }

    /** The prompt (with the document-start token) and answer ids of an example; checks that one thought fits. */
    int[][] encode(int index, EvalExample example, int maxPositions) {
        TextTokenizer tok = loop.settings().tokenizer();
        int[] prompt = tok.withDocumentStart(tok.encode(example.prompt()));
        int[] answer = tok.encode(AnswerEvaluator.answerText(example));
        int p = prompt.length;
        int m = answer.length;
        if (p == 0) {
            throw new IllegalArgumentException("example " + index + ": the prompt encodes to no token and the "
                    + "tokenizer has no document-start token, so the first answer token has no context");
        }
        int needed = p + m - 1 + loop.positionsUsed();
        if (needed > maxPositions) {
            throw new IllegalArgumentException("example " + index + ": prompt (" + p + " tokens) + answer (" + m
                    + " tokens) + one thought (" + loop.positionsUsed() + " positions) need " + needed
                    + " positions, the model has " + maxPositions + "; shorten the question or use --limit to skip"
                    + " it");
        }
        return new int[][] {prompt, answer};
    }

    /** The base pass over prompt + answer (without its last token): every hidden state, logits and the cache. */
    <C> DecoderStep.Output<C> basePass(DecoderStep<C> step, int[] prompt, int[] answer) {
        int p = prompt.length;
        int length = p + answer.length - 1;
        long[] ids = new long[length];
        long[] positions = new long[length];
        for (int k = 0; k < length; k++) {
            ids[k] = k < p ? prompt[k] : answer[k - p];
            positions[k] = k;
        }
        boolean[][] valid = new boolean[1][length];
        Arrays.fill(valid[0], true);
        return step.forwardAll(ids, positions, 1, length, ThinkThenTalk.causalWithPadding(valid, length), null);
    }

    /** Base log-probabilities (meta-tokens removed) of the m answer tokens, (m, V). */
    float[] baseLogProbs(DecoderStep.Output<?> base, int p, int m, int vocab) {
        float[] out = Arrays.copyOfRange(base.logits(), (p - 1) * vocab, (p - 1 + m) * vocab);
        return logSoftmaxRows(out, m, vocab);
    }

    /** The thinking gate's prediction before each of the m answer tokens. */
    double[] gains(ThinkingGate gate, DecoderStep.Output<?> base, float[] baseLogProbs, int p, int m, int h,
            int vocab) {
        double[] out = new double[m];
        for (int j = 0; j < m; j++) {
            double[] f = ThinkingGate.logProbFeatures(baseLogProbs, j * vocab, vocab);
            out[j] = gate.predict(base.hidden(), (p - 1 + j) * h, f[0], f[1]);
        }
        return out;
    }

    /** Scores one example under every setting. */
    <C> List<Scored> score(DecoderStep<C> step, int index, EvalExample example, List<EvalSetting> settings,
            Samplers samplers) {
        TextTokenizer tok = loop.settings().tokenizer();
        int vocab = step.vocabSize();
        int h = step.hiddenSize();
        int[][] encoded = encode(index, example, step.maxPositions());
        int[] prompt = encoded[0];
        int[] answer = encoded[1];
        int p = prompt.length;
        int m = answer.length;
        int[] labelIds = example.kind() == EvalExample.Kind.MULTIPLE_CHOICE ? labelIds(example) : null;
        List<Scored> out = new ArrayList<>();
        DecoderStep.Output<C> base = basePass(step, prompt, answer);
        try {
            float[] baseLogProbs = baseLogProbs(base, p, m, vocab);
            double[] gains = null;
            for (EvalSetting setting : settings) {
                float[] logProbs = baseLogProbs.clone();
                List<Integer> thinkAt = new ArrayList<>();
                boolean useGate = setting.policy().usesGate();
                if (useGate && gains == null) {
                    gains = gains(loop.gate(), base, baseLogProbs, p, m, h, vocab);
                }
                for (int j = 0; j < m; j++) {
                    String soFar = example.prompt() + tok.decode(Arrays.copyOf(answer, j));
                    if (useGate ? setting.policy().thinkBeforeNext(soFar, j, gains[j])
                            : setting.policy().thinkBeforeNext(soFar, j)) {
                        thinkAt.add(j);
                    }
                }
                double weightSum = 0;
                if (!thinkAt.isEmpty()) {
                    ThoughtTokenSampler sampler = samplers.forExample(setting, index);
                    for (int from = 0; from < thinkAt.size(); from += MAX_BRANCH_ROWS) {
                        List<Integer> chunk = thinkAt.subList(from, Math.min(thinkAt.size(), from + MAX_BRANCH_ROWS));
                        weightSum += think(step, base, p, chunk, sampler, logProbs);
                    }
                }
                out.add(measure(example, answer, labelIds, logProbs, vocab, thinkAt.size(), weightSum));
            }
        } finally {
            step.release(base.cache());
        }
        return out;
    }

    /** Thinks before each answer position of the chunk; writes their mixed log-probabilities; returns Σ w. */
    private <C> double think(DecoderStep<C> step, DecoderStep.Output<C> base, int p, List<Integer> chunk,
            ThoughtTokenSampler sampler, float[] logProbs) {
        int rows = chunk.size();
        int vocab = step.vocabSize();
        int h = step.hiddenSize();
        int cached = Math.toIntExact(base.cacheLength());
        boolean[][] keyValid = new boolean[rows][cached];
        long[] next = new long[rows];
        float[] hidden = new float[rows * h];
        float[] logits = new float[rows * vocab];
        for (int row = 0; row < rows; row++) {
            int prefix = p + chunk.get(row); // real tokens before answer token j
            next[row] = prefix;
            Arrays.fill(keyValid[row], 0, prefix, true);
            System.arraycopy(base.hidden(), (prefix - 1) * h, hidden, row * h, h);
            System.arraycopy(base.logits(), (prefix - 1) * vocab, logits, row * vocab, vocab);
        }
        C cache = step.repeat(base.cache(), rows);
        try {
            DecoderStep.Output<C> rowsBase = new DecoderStep.Output<>(hidden, logits, cache, cached);
            ThoughtBranch.Thought thought = loop.branch().think(step, rowsBase, next, keyValid, sampler);
            float[] mixed = logSoftmaxRows(thought.mixing().mixedLogits().clone(), rows, vocab);
            double weightSum = 0;
            for (int row = 0; row < rows; row++) {
                System.arraycopy(mixed, row * vocab, logProbs, chunk.get(row) * vocab, vocab);
                weightSum += thought.mixing().weights()[row];
            }
            return weightSum;
        } finally {
            step.release(cache);
        }
    }

    /** Removes the meta-tokens and takes log-softmax of each row, in place. */
    private float[] logSoftmaxRows(float[] logits, int rows, int vocab) {
        int start = loop.settings().startTokenId();
        int end = loop.settings().endTokenId();
        for (int r = 0; r < rows; r++) {
            int o = r * vocab;
            logits[o + start] += ThinkThenTalk.META_TOKEN_LOGIT_MASK;
            logits[o + end] += ThinkThenTalk.META_TOKEN_LOGIT_MASK;
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < vocab; k++) {
                max = Math.max(max, logits[o + k]);
            }
            double sum = 0;
            for (int k = 0; k < vocab; k++) {
                sum += Math.exp(logits[o + k] - max);
            }
            double logSum = max + Math.log(sum);
            for (int k = 0; k < vocab; k++) {
                logits[o + k] = (float) (logits[o + k] - logSum);
            }
        }
        return logits;
    }

    private Scored measure(EvalExample example, int[] answer, int[] labelIds, float[] logProbs, int vocab,
            int thoughts, double weightSum) {
        int m = answer.length;
        double[] gold = new double[m];
        int correct = 0;
        double probability = 1;
        for (int j = 0; j < m; j++) {
            int offset = j * vocab;
            gold[j] = logProbs[offset + answer[j]];
            int best = 0;
            for (int k = 1; k < vocab; k++) {
                if (logProbs[offset + k] > logProbs[offset + best]) {
                    best = k;
                }
            }
            if (best == answer[j]) {
                correct++;
            }
            if (labelIds == null) {
                probability *= renormalised(logProbs, offset, answer[j], alphabetIds);
            }
        }
        if (labelIds != null) {
            probability = renormalised(logProbs, 0, labelIds[example.gold().charAt(0) - 'A'], labelIds);
        }
        return new Scored(gold, correct, probability, thoughts, weightSum);
    }

    /** p(target) / sum of p over the candidates and the target (the target counted once). */
    static double renormalised(float[] logProbs, int offset, int target, int[] candidates) {
        double targetP = Math.exp(logProbs[offset + target]);
        double sum = targetP;
        for (int c : candidates) {
            if (c != target) {
                sum += Math.exp(logProbs[offset + c]);
            }
        }
        return sum > 0 ? targetP / sum : 0;
    }

    private int[] labelIds(EvalExample example) {
        TextTokenizer tok = loop.settings().tokenizer();
        int[] ids = new int[example.choices().size()];
        for (int i = 0; i < ids.length; i++) {
            String label = String.valueOf((char) ('A' + i));
            int[] e = tok.encode(label);
            if (e.length != 1) {
                throw new IllegalArgumentException("the tokenizer encodes the choice label '" + label + "' as "
                        + e.length + " tokens; the probability metric needs labels that are single tokens");
            }
            ids[i] = e[0];
        }
        return ids;
    }
}
