package dev.quietstar.core.infer;

import dev.quietstar.api.GenerationOptions;
import dev.quietstar.api.GenerationResult;
import dev.quietstar.api.TokenTrace;
import dev.quietstar.api.config.ThoughtSampling;
import dev.quietstar.core.gate.ThinkingGate;
import dev.quietstar.core.text.TextTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * The think-then-talk generation loop over a left-padded batch of prompts (docs/algorithm.md section 8), written once for
 * every engine on top of a {@link DecoderStep}.
 *
 * <p>The loop keeps the key/value cache of the real tokens. Before an output token, when the
 * {@link dev.quietstar.api.ThinkingPolicy} says so, a thought branches off that cache: the start-of-thought token at
 * position p (the row's number of real tokens), {@code thoughtLength} tokens each drawn from the logits of the
 * previous branch token (meta-tokens masked) at positions p + 1 .., then the end-of-thought token at
 * p + thoughtLength + 1, each attending to the real prefix and to the branch tokens before it: the positions and
 * attention the parallel training forward gives the thought after position p - 1. The mixing head gives
 * w = head([h_base; h_after]) and the output token is chosen from {@code lm_head((1 - w) h_base + w h_after)} with
 * the meta-tokens masked out. The branch is released and the chosen token is appended to the real cache with one
 * single-token step: a token costs thoughtLength + 3 single-token steps with thinking and one without, never a
 * recomputation of the sequence. Prompts start with the token every training document starts with.
 *
 * <p>Output tokens follow {@link GenerationOptions#output()}; thought tokens are drawn at the model's thought
 * temperature or greedily. Each row seeds its own random sources from the output sampling seed, so a seeded call
 * always gives the same result and row i of a batch equals a single-prompt call (up to summation order).
 *
 * <p>Thread safety: instances hold only immutable settings; concurrent calls are safe when the {@link DecoderStep}
 * allows concurrent forward calls. The thinking policy and the token callback run on the calling thread.
 */
public final class ThinkThenTalk {

    /** Stop reason: the token budget was used. */
    public static final String MAX_TOKENS = "max_tokens";
    /** Stop reason: the generated text contains a stop string. */
    public static final String STOP_STRING = "stop_string";
    /** Stop reason: the model emitted the end-of-text token. */
    public static final String END_OF_TEXT = "end_of_text";
    /** Additive mask value of a hidden key: large and finite, so a row with no visible key gives no NaN. */
    public static final float MASKED = -1e9f;
    /** Additive logit that removes the meta-tokens from a distribution. */
    public static final float META_TOKEN_LOGIT_MASK = -1e10f;

    /** Sees the real cache before every step; tests use it to check that no branch leaks into the cache. */
    @FunctionalInterface
    public interface StepObserver {
        /**
         * Called before choosing token {@code step} of the batch.
         *
         * @param step tokens generated so far per row
         * @param realCacheLength positions in the real cache (padding included)
         */
        void beforeStep(int step, long realCacheLength);
    }

    /** Supplies the thought sampler of one step; tests and ablations use it to force thought ids. */
    @FunctionalInterface
    public interface ThoughtSamplerFactory {
        /**
         * Creates the sampler of one step.
         *
         * @param thinking which rows think at this step
         * @return the sampler
         */
        ThoughtTokenSampler forStep(boolean[] thinking);
    }

    /**
     * The model facts the loop needs besides the step.
     *
     * @param tokenizer the model's tokenizer
     * @param thoughtLength sampled tokens per thought, at least 0 (0: the start token then the end token, the
     *     pause-token-like ablation)
     * @param thoughtTemperature temperature of sampled thought tokens, positive
     * @param startTokenId id of the start-of-thought token
     * @param endTokenId id of the end-of-thought token
     */
    public record Settings(TextTokenizer tokenizer, int thoughtLength, double thoughtTemperature, int startTokenId,
            int endTokenId) {
        /** Validates the settings. */
        public Settings {
            Objects.requireNonNull(tokenizer, "tokenizer");
            if (thoughtLength < 0) {
                throw new IllegalArgumentException("thoughtLength must be >= 0, was " + thoughtLength);
            }
            if (!(thoughtTemperature > 0)) {
                throw new IllegalArgumentException("thoughtTemperature must be > 0, was " + thoughtTemperature);
            }
        }
    }

    private final Settings settings;
    private final ThinkingGate gate;
    private final ThoughtBranch branch;
    private final InferenceComponents components;

    /**
     * Creates the loop for a model without a thinking gate.
     *
     * @param settings the model facts
     */
    public ThinkThenTalk(Settings settings) {
        this(settings, null);
    }

    /**
     * Creates the loop.
     *
     * @param settings the model facts
     * @param gate the model's thinking gate, or null when it has none (an adaptive policy then fails clearly)
     */
    public ThinkThenTalk(Settings settings, ThinkingGate gate) {
        this(settings, gate, InferenceComponents.NONE);
    }

    /**
     * Creates the loop with a user's components in place of the backend's defaults.
     *
     * @param settings the model facts
     * @param gate the model's thinking gate, or null when it has none (an adaptive policy then fails clearly)
     * @param components the user's mixing head and thought sampler, each null for the default
     */
    public ThinkThenTalk(Settings settings, ThinkingGate gate, InferenceComponents components) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.gate = gate;
        this.components = Objects.requireNonNull(components, "components");
        this.branch = new ThoughtBranch(settings, components.mixingHead());
    }

    /**
     * The user components this loop runs with.
     *
     * @return the components, {@link InferenceComponents#NONE} for the defaults
     */
    public InferenceComponents components() {
        return components;
    }

    /**
     * The model facts this loop runs with.
     *
     * @return the settings
     */
    public Settings settings() {
        return settings;
    }

    /**
     * The thought branch every thought of this loop runs on.
     *
     * @return the branch
     */
    public ThoughtBranch branch() {
        return branch;
    }

    /**
     * The thinking gate the loop consults for an adaptive policy.
     *
     * @return the gate, or null
     */
    public ThinkingGate gate() {
        return gate;
    }

    /**
     * The gate's predicted gain of a thought after each row's last fed token.
     *
     * @param out a step's output
     * @param rows batch rows
     * @param hiddenSize H
     * @param vocab V
     * @return one prediction per row, nats
     */
    double[] predictedGains(DecoderStep.Output<?> out, int rows, int hiddenSize, int vocab) {
        double[] gains = new double[rows];
        for (int r = 0; r < rows; r++) {
            gains[r] = gate.predictFromLogits(out.hidden(), r * hiddenSize, out.logits(), r * vocab, vocab,
                    settings.startTokenId(), settings.endTokenId());
        }
        return gains;
    }

    void requireGate(int hiddenSize) {
        if (gate == null) {
            throw ThinkingGate.missing("this model");
        }
        gate.checkHiddenSize(hiddenSize);
    }

    /**
     * The number of positions a thought occupies after the real prefix: start, thought tokens, end.
     *
     * @return thoughtLength + 2
     */
    public int positionsUsed() {
        return branch.positionsUsed();
    }

    /**
     * Tokenises and checks prompts and stop strings before any engine work.
     *
     * @param prompts the prompts
     * @param options the options
     * @param maxPositions the model's context
     * @return each prompt's ids, the document-start token first when the tokenizer has one
     * @throws IllegalArgumentException naming the prompt or stop string that cannot work
     */
    public int[][] encodePrompts(List<String> prompts, GenerationOptions options, int maxPositions) {
        return PromptEncoding.encode(settings.tokenizer(), prompts, options, maxPositions, positionsUsed());
    }

    /**
     * Generates for a batch of prompts.
     *
     * @param step the engine
     * @param prompts non-empty prompts
     * @param options the options; the output seed seeds every row the same way
     * @param onToken called for each token of row 0, or null
     * @param observer sees the real cache before every step, or null
     * @param thoughtSamplers overrides the thought sampler, or null
     * @param <C> the engine's cache type
     * @return one result per prompt, in order
     * @throws IllegalArgumentException for an empty prompt, one that with {@code maxNewTokens} and one thought does
     *     not fit the context, or a stop string the tokenizer cannot represent
     */
    public <C> List<GenerationResult> run(DecoderStep<C> step, List<String> prompts, GenerationOptions options,
            Consumer<TokenTrace> onToken, StepObserver observer, ThoughtSamplerFactory thoughtSamplers) {
        Objects.requireNonNull(step, "step");
        int[][] promptIds = encodePrompts(prompts, options, step.maxPositions());
        boolean useGate = options.thinking().usesGate();
        if (useGate) {
            requireGate(step.hiddenSize());
        }
        int rows = promptIds.length;
        List<GenerationRow> state = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            state.add(new GenerationRow(prompts.get(r), promptIds[r], options));
        }
        ThoughtTokenSampler custom = components.thoughtSampler();
        ThoughtSamplerFactory samplers = thoughtSamplers != null ? thoughtSamplers
                : custom != null ? thinking -> custom
                : thinking -> defaultThoughtSampler(state, options.thoughtSampling(), thinking);
        TextTokenizer tok = settings.tokenizer();
        int vocab = step.vocabSize();
        int eos = tok.eosId().orElse(-1);
        int filler = tok.padId().orElse(eos >= 0 ? eos : 0);
        int width = Arrays.stream(promptIds).mapToInt(a -> a.length).max().orElseThrow();

        // keyValid[r][j]: whether cached key j of row r is a real token (left padding is not).
        boolean[][] keyValid = new boolean[rows][];
        long[] nextPositions = new long[rows];
        long[] ids = new long[rows * width];
        long[] pos = new long[rows * width];
        for (int r = 0; r < rows; r++) {
            int pad = width - promptIds[r].length;
            keyValid[r] = new boolean[width];
            for (int j = 0; j < width; j++) {
                boolean real = j >= pad;
                ids[r * width + j] = real ? promptIds[r][j - pad] : filler;
                pos[r * width + j] = real ? j - pad : 0;
                keyValid[r][j] = real;
            }
            nextPositions[r] = promptIds[r].length;
        }
        DecoderStep.Output<C> real = step.forward(ids, pos, rows, width, causalWithPadding(keyValid, width), null);
        try {
            for (int t = 0; t < options.maxNewTokens(); t++) {
                if (observer != null) {
                    observer.beforeStep(t, real.cacheLength());
                }
                boolean[] thinking = new boolean[rows];
                boolean anyThinking = false;
                double[] gains = useGate ? predictedGains(real, rows, step.hiddenSize(), vocab) : null;
                for (int r = 0; r < rows; r++) {
                    GenerationRow row = state.get(r);
                    String soFar = row.prompt + row.generatedText;
                    thinking[r] = !row.finished() && (useGate
                            ? options.thinking().thinkBeforeNext(soFar, t, gains[r])
                            : options.thinking().thinkBeforeNext(soFar, t));
                    anyThinking |= thinking[r];
                }
                float[] base = branch.maskMetaTokens(real.logits().clone(), rows, vocab);
                float[] mixed = null;
                float[] weights = null;
                long[] thoughtIds = null;
                if (anyThinking) {
                    ThoughtBranch.Thought thought = branch.think(step, real, nextPositions, keyValid,
                            samplers.forStep(thinking));
                    mixed = branch.maskMetaTokens(thought.mixing().mixedLogits().clone(), rows, vocab);
                    weights = thought.mixing().weights();
                    thoughtIds = thought.ids();
                }
                long[] chosen = new long[rows];
                for (int r = 0; r < rows; r++) {
                    GenerationRow row = state.get(r);
                    if (row.finished()) {
                        chosen[r] = filler;
                        continue;
                    }
                    float[] logits = thinking[r] ? mixed : base;
                    int token = row.output.choose(logits, r * vocab, vocab);
                    chosen[r] = token;
                    if (token == eos) {
                        row.stopReason = END_OF_TEXT;
                        continue;
                    }
                    int n = settings.thoughtLength();
                    int[] thought = new int[thinking[r] ? n : 0];
                    for (int k = 0; k < thought.length; k++) {
                        thought[k] = Math.toIntExact(thoughtIds[r * n + k]);
                    }
                    double pBase = OutputSampler.probability(base, r * vocab, vocab, token);
                    int[] before = row.idsSoFar();
                    TokenTrace trace = new TokenTrace(token, tok.decodeAfter(before, new int[] {token}),
                            toList(thought), thought.length == 0 ? "" : tok.decodeAfter(before, thought),
                            thinking[r] ? weights[r] : 0.0,
                            thinking[r] ? OutputSampler.probability(mixed, r * vocab, vocab, token) : pBase, pBase);
                    row.generated.add(token);
                    row.generatedText = tok.decodeAfter(row.promptIds,
                            row.generated.stream().mapToInt(Integer::intValue).toArray());
                    if (options.returnTraces()) {
                        row.traces.add(trace);
                    }
                    if (r == 0 && onToken != null) {
                        onToken.accept(trace);
                    }
                    if (options.stopStrings().stream().anyMatch(row.generatedText::contains)) {
                        row.stopReason = STOP_STRING;
                    } else if (row.generated.size() >= options.maxNewTokens()) {
                        row.stopReason = MAX_TOKENS;
                    }
                }
                if (state.stream().allMatch(GenerationRow::finished)) {
                    break;
                }
                // Append the chosen tokens to the real cache: one step of one token per row.
                DecoderStep.Output<C> next = step.forward(chosen, nextPositions.clone(), rows, 1,
                        ThoughtBranch.keyMask(keyValid, 1), real.cache());
                step.release(real.cache());
                real = next;
                for (int r = 0; r < rows; r++) {
                    keyValid[r] = append(keyValid[r]);
                    nextPositions[r]++;
                }
            }
        } finally {
            step.release(real.cache());
        }
        List<GenerationResult> results = new ArrayList<>();
        for (GenerationRow row : state) {
            String reason = row.stopReason == null ? MAX_TOKENS : row.stopReason;
            results.add(new GenerationResult(row.prompt, row.generatedText, row.generated, row.traces, reason));
        }
        return results;
    }

    /** The per-row thought sampler: each row draws with its own random source; rows not thinking draw nothing. */
    private ThoughtTokenSampler defaultThoughtSampler(List<GenerationRow> state, ThoughtSampling sampling,
            boolean[] thinking) {
        double temperature = settings.thoughtTemperature();
        return (logits, rows, v, stepIndex) -> {
            long[] ids = new long[rows];
            for (int r = 0; r < rows; r++) {
                if (!thinking[r]) {
                    continue;
                }
                ids[r] = sampling == ThoughtSampling.GREEDY ? OutputSampler.argMax(logits, r * v, v)
                        : categorical(logits, r * v, v, temperature, state.get(r).thoughtRng);
            }
            return ids;
        };
    }

    /**
     * Draws one id from softmax(logits / temperature) of a row.
     *
     * @param logits logits
     * @param offset first index of the row
     * @param vocab row length
     * @param temperature positive temperature
     * @param rng the random source, advanced by one draw
     * @return the id
     */
    public static int categorical(float[] logits, int offset, int vocab, double temperature, SplittableRandom rng) {
        return OutputSampler.categorical(logits, offset, vocab, temperature, rng);
    }

    /**
     * A causal mask that also hides padded keys, (rows, 1, width, width).
     *
     * @param keyValid per row, whether key j is a real token
     * @param width tokens per row
     * @return the additive mask, row-major
     */
    public static float[] causalWithPadding(boolean[][] keyValid, int width) {
        int rows = keyValid.length;
        float[] data = new float[rows * width * width];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < width; i++) {
                for (int j = 0; j < width; j++) {
                    boolean visible = j <= i && keyValid[r][j];
                    data[(r * width + i) * width + j] = visible ? 0f : MASKED;
                }
            }
        }
        return data;
    }

    private static boolean[] append(boolean[] valid) {
        boolean[] longer = Arrays.copyOf(valid, valid.length + 1);
        longer[valid.length] = true;
        return longer;
    }

    private static List<Integer> toList(int[] ids) {
        List<Integer> list = new ArrayList<>(ids.length);
        for (int id : ids) {
            list.add(id);
        }
        return list;
    }
}
