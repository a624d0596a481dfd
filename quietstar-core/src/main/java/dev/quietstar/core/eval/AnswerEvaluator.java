package dev.quietstar.core.eval;

import dev.quietstar.api.config.ThoughtSampling;
import dev.quietstar.core.gate.ThinkingGate;
import dev.quietstar.core.infer.DecoderStep;
import dev.quietstar.core.infer.SteppedReasoner;
import dev.quietstar.core.infer.ThinkThenTalk;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Measures how well a Quiet-STaR model answers questions, with and without thinking.
 *
 * <p>For every example the gold answer text is the gold answer followed by a newline ({@link #answerText}), the way
 * training documents end an answer. Per {@link EvalSetting} it measures:
 * <ul>
 *   <li><b>answer NLL</b>: the mean over answer tokens a_j of -log p(a_j | prompt, a_0..a_{j-1}). Where the
 *       setting's policy thinks before a_j, p is the think-then-talk probability of inference:
 *       softmax(lm_head((1 - w) h_base + w h_after)) with the thought sampled on the cached branch
 *       ({@link dev.quietstar.core.infer.ThoughtBranch}); elsewhere it is the base model's. The meta-tokens are removed from both
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
 * exactly and a setting's numbers do not depend on which other settings run. Memory: no full-vocabulary logits outlive
 * their example. The evaluator runs on any backend whose reasoner is a {@link SteppedReasoner} (both shipped ones),
 * through core's decoder-step loops, so every engine gives the same numbers up to floating-point rounding. Not
 * thread-safe: use one evaluator per thread.
 *
 * <pre>{@code
 * AnswerEvaluator evaluator = AnswerEvaluator.builder(reasoner).optSeed(7).build();
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

    private final SteppedReasoner reasoner;
    private final long seed;
    private final int generationMargin;
    private final int batchSize;
    private final int constantThoughtId;
    private final ThoughtSampling thoughtSampling;
    private final boolean exactMatch;
    private final int[] alphabetIds;
    private final EvalThoughtSamplers samplers;

    private AnswerEvaluator(Builder b) {
        this.reasoner = b.reasoner;
        this.seed = b.seed;
        this.generationMargin = b.generationMargin;
        this.batchSize = b.batchSize;
        this.thoughtSampling = b.thoughtSampling != null ? b.thoughtSampling : reasoner.thoughtSampling();
        this.exactMatch = b.exactMatch;
        // One look at the model: the constant thought's token (checked) and the answer alphabet's tokens.
        int[][] ids = reasoner.withStep(new SteppedReasoner.StepTask<int[][]>() {
            @Override
            public <C> int[][] run(DecoderStep<C> step, ThinkThenTalk loop) {
                Set<Integer> alphabet = new LinkedHashSet<>();
                for (char c : ANSWER_ALPHABET.toCharArray()) {
                    int[] e = loop.settings().tokenizer().encode(String.valueOf(c));
                    if (e.length == 1) {
                        alphabet.add(e[0]);
                    }
                }
                return new int[][] {{checkedConstantId(b.constantThoughtId, loop, step.vocabSize())},
                    alphabet.stream().mapToInt(Integer::intValue).toArray()};
            }
        });
        this.constantThoughtId = ids[0][0];
        this.alphabetIds = ids[1];
        this.samplers = new EvalThoughtSamplers(seed, thoughtSampling, constantThoughtId);
    }

    private static int checkedConstantId(Integer requested, ThinkThenTalk loop, int vocab) {
        int id;
        if (requested != null) {
            id = requested;
        } else {
            int[] space = loop.settings().tokenizer().encode(" ");
            id = space.length > 0 ? space[0] : 0;
        }
        if (id < 0 || id >= vocab) {
            throw new IllegalArgumentException("constant thought token id must be in 0.." + (vocab - 1) + ", was "
                    + id);
        }
        if (id == loop.settings().startTokenId() || id == loop.settings().endTokenId()) {
            throw new IllegalArgumentException("constant thought token id " + id
                    + " is a meta-token; thoughts never contain meta-tokens, pick an ordinary token");
        }
        return id;
    }

    /**
     * Starts a builder.
     *
     * @param reasoner the model to evaluate, on any backend; the caller keeps owning it
     * @return the builder
     */
    public static Builder builder(SteppedReasoner reasoner) {
        return new Builder(reasoner);
    }

    /** Configures an {@link AnswerEvaluator}. */
    public static final class Builder {
        private final SteppedReasoner reasoner;
        private long seed;
        private int generationMargin = DEFAULT_GENERATION_MARGIN;
        private int batchSize = DEFAULT_BATCH_SIZE;
        private Integer constantThoughtId;
        private ThoughtSampling thoughtSampling;
        private boolean exactMatch = true;

        private Builder(SteppedReasoner reasoner) {
            this.reasoner = Objects.requireNonNull(reasoner, "reasoner");
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
        return evaluatePart(examples, 0, settings, progress).stream()
                .map(p -> SettingResult.summarise(p.setting(), p.examples(), p.generationSeconds(), exactMatch))
                .toList();
    }

    /**
     * Evaluates one part of a larger example set, for running the parts in several processes and summarising them
     * together with {@link SettingResult#summarise}: every measurement of an example equals the one
     * {@link #evaluate(List, List, EvalProgress)} makes on the whole set, because thoughts are seeded by the example's
     * index in the whole set and greedy generation runs the same batches.
     *
     * @param examples the part: the examples {@code firstIndex .. firstIndex + examples.size() - 1} of the whole set,
     *     at least one
     * @param firstIndex the index of the part's first example in the whole set; with exact match on, a multiple of
     *     the batch size, so that the part's generation batches are the whole set's
     * @param settings the settings, at least one, names distinct
     * @param progress receives progress after every scored example and every generated batch
     * @return one part per setting, in the order given, each with its examples' results in order
     * @throws IllegalArgumentException when the first index does not start a batch, or naming the example whose prompt
     *     and answer do not fit the model's context
     */
    public List<SettingPart> evaluatePart(List<EvalExample> examples, int firstIndex, List<EvalSetting> settings,
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
        if (firstIndex < 0) {
            throw new IllegalArgumentException("the first index of a part must be >= 0, was " + firstIndex);
        }
        if (exactMatch && firstIndex % batchSize != 0) {
            throw new IllegalArgumentException("a part must start at a multiple of the batch size (" + batchSize
                    + ") so that its generation batches are those of the whole set; it starts at " + firstIndex);
        }
        return reasoner.withStep(new SteppedReasoner.StepTask<List<SettingPart>>() {
            @Override
            public <C> List<SettingPart> run(DecoderStep<C> step, ThinkThenTalk loop) {
                return evaluate(step, loop, examples, firstIndex, settings, progress);
            }
        });
    }

    /**
     * Whether this evaluator runs greedy generation (exact match and tokens per second).
     *
     * @return true unless turned off with {@link Builder#optExactMatch}
     */
    public boolean exactMatch() {
        return exactMatch;
    }

    private <C> List<SettingPart> evaluate(DecoderStep<C> step, ThinkThenTalk loop, List<EvalExample> examples,
            int firstIndex, List<EvalSetting> settings, EvalProgress progress) {
        if (settings.stream().anyMatch(st -> st.policy().usesGate()) && loop.gate() == null) {
            throw ThinkingGate.missing("the model");
        }
        AnswerScorer scorer = new AnswerScorer(loop, alphabetIds);
        int n = examples.size();
        int total = n + (exactMatch ? n * settings.size() : 0);
        int done = 0;
        List<List<AnswerScorer.Scored>> scored = new ArrayList<>();
        for (int s = 0; s < settings.size(); s++) {
            scored.add(new ArrayList<>());
        }
        for (int i = 0; i < n; i++) {
            List<AnswerScorer.Scored> perSetting = scorer.score(step, firstIndex + i, examples.get(i), settings,
                    (setting, index) -> samplers.forExample(loop, setting, index));
            for (int s = 0; s < settings.size(); s++) {
                scored.get(s).add(perSetting.get(s));
            }
            progress.update("scoring", ++done, total);
        }
        List<SettingPart> parts = new ArrayList<>();
        for (EvalSetting setting : settings) {
            ExactMatchGeneration.Generated generated = null;
            if (exactMatch) {
                generated = ExactMatchGeneration.generate(step, loop, examples, setting, options(setting), progress,
                        done, total);
                done += n;
            }
            parts.add(part(setting, firstIndex, examples, scored.get(parts.size()), generated));
        }
        return parts;
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
        return reasoner.withStep(new SteppedReasoner.StepTask<List<double[]>>() {
            @Override
            public <C> List<double[]> run(DecoderStep<C> step, ThinkThenTalk loop) {
                if (loop.gate() == null) {
                    throw ThinkingGate.missing("the model");
                }
                AnswerScorer scorer = new AnswerScorer(loop, alphabetIds);
                List<double[]> out = new ArrayList<>();
                for (int i = 0; i < examples.size(); i++) {
                    int[][] encoded = scorer.encode(i, examples.get(i), step.maxPositions());
                    int p = encoded[0].length;
                    int m = encoded[1].length;
                    DecoderStep.Output<C> base = scorer.basePass(step, encoded[0], encoded[1]);
                    try {
                        float[] logProbs = scorer.baseLogProbs(base, p, m, step.vocabSize());
                        out.add(scorer.gains(loop.gate(), base, logProbs, p, m, step.hiddenSize(),
                                step.vocabSize()));
                    } finally {
                        step.release(base.cache());
                    }
                }
                return out;
            }
        });
    }

    /** What the generation of one setting needs from this evaluator's settings. */
    private ExactMatchGeneration.Options options(EvalSetting setting) {
        return new ExactMatchGeneration.Options(batchSize, generationMargin, seed, thoughtSampling,
                setting.constantThought() ? thinking -> samplers.constant() : null);
    }

    private static SettingPart part(EvalSetting setting, int firstIndex, List<EvalExample> examples,
            List<AnswerScorer.Scored> scored, ExactMatchGeneration.Generated generated) {
        List<ExampleResult> perExample = new ArrayList<>();
        for (int i = 0; i < examples.size(); i++) {
            AnswerScorer.Scored s = scored.get(i);
            List<Double> logProbs = new ArrayList<>();
            for (double lp : s.logProbs()) {
                logProbs.add(lp);
            }
            perExample.add(new ExampleResult(firstIndex + i, logProbs, s.correct(), s.probability(), s.thoughts(),
                    s.thoughts() == 0 ? Double.NaN : s.weightSum() / s.thoughts(),
                    generated == null ? "" : generated.texts().get(i),
                    generated == null ? "" : generated.predicted().get(i),
                    generated != null && generated.matches().get(i), s.weightSum(),
                    generated == null ? 0 : generated.tokenCounts().get(i)));
        }
        return new SettingPart(setting.name(), perExample, generated == null ? 0 : generated.seconds());
    }
}
