package dev.quietstar.djl.infer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.quietstar.api.GenerationOptions;
import dev.quietstar.api.GenerationResult;
import dev.quietstar.api.ThoughtSampler;
import dev.quietstar.api.TokenTrace;
import dev.quietstar.api.config.ThoughtSampling;
import dev.quietstar.core.text.TextTokenizer;
import dev.quietstar.djl.model.CausalDecoder;
import dev.quietstar.djl.model.DecoderOutput;
import dev.quietstar.djl.model.KvCache;
import dev.quietstar.djl.model.Masks;
import dev.quietstar.djl.thought.QuietStarModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * The think-then-talk generation loop over a left-padded batch of prompts, with a growing key/value cache of the
 * real tokens and a dropped branch per thought (DESIGN section 3.7).
 *
 * <p>Memory: the whole call runs in a sub-manager of the model's manager. The real cache and the last hidden state
 * live in a "keep" scope that is replaced after every appended token; everything else of a step lives in a work
 * scope closed at the end of the step, so native memory stays bounded by a few copies of the cache and returns to
 * its starting level when the call ends.
 */
final class CachedGeneration {

    /** Stop reason: the token budget was used. */
    static final String MAX_TOKENS = "max_tokens";
    /** Stop reason: the generated text contains a stop string. */
    static final String STOP_STRING = "stop_string";
    /** Stop reason: the model emitted the end-of-text token. */
    static final String END_OF_TEXT = "end_of_text";

    /** Sees the real cache before every step; tests use it to check that no branch leaks into the cache. */
    @FunctionalInterface
    interface StepObserver {
        /**
         * Called before choosing token {@code step} of the batch.
         *
         * @param step tokens generated so far per row
         * @param realCacheLength positions in the real cache (padding included)
         */
        void beforeStep(int step, long realCacheLength);
    }

    /** Supplies the thought sampler of one step; tests use it to force thought ids. */
    @FunctionalInterface
    interface ThoughtSamplerFactory {
        /**
         * Creates the sampler of one step.
         *
         * @param thinking which rows think at this step
         * @return the sampler
         */
        ThoughtSampler<NDArray> forStep(boolean[] thinking);
    }

    private final QuietStarModel model;
    private final ThoughtBranch branch;

    CachedGeneration(QuietStarModel model) {
        this.model = model;
        this.branch = new ThoughtBranch(model, model.config().thoughtLength());
    }

    /** Per-row state of one generation. */
    private static final class Row {
        final String prompt;
        final int[] promptIds;
        final List<Integer> generated = new ArrayList<>();
        final List<TokenTrace> traces = new ArrayList<>();
        final OutputSampler output;
        final SplittableRandom thoughtRng;
        String generatedText = "";
        String stopReason;

        Row(String prompt, int[] promptIds, GenerationOptions options) {
            this.prompt = prompt;
            this.promptIds = promptIds;
            SplittableRandom root = new SplittableRandom(options.output().seed());
            this.output = new OutputSampler(options.output(), root.split());
            this.thoughtRng = root.split();
        }

        boolean finished() {
            return stopReason != null;
        }

        int[] idsSoFar() {
            int[] all = Arrays.copyOf(promptIds, promptIds.length + generated.size());
            for (int i = 0; i < generated.size(); i++) {
                all[promptIds.length + i] = generated.get(i);
            }
            return all;
        }
    }

    /**
     * Tokenises and checks prompts and stop strings before any native work.
     *
     * @param prompts the prompts
     * @param options the options
     * @return each prompt's ids, the document-start token first when the tokenizer has one
     */
    int[][] encodePrompts(List<String> prompts, GenerationOptions options) {
        if (prompts == null || prompts.isEmpty()) {
            throw new IllegalArgumentException("at least one prompt is needed");
        }
        TextTokenizer tok = model.tokenizer();
        int maxPositions = model.decoder().config().maxPositions();
        int needAfterPrompt = options.maxNewTokens() + branch.positionsUsed() - 1;
        int[][] ids = new int[prompts.size()][];
        for (int i = 0; i < prompts.size(); i++) {
            String p = prompts.get(i);
            String which = prompts.size() == 1 ? "prompt" : "prompt " + i;
            if (p == null || p.isEmpty()) {
                throw new IllegalArgumentException(which + " is empty: give the text to continue");
            }
            int[] body = tok.encode(p);
            if (body.length == 0) {
                throw new IllegalArgumentException(which + " encodes to no token: give the text to continue");
            }
            ids[i] = tok.withDocumentStart(body);
            int n = ids[i].length;
            if (n >= maxPositions) {
                throw new IllegalArgumentException(which + " is longer than the model's context: " + n
                        + " tokens (with the document-start token), the model has " + maxPositions
                        + " positions; shorten the prompt");
            }
            if (n + needAfterPrompt > maxPositions) {
                throw new IllegalArgumentException(which + " of " + n + " tokens plus maxNewTokens "
                        + options.maxNewTokens() + " plus one thought (" + branch.positionsUsed()
                        + " positions: start, " + (branch.positionsUsed() - 2) + " tokens, end) needs "
                        + (n + needAfterPrompt) + " positions, the model has " + maxPositions
                        + "; lower maxNewTokens to at most " + (maxPositions - n - branch.positionsUsed() + 1)
                        + " or shorten the prompt");
            }
        }
        for (String stop : options.stopStrings()) {
            int[] enc = tok.encode(stop);
            String back = enc.length == 0 ? "" : tok.decode(enc);
            if (!back.equals(stop)) {
                throw new IllegalArgumentException("stop string \"" + printable(stop)
                        + "\" cannot be produced by the tokenizer: it encodes to " + Arrays.toString(enc)
                        + ", which decodes to \"" + printable(back) + "\", so generation could never stop on it;"
                        + " use text the tokenizer can represent");
            }
        }
        return ids;
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c < 0x20 || Character.isSurrogate(c)) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /**
     * Generates for a batch of prompts; row r's result equals a single-prompt run with the same options (up to
     * floating-point summation order).
     *
     * @param prompts the prompts
     * @param options the options; the output seed seeds every row the same way
     * @param onToken called for each token of row 0, or null
     * @param observer sees the cache before every step, or null
     * @param thoughtSamplers overrides the thought sampler, or null
     * @return one result per prompt
     */
    @SuppressWarnings("try") // the no-gradient scope is held, not referenced
    List<GenerationResult> run(List<String> prompts, GenerationOptions options, Consumer<TokenTrace> onToken,
            StepObserver observer, ThoughtSamplerFactory thoughtSamplers) {
        int[][] promptIds = encodePrompts(prompts, options);
        int rows = promptIds.length;
        List<Row> state = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            state.add(new Row(prompts.get(r), promptIds[r], options));
        }
        ThoughtSamplerFactory samplers = thoughtSamplers != null ? thoughtSamplers
                : thinking -> defaultThoughtSampler(state, options.thoughtSampling(), thinking);
        TextTokenizer tok = model.tokenizer();
        CausalDecoder decoder = model.decoder();
        int vocab = decoder.config().vocabSize();
        int eos = tok.eosId().orElse(-1);
        int filler = tok.padId().orElse(eos >= 0 ? eos : 0);
        int width = Arrays.stream(promptIds).mapToInt(a -> a.length).max().orElseThrow();

        // keyValid[r][j]: whether cached key j of row r is a real token (left padding is not).
        List<boolean[]> keyValid = new ArrayList<>();
        long[] nextPositions = new long[rows];
        try (NoGradScope ignored = NoGradScope.enter(); NDManager call = model.manager().newSubManager()) {
            NDManager keep = call.newSubManager();
            KvCache cache;
            NDArray baseHidden;
            try (NDManager work = call.newSubManager()) {
                long[] ids = new long[rows * width];
                long[] pos = new long[rows * width];
                int[][] attention = new int[rows][width];
                for (int r = 0; r < rows; r++) {
                    int pad = width - promptIds[r].length;
                    boolean[] valid = new boolean[width];
                    for (int j = 0; j < width; j++) {
                        boolean real = j >= pad;
                        ids[r * width + j] = real ? promptIds[r][j - pad] : filler;
                        pos[r * width + j] = real ? j - pad : 0;
                        attention[r][j] = real ? 1 : 0;
                        valid[j] = real;
                    }
                    keyValid.add(valid);
                    nextPositions[r] = promptIds[r].length;
                }
                NDArray idArray = work.create(ids, new Shape(rows, width));
                DecoderOutput out = decoder.forward(model.inputEmbeddings(idArray),
                        work.create(pos, new Shape(rows, width)), Masks.causalWithPadding(work, attention), null);
                cache = out.cache();
                baseHidden = out.hidden().get(":, -1:, :");
                cache = moveTo(keep, cache, baseHidden);
            }
            for (int step = 0; step < options.maxNewTokens(); step++) {
                if (observer != null) {
                    observer.beforeStep(step, cache.length());
                }
                boolean[] thinking = new boolean[rows];
                boolean anyThinking = false;
                for (int r = 0; r < rows; r++) {
                    Row row = state.get(r);
                    thinking[r] = !row.finished()
                            && options.thinking().thinkBeforeNext(row.prompt + row.generatedText, step);
                    anyThinking |= thinking[r];
                }
                int[] chosen = new int[rows];
                try (NDManager work = call.newSubManager()) {
                    NDArray metaMask = model.metaTokenLogitMask(work);
                    NDArray keyMask = keyMask(work, keyValid, 0);
                    float[] base = decoder.logits(baseHidden).reshape(rows, vocab).add(metaMask).toFloatArray();
                    float[] mixed = null;
                    float[] weights = null;
                    long[] thoughtIds = null;
                    if (anyThinking) {
                        ThoughtBranch.Result t = branch.think(work, cache, baseHidden, nextPositions, keyMask,
                                samplers.forStep(thinking));
                        mixed = t.mixedLogits().add(metaMask).toFloatArray();
                        weights = t.mixingWeight().toFloatArray();
                        thoughtIds = t.thoughtIds().toLongArray();
                    }
                    for (int r = 0; r < rows; r++) {
                        Row row = state.get(r);
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
                        int n = branch.positionsUsed() - 2;
                        int[] thought = new int[thinking[r] ? n : 0];
                        for (int k = 0; k < thought.length; k++) {
                            thought[k] = Math.toIntExact(thoughtIds[r * n + k]);
                        }
                        double pBase = OutputSampler.probability(base, r * vocab, vocab, token);
                        int[] before = row.idsSoFar();
                        TokenTrace trace = new TokenTrace(token, tok.decodeAfter(before, new int[] {token}),
                                toList(thought), thought.length == 0 ? "" : tok.decodeAfter(before, thought),
                                thinking[r] ? weights[r] : 0.0,
                                thinking[r] ? OutputSampler.probability(mixed, r * vocab, vocab, token) : pBase,
                                pBase);
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
                    if (state.stream().allMatch(Row::finished)) {
                        break;
                    }
                    // Append the chosen tokens to the real cache: one forward of one token per row.
                    long[] next = new long[rows];
                    for (int r = 0; r < rows; r++) {
                        next[r] = chosen[r];
                    }
                    NDArray nextIds = work.create(next, new Shape(rows, 1));
                    DecoderOutput out = decoder.forward(model.inputEmbeddings(nextIds),
                            work.create(nextPositions, new Shape(rows, 1)), keyMask(work, keyValid, 1), cache);
                    NDManager nextKeep = call.newSubManager();
                    cache = moveTo(nextKeep, out.cache(), out.hidden());
                    baseHidden = out.hidden();
                    keep.close();
                    keep = nextKeep;
                    for (int r = 0; r < rows; r++) {
                        keyValid.set(r, append(keyValid.get(r)));
                        nextPositions[r]++;
                    }
                }
            }
            keep.close();
        }
        List<GenerationResult> results = new ArrayList<>();
        for (Row row : state) {
            String reason = row.stopReason == null ? MAX_TOKENS : row.stopReason;
            results.add(new GenerationResult(row.prompt, row.generatedText, row.generated, row.traces, reason));
        }
        return results;
    }

    /** The per-row thought sampler: each row draws with its own random source; rows not thinking draw nothing. */
    private ThoughtSampler<NDArray> defaultThoughtSampler(List<Row> state, ThoughtSampling sampling,
            boolean[] thinking) {
        double temperature = model.config().thoughtTemperature();
        return (logits, step) -> {
            Shape s = logits.getShape();
            int v = Math.toIntExact(s.get(s.dimension() - 1));
            int rows = Math.toIntExact(s.size() / v);
            float[] l = logits.toFloatArray();
            long[] ids = new long[rows];
            for (int r = 0; r < rows; r++) {
                if (!thinking[r]) {
                    continue;
                }
                ids[r] = sampling == ThoughtSampling.GREEDY ? OutputSampler.argMax(l, r * v, v)
                        : categorical(l, r * v, v, temperature, state.get(r).thoughtRng);
            }
            return logits.getManager().create(ids, new Shape(rows, 1));
        };
    }

    private static int categorical(float[] logits, int offset, int vocab, double temperature,
            SplittableRandom rng) {
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < vocab; k++) {
            max = Math.max(max, logits[offset + k]);
        }
        double[] p = new double[vocab];
        double sum = 0;
        for (int k = 0; k < vocab; k++) {
            p[k] = Math.exp((logits[offset + k] - max) / temperature);
            sum += p[k];
        }
        double u = rng.nextDouble() * sum;
        double acc = 0;
        int lastPositive = 0;
        for (int k = 0; k < vocab; k++) {
            if (p[k] > 0) {
                lastPositive = k;
            }
            acc += p[k];
            if (u < acc) {
                return k;
            }
        }
        return lastPositive;
    }

    /** The additive mask over the cached keys plus {@code extra} visible new keys: (rows, 1, 1, K + extra). */
    private static NDArray keyMask(NDManager scope, List<boolean[]> keyValid, int extra) {
        int rows = keyValid.size();
        int k = keyValid.get(0).length + extra;
        float[] data = new float[rows * k];
        for (int r = 0; r < rows; r++) {
            boolean[] valid = keyValid.get(r);
            for (int j = 0; j < valid.length; j++) {
                data[r * k + j] = valid[j] ? 0f : CausalDecoder.MASKED;
            }
        }
        return scope.create(data, new Shape(rows, 1, 1, k));
    }

    /** Moves the cache and the hidden state into a scope that outlives the step. */
    private static KvCache moveTo(NDManager scope, KvCache cache, NDArray hidden) {
        for (NDArray a : cache.keys()) {
            a.attach(scope);
        }
        for (NDArray a : cache.values()) {
            a.attach(scope);
        }
        hidden.attach(scope);
        return cache;
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
