package dev.quietstar.djl.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import dev.quietstar.api.GenerationOptions;
import dev.quietstar.api.GenerationResult;
import dev.quietstar.api.Sampling;
import dev.quietstar.api.ThoughtSampler;
import dev.quietstar.api.config.ThoughtSampling;
import dev.quietstar.core.eval.AnswerMatching;
import dev.quietstar.core.eval.EvalExample;
import dev.quietstar.core.text.TextTokenizer;
import dev.quietstar.djl.infer.CustomThoughtGeneration;
import dev.quietstar.djl.infer.DjlReasoner;
import dev.quietstar.djl.infer.ThoughtBranch;
import dev.quietstar.djl.model.CausalDecoder;
import dev.quietstar.djl.model.DecoderOutput;
import dev.quietstar.djl.model.KvCache;
import dev.quietstar.djl.model.Masks;
import dev.quietstar.djl.thought.QuietStarModel;
import dev.quietstar.djl.thought.ThoughtSamplers;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Measures how well a Quiet-STaR model answers questions, with and without thinking.
 *
 * <p>For every example the gold answer text is the gold answer followed by a newline ({@link #answerText}), the way
 * training documents end an answer. Per {@link EvalSetting} it measures:
 * <ul>
 *   <li><b>answer NLL</b>: the mean over answer tokens a_j of -log p(a_j | prompt, a_0..a_{j-1}). Where the
 *       setting's policy thinks before a_j, p is the think-then-talk probability of inference:
 *       softmax(lm_head((1 - w) h_base + w h_after)) with the thought sampled on the cached branch
 *       ({@link ThoughtBranch}); elsewhere it is the base model's. The meta-tokens are removed from both
 *       distributions, as in generation. One causal forward over prompt + answer gives every base hidden state and
 *       the key/value cache; each thought then costs thoughtLength + 2 single-token forwards on that cache (all
 *       thinking positions of an example run as rows of one batch, each row masking the cache beyond its own
 *       prefix), never a recomputation of the sequence.</li>
 *   <li><b>token accuracy</b>: the share of answer tokens that are the arg-max of that distribution.</li>
 *   <li><b>answer probability</b> (the official metric, a probability, not an accuracy): for a free-form (GSM8K)
 *       answer, the product over answer tokens of p(a_j) renormalised over the answer alphabet: the tokens of the
 *       single characters {@code 0..9}, {@code -} and newline, plus a_j itself when the tokenizer merges
 *       characters (for a byte-level model every answer character is one of these tokens). For a multiple-choice
 *       answer, the probability of the gold label letter renormalised over the example's label letters.</li>
 *   <li><b>exact match</b>: greedy generation with the same thinking policy, stopping at a newline, with at most
 *       the gold answer's token count plus a margin of new tokens, batched over examples; the answer is extracted
 *       with {@link AnswerMatching}.</li>
 *   <li><b>mean mixing weight</b> over answer tokens preceded by a thought, and <b>tokens per second</b> of that
 *       generation.</li>
 * </ul>
 *
 * <p>Thoughts are drawn as the model's configuration says (sampled at its thought temperature by default) from a
 * random source seeded by the evaluator's seed, the example's index and the setting's name, so a run repeats
 * exactly and a setting's numbers do not depend on which other settings run. Memory: each example runs in its own
 * native scope, so no full-vocabulary logits outlive the example. Autograd is off on the calling thread for the
 * duration of a call. Not thread-safe: use one evaluator per thread.
 *
 * <pre>{@code
 * AnswerEvaluator evaluator = AnswerEvaluator.builder(model).optSeed(7).build();
 * List<SettingResult> rows = evaluator.evaluate(EvalSets.load(file),
 *         List.of(EvalSetting.thinkingOff(), EvalSetting.atAnswerStart("A: ")));
 * }</pre>
 */
public final class AnswerEvaluator {

    /** Default extra generated tokens beyond the gold answer's length, room for a short written scratchpad. */
    public static final int DEFAULT_GENERATION_MARGIN = 16;
    /** Default number of prompts generated together. */
    public static final int DEFAULT_BATCH_SIZE = 8;
    /** Characters whose tokens form the alphabet of free-form answers in the probability metric. */
    public static final String ANSWER_ALPHABET = "0123456789-\n";

    private static final int MAX_BRANCH_ROWS = 32;
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private final QuietStarModel model;
    private final long seed;
    private final int generationMargin;
    private final int batchSize;
    private final int constantThoughtId;
    private final ThoughtSampling thoughtSampling;
    private final boolean exactMatch;
    private final ThoughtBranch branch;
    private final int[] alphabetIds;

    private AnswerEvaluator(Builder b) {
        this.model = b.model;
        this.seed = b.seed;
        this.generationMargin = b.generationMargin;
        this.batchSize = b.batchSize;
        this.thoughtSampling = b.thoughtSampling != null ? b.thoughtSampling : model.config().thoughtSampling();
        this.exactMatch = b.exactMatch;
        this.branch = new ThoughtBranch(model, model.config().thoughtLength());
        TextTokenizer tok = model.tokenizer();
        int vocab = model.decoder().config().vocabSize();
        if (b.constantThoughtId != null) {
            constantThoughtId = b.constantThoughtId;
        } else {
            int[] space = tok.encode(" ");
            constantThoughtId = space.length > 0 ? space[0] : 0;
        }
        if (constantThoughtId < 0 || constantThoughtId >= vocab) {
            throw new IllegalArgumentException("constant thought token id must be in 0.." + (vocab - 1) + ", was "
                    + constantThoughtId);
        }
        if (constantThoughtId == model.metaTokens().startId() || constantThoughtId == model.metaTokens().endId()) {
            throw new IllegalArgumentException("constant thought token id " + constantThoughtId
                    + " is a meta-token; thoughts never contain meta-tokens, pick an ordinary token");
        }
        Set<Integer> ids = new LinkedHashSet<>();
        for (char c : ANSWER_ALPHABET.toCharArray()) {
            int[] e = tok.encode(String.valueOf(c));
            if (e.length == 1) {
                ids.add(e[0]);
            }
        }
        this.alphabetIds = ids.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Starts a builder.
     *
     * @param model the model to evaluate; the caller keeps owning it
     * @return the builder
     */
    public static Builder builder(QuietStarModel model) {
        return new Builder(model);
    }

    /** Configures an {@link AnswerEvaluator}. */
    public static final class Builder {
        private final QuietStarModel model;
        private long seed;
        private int generationMargin = DEFAULT_GENERATION_MARGIN;
        private int batchSize = DEFAULT_BATCH_SIZE;
        private Integer constantThoughtId;
        private ThoughtSampling thoughtSampling;
        private boolean exactMatch = true;

        private Builder(QuietStarModel model) {
            this.model = Objects.requireNonNull(model, "model");
        }

        /**
         * Sets the seed of the thought samples (default 0).
         *
         * @param value the seed
         * @return this builder
         */
        public Builder optSeed(long value) {
            this.seed = value;
            return this;
        }

        /**
         * Sets how many tokens beyond the gold answer's length generation may write (default
         * {@value #DEFAULT_GENERATION_MARGIN}).
         *
         * @param value the margin, &gt;= 0
         * @return this builder
         */
        public Builder optGenerationMargin(int value) {
            if (value < 0) {
                throw new IllegalArgumentException("generation margin must be >= 0, was " + value);
            }
            this.generationMargin = value;
            return this;
        }

        /**
         * Sets how many prompts are generated together (default {@value #DEFAULT_BATCH_SIZE}).
         *
         * @param value the batch size, &gt;= 1
         * @return this builder
         */
        public Builder optBatchSize(int value) {
            if (value < 1) {
                throw new IllegalArgumentException("batch size must be >= 1, was " + value);
            }
            this.batchSize = value;
            return this;
        }

        /**
         * Sets the token of the constant-thought ablation (default: the first token of a space).
         *
         * @param tokenId the token id, not a meta-token
         * @return this builder
         */
        public Builder optConstantThoughtId(int tokenId) {
            this.constantThoughtId = tokenId;
            return this;
        }

        /**
         * Sets how thought tokens are chosen (default: the model's configuration).
         *
         * @param value sampled or greedy
         * @return this builder
         */
        public Builder optThoughtSampling(ThoughtSampling value) {
            this.thoughtSampling = Objects.requireNonNull(value, "thoughtSampling");
            return this;
        }

        /**
         * Turns greedy generation (exact match and tokens per second) on or off (default on); off leaves those
         * measurements NaN and is much faster.
         *
         * @param value whether to generate
         * @return this builder
         */
        public Builder optExactMatch(boolean value) {
            this.exactMatch = value;
            return this;
        }

        /**
         * Builds the evaluator.
         *
         * @return the evaluator
         * @throws IllegalArgumentException when the constant thought token is outside the vocabulary or a
         *     meta-token
         */
        public AnswerEvaluator build() {
            return new AnswerEvaluator(this);
        }
    }

    /**
     * The text whose tokens are scored as the gold answer: the gold answer and a newline.
     *
     * @param example the example
     * @return the answer text
     */
    public static String answerText(EvalExample example) {
        return example.gold() + "\n";
    }

    /**
     * The token every thought of the constant-thought ablation consists of.
     *
     * @return the token id
     */
    public int constantThoughtId() {
        return constantThoughtId;
    }

    /**
     * Evaluates examples under several settings.
     *
     * @param examples the examples, at least one
     * @param settings the settings, at least one, names distinct
     * @return one result per setting, in the order given
     * @throws IllegalArgumentException naming the example whose prompt and answer do not fit the model's context
     */
    public List<SettingResult> evaluate(List<EvalExample> examples, List<EvalSetting> settings) {
        return evaluate(examples, settings, EvalProgress.NONE);
    }

    /**
     * Evaluates examples under several settings, reporting progress.
     *
     * @param examples the examples, at least one
     * @param settings the settings, at least one, names distinct
     * @param progress receives progress after every scored example and every generated batch
     * @return one result per setting, in the order given
     * @throws IllegalArgumentException naming the example whose prompt and answer do not fit the model's context
     */
    public List<SettingResult> evaluate(List<EvalExample> examples, List<EvalSetting> settings,
            EvalProgress progress) {
        Objects.requireNonNull(progress, "progress");
        if (examples == null || examples.isEmpty()) {
            throw new IllegalArgumentException("no examples to evaluate");
        }
        if (settings == null || settings.isEmpty()) {
            throw new IllegalArgumentException("no evaluation setting given");
        }
        if (settings.stream().map(EvalSetting::name).distinct().count() != settings.size()) {
            throw new IllegalArgumentException("evaluation settings need distinct names, got "
                    + settings.stream().map(EvalSetting::name).toList());
        }
        if (settings.stream().anyMatch(st -> st.policy().usesGate()) && model.thinkingGate().isEmpty()) {
            throw dev.quietstar.core.gate.ThinkingGate.missing("the model");
        }
        int n = examples.size();
        int total = n + (exactMatch ? n * settings.size() : 0);
        int done = 0;
        boolean previousGrad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            List<List<Scored>> scored = new ArrayList<>();
            for (int s = 0; s < settings.size(); s++) {
                scored.add(new ArrayList<>());
            }
            try (NDManager call = model.manager().newSubManager()) {
                for (int i = 0; i < n; i++) {
                    List<Scored> perSetting = scoreExample(call, i, examples.get(i), settings);
                    for (int s = 0; s < settings.size(); s++) {
                        scored.get(s).add(perSetting.get(s));
                    }
                    progress.update("scoring", ++done, total);
                }
            }
            List<SettingResult> results = new ArrayList<>();
            DjlReasoner reasoner = DjlReasoner.wrap(model);
            for (int s = 0; s < settings.size(); s++) {
                EvalSetting setting = settings.get(s);
                Generated generated = null;
                if (exactMatch) {
                    generated = generate(reasoner, examples, setting, progress, done, total);
                    done += n;
                }
                results.add(summarise(setting, examples, scored.get(s), generated));
            }
            return results;
        } finally {
            JniUtils.setGradMode(previousGrad);
        }
    }

    /** The scores of one example under one setting. */
    private record Scored(double[] logProbs, int correct, double probability, int thoughts, double weightSum) {}

    /** The greedy generations of one setting. */
    private record Generated(List<String> texts, List<String> predicted, List<Boolean> matches, int tokens,
            double seconds) {}

    private List<Scored> scoreExample(NDManager call, int index, EvalExample example, List<EvalSetting> settings) {
        TextTokenizer tok = model.tokenizer();
        CausalDecoder decoder = model.decoder();
        int vocab = decoder.config().vocabSize();
        int[] prompt = tok.withDocumentStart(tok.encode(example.prompt()));
        int[] answer = tok.encode(answerText(example));
        int p = prompt.length;
        int m = answer.length;
        if (p == 0) {
            throw new IllegalArgumentException("example " + index + ": the prompt encodes to no token and the "
                    + "tokenizer has no document-start token, so the first answer token has no context");
        }
        int length = p + m - 1;
        int needed = length + branch.positionsUsed();
        int maxPositions = decoder.config().maxPositions();
        if (needed > maxPositions) {
            throw new IllegalArgumentException("example " + index + ": prompt (" + p + " tokens) + answer (" + m
                    + " tokens) + one thought (" + branch.positionsUsed() + " positions) need " + needed
                    + " positions, the model has " + maxPositions + "; shorten the question or use --limit to skip"
                    + " it");
        }
        int[] labelIds = example.kind() == EvalExample.Kind.MULTIPLE_CHOICE ? labelIds(example) : null;
        List<Scored> out = new ArrayList<>();
        try (NDManager scope = call.newSubManager()) {
            long[] ids = new long[length];
            long[] positions = new long[length];
            for (int k = 0; k < length; k++) {
                ids[k] = k < p ? prompt[k] : answer[k - p];
                positions[k] = k;
            }
            NDArray idArray = scope.create(ids, new Shape(1, length));
            DecoderOutput forward = decoder.forward(model.inputEmbeddings(idArray),
                    scope.create(positions, new Shape(1, length)), Masks.causal(scope, 1, length, 0), null);
            NDArray hidden = forward.hidden();
            NDArray metaMask = model.metaTokenLogitMask(scope);
            // Hidden state at p - 1 + j predicts answer token j.
            NDArray baseHidden = hidden.get(":, " + (p - 1) + ":" + length + ", :");
            float[] baseLogProbs = decoder.logits(baseHidden).reshape(m, vocab).add(metaMask).logSoftmax(-1)
                    .toFloatArray();
            double[] gains = null;
            for (EvalSetting setting : settings) {
                float[] logProbs = baseLogProbs.clone();
                List<Integer> thinkAt = new ArrayList<>();
                boolean useGate = setting.policy().usesGate();
                if (useGate && gains == null) {
                    gains = gains(baseHidden.toFloatArray(), baseLogProbs, m, vocab);
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
                    ThoughtSampler<NDArray> sampler = sampler(setting, index);
                    for (int from = 0; from < thinkAt.size(); from += MAX_BRANCH_ROWS) {
                        List<Integer> chunk = thinkAt.subList(from, Math.min(thinkAt.size(), from + MAX_BRANCH_ROWS));
                        try (NDManager work = scope.newSubManager()) {
                            ThoughtBranch.Result r = think(work, forward, hidden, p, chunk, sampler);
                            float[] mixed = r.mixedLogits().add(metaMask).logSoftmax(-1).toFloatArray();
                            float[] weights = r.mixingWeight().toFloatArray();
                            for (int row = 0; row < chunk.size(); row++) {
                                System.arraycopy(mixed, row * vocab, logProbs, chunk.get(row) * vocab, vocab);
                                weightSum += weights[row];
                            }
                        }
                    }
                }
                out.add(measure(example, answer, labelIds, logProbs, vocab, thinkAt.size(), weightSum));
            }
        }
        return out;
    }

    /** The thinking gate's prediction before each of m answer tokens, from their base hidden states and log-probs. */
    private double[] gains(float[] baseHidden, float[] baseLogProbs, int m, int vocab) {
        dev.quietstar.core.gate.ThinkingGate gate = model.thinkingGate()
                .orElseThrow(() -> dev.quietstar.core.gate.ThinkingGate.missing("the model"));
        int h = model.decoder().config().hiddenSize();
        double[] out = new double[m];
        for (int j = 0; j < m; j++) {
            double[] f = dev.quietstar.core.gate.ThinkingGate.logProbFeatures(baseLogProbs, j * vocab, vocab);
            out[j] = gate.predict(baseHidden, j * h, f[0], f[1]);
        }
        return out;
    }

    /**
     * The thinking gate's predicted gain before every gold answer token of each example, the same values the
     * adaptive policy compares with its threshold during scoring: for choosing thresholds that spread a curve.
     *
     * @param examples the examples
     * @return per example, one prediction per answer token ({@link #answerText} tokens), nats
     * @throws IllegalArgumentException when the model has no thinking gate or an example does not fit
     */
    public List<double[]> answerGains(List<EvalExample> examples) {
        Objects.requireNonNull(examples, "examples");
        boolean previousGrad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        TextTokenizer tok = model.tokenizer();
        CausalDecoder decoder = model.decoder();
        int vocab = decoder.config().vocabSize();
        List<double[]> out = new ArrayList<>();
        try (NDManager call = model.manager().newSubManager()) {
            for (EvalExample example : examples) {
                int[] prompt = tok.withDocumentStart(tok.encode(example.prompt()));
                int[] answer = tok.encode(answerText(example));
                int p = prompt.length;
                int m = answer.length;
                int length = p + m - 1;
                if (p == 0 || length > decoder.config().maxPositions()) {
                    throw new IllegalArgumentException("example does not fit the model: " + example.prompt());
                }
                try (NDManager scope = call.newSubManager()) {
                    long[] ids = new long[length];
                    long[] positions = new long[length];
                    for (int k = 0; k < length; k++) {
                        ids[k] = k < p ? prompt[k] : answer[k - p];
                        positions[k] = k;
                    }
                    NDArray hidden = decoder.forward(model.inputEmbeddings(scope.create(ids, new Shape(1, length))),
                            scope.create(positions, new Shape(1, length)), Masks.causal(scope, 1, length, 0), null)
                            .hidden().get(":, " + (p - 1) + ":" + length + ", :");
                    float[] logProbs = decoder.logits(hidden).reshape(m, vocab).add(model.metaTokenLogitMask(scope))
                            .logSoftmax(-1).toFloatArray();
                    out.add(gains(hidden.toFloatArray(), logProbs, m, vocab));
                }
            }
        } finally {
            JniUtils.setGradMode(previousGrad);
        }
        return out;
    }

    /** Runs one thought for each answer position in {@code chunk}, all as rows of one branch. */
    private ThoughtBranch.Result think(NDManager work, DecoderOutput forward, NDArray hidden, int p,
            List<Integer> chunk, ThoughtSampler<NDArray> sampler) {
        int rows = chunk.size();
        KvCache full = forward.cache();
        long cached = full.length();
        List<NDArray> keys = new ArrayList<>();
        List<NDArray> values = new ArrayList<>();
        for (int l = 0; l < full.keys().size(); l++) {
            keys.add(full.keys().get(l).repeat(0, rows));
            values.add(full.values().get(l).repeat(0, rows));
        }
        KvCache cache = new KvCache(keys, values);
        float[] mask = new float[Math.toIntExact(rows * cached)];
        long[] next = new long[rows];
        NDList baseRows = new NDList();
        for (int row = 0; row < rows; row++) {
            int prefix = p + chunk.get(row); // real tokens before answer token j
            next[row] = prefix;
            for (int k = prefix; k < cached; k++) {
                mask[Math.toIntExact(row * cached + k)] = CausalDecoder.MASKED;
            }
            baseRows.add(hidden.get(":, " + (prefix - 1) + ":" + prefix + ", :"));
        }
        NDArray baseHidden = NDArrays.concat(baseRows, 0);
        NDArray keyMask = work.create(mask, new Shape(rows, 1, 1, cached));
        ThoughtBranch.Result r = branch.think(work, cache, baseHidden, next, keyMask, sampler);
        for (NDArray a : keys) {
            a.attach(work);
        }
        for (NDArray a : values) {
            a.attach(work);
        }
        baseHidden.attach(work);
        r.mixedLogits().attach(work);
        r.mixingWeight().attach(work);
        return r;
    }

    private ThoughtSampler<NDArray> sampler(EvalSetting setting, int index) {
        if (setting.constantThought()) {
            return CustomThoughtGeneration.constantSampler(constantThoughtId);
        }
        if (thoughtSampling == ThoughtSampling.GREEDY) {
            return ThoughtSamplers.greedy();
        }
        long mixed = seed ^ (GOLDEN * (index + 1L)) ^ ((long) setting.name().hashCode() << 32);
        return ThoughtSamplers.categorical(model.config().thoughtTemperature(), new SplittableRandom(mixed));
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
    private static double renormalised(float[] logProbs, int offset, int target, int[] candidates) {
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
        TextTokenizer tok = model.tokenizer();
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

    private Generated generate(DjlReasoner reasoner, List<EvalExample> examples, EvalSetting setting,
            EvalProgress progress, int doneBefore, int total) {
        TextTokenizer tok = model.tokenizer();
        int maxPositions = model.decoder().config().maxPositions();
        List<String> texts = new ArrayList<>();
        List<String> predicted = new ArrayList<>();
        List<Boolean> matches = new ArrayList<>();
        int tokens = 0;
        long nanos = 0;
        for (int from = 0; from < examples.size(); from += batchSize) {
            List<EvalExample> batch = examples.subList(from, Math.min(examples.size(), from + batchSize));
            List<String> prompts = batch.stream().map(EvalExample::prompt).toList();
            int longestAnswer = 0;
            int longestPrompt = 0;
            for (EvalExample e : batch) {
                longestAnswer = Math.max(longestAnswer, tok.encode(answerText(e)).length);
                longestPrompt = Math.max(longestPrompt, tok.withDocumentStart(tok.encode(e.prompt())).length);
            }
            int room = maxPositions - longestPrompt - branch.positionsUsed() + 1;
            int maxNew = Math.max(1, Math.min(longestAnswer + generationMargin, room));
            GenerationOptions options = new GenerationOptions(maxNew, List.of("\n"),
                    new Sampling(0, 0, 1, seed), thoughtSampling, setting.policy(), false);
            long start = System.nanoTime();
            List<GenerationResult> results = setting.constantThought()
                    ? CustomThoughtGeneration.generateBatch(reasoner, prompts, options,
                            CustomThoughtGeneration.constantSampler(constantThoughtId))
                    : reasoner.generateBatch(prompts, options);
            nanos += System.nanoTime() - start;
            for (int i = 0; i < batch.size(); i++) {
                EvalExample e = batch.get(i);
                GenerationResult r = results.get(i);
                tokens += r.tokenIds().size();
                Optional<String> answer = e.kind() == EvalExample.Kind.GSM8K ? AnswerMatching.extractNumber(r.text())
                        : AnswerMatching.extractChoice(r.text(), e.choices().size());
                texts.add(r.text());
                predicted.add(answer.orElse(""));
                matches.add(AnswerMatching.exactMatch(answer, e.gold()));
            }
            progress.update("generating (" + setting.name() + ")", doneBefore + from + batch.size(), total);
        }
        return new Generated(texts, predicted, matches, tokens, nanos / 1e9);
    }

    private static SettingResult summarise(EvalSetting setting, List<EvalExample> examples, List<Scored> scored,
            Generated generated) {
        int n = examples.size();
        double nllSum = 0;
        long answerTokens = 0;
        long correct = 0;
        double probabilitySum = 0;
        double weightSum = 0;
        long thoughts = 0;
        int matches = 0;
        List<ExampleResult> perExample = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Scored s = scored.get(i);
            List<Double> logProbs = new ArrayList<>();
            for (double lp : s.logProbs()) {
                logProbs.add(lp);
                nllSum -= lp;
            }
            answerTokens += s.logProbs().length;
            correct += s.correct();
            probabilitySum += s.probability();
            weightSum += s.weightSum();
            thoughts += s.thoughts();
            boolean match = generated != null && generated.matches().get(i);
            if (match) {
                matches++;
            }
            perExample.add(new ExampleResult(i, logProbs, s.correct(), s.probability(), s.thoughts(),
                    s.thoughts() == 0 ? Double.NaN : s.weightSum() / s.thoughts(),
                    generated == null ? "" : generated.texts().get(i),
                    generated == null ? "" : generated.predicted().get(i), match));
        }
        double exact = generated == null ? Double.NaN : (double) matches / n;
        double speed = generated == null ? Double.NaN
                : generated.seconds() > 0 ? generated.tokens() / generated.seconds() : 0;
        return new SettingResult(setting.name(), n, nllSum / answerTokens, (double) correct / answerTokens, exact,
                Math.min(1, probabilitySum / n), thoughts == 0 ? Double.NaN : weightSum / thoughts, speed,
                perExample);
    }
}
