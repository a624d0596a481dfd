package dev.quietstar.djl.infer;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import dev.quietstar.api.GenerationOptions;
import dev.quietstar.api.GenerationResult;
import dev.quietstar.api.TextScore;
import dev.quietstar.api.ThoughtSampler;
import dev.quietstar.api.TokenTrace;
import dev.quietstar.api.config.ThoughtSampling;
import dev.quietstar.core.infer.FiniteDecoderStep;
import dev.quietstar.core.infer.InferenceComponents;
import dev.quietstar.core.infer.SteppedReasoner;
import dev.quietstar.core.infer.ThinkThenTalk;
import dev.quietstar.core.infer.ThoughtTokenSampler;
import dev.quietstar.djl.thought.QuietStarModel;
import dev.quietstar.djl.thought.ThoughtSamplers;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Think-then-talk generation and scoring with a Quiet-STaR model on DJL (docs/algorithm.md section 8).
 *
 * <p>Generation keeps the key/value cache of the real tokens. Before an output token, when the
 * {@link dev.quietstar.api.ThinkingPolicy} says so, core's {@link dev.quietstar.core.infer.ThoughtBranch} feeds the start-of-thought token,
 * {@code thoughtLength} sampled tokens and the end-of-thought token on top of that cache; the mixing head blends the
 * hidden state after the thought with the last real one, w = head([h_base; h_after]), and the output token is chosen
 * from {@code lm_head((1 - w) h_base + w h_after)} with the meta-tokens masked out. The branch is dropped and the
 * chosen token is appended to the real cache with one single-token forward: a step costs thoughtLength + 3
 * single-token forwards with thinking and one without, never a recomputation of the sequence. Prompts start with
 * the token every training document starts with (the tokenizer's BOS, else its EOS). The loop itself is the
 * engine-neutral {@link ThinkThenTalk}; this class gives it a {@link DjlDecoderStep}.
 *
 * <p>Output tokens follow {@link GenerationOptions#output()} (greedy, temperature, top-k, top-p, seeded); thought
 * tokens are drawn at the model's thought temperature (1 as in training) or greedily. Each call seeds its own
 * random sources from the output sampling seed, so a seeded call always gives the same result.
 *
 * <p>Thread safety: {@code generate}, {@link #generateBatch} and {@code score} may run concurrently on one reasoner
 * from several threads: each call has its own cache, native memory scope and random sources, and only reads the
 * weights; autograd is turned off on the calling thread for the duration of the call and restored afterwards.
 * {@link #close()} while calls run fails with an {@link IllegalStateException} and leaves the reasoner open; a call
 * after close fails the same way. Not thread-safe: changing the model's weights (training, loading) while calls
 * run. The {@link dev.quietstar.api.ThinkingPolicy} and the token callback are called on the calling thread.
 */
public final class DjlReasoner implements SteppedReasoner {

    static {
        dev.quietstar.djl.DjlEngines.configure(); // offline mode before this class can touch DJL
    }

    private static final Logger LOG = LoggerFactory.getLogger(DjlReasoner.class);

    private final QuietStarModel model;
    private final boolean ownsModel;
    private final ThinkThenTalk.Settings settings;
    private final InferenceComponents components;
    private boolean closed; // guarded by this
    private int running; // calls in progress, guarded by this

    private DjlReasoner(QuietStarModel model, boolean ownsModel) {
        this(model, ownsModel, InferenceComponents.NONE);
    }

    private DjlReasoner(QuietStarModel model, boolean ownsModel, InferenceComponents components) {
        this.model = Objects.requireNonNull(model, "model");
        this.ownsModel = ownsModel;
        this.components = Objects.requireNonNull(components, "components");
        this.settings = new ThinkThenTalk.Settings(model.tokenizer(),
                model.config().thoughtLength(), model.config().thoughtTemperature(), model.metaTokens().startId(),
                model.metaTokens().endId());
    }

    /**
     * Loads a checkpoint folder; the reasoner owns the model and frees it on {@link #close()}.
     *
     * @param checkpoint the checkpoint folder
     * @param device where the weights go
     * @return the reasoner
     * @throws IllegalArgumentException naming what is missing or malformed in the folder
     */
    public static DjlReasoner open(Path checkpoint, Device device) {
        QuietStarModel model = QuietStarModel.load(checkpoint, device);
        LOG.debug("loaded {} for inference on {}", checkpoint, device);
        return new DjlReasoner(model, true);
    }

    /**
     * Serves a model and takes ownership of it: {@link #close()} frees it.
     *
     * @param model the model
     * @return the reasoner
     */
    public static DjlReasoner owning(QuietStarModel model) {
        return new DjlReasoner(model, true);
    }

    /**
     * Serves a model and takes ownership of it, with user components: a mixing head on hidden-state vectors and a
     * thought sampler, used in generation, scoring and evaluation (see {@link dev.quietstar.core.inject.Components}).
     *
     * @param model the model
     * @param components the user's components, {@link InferenceComponents#NONE} for the defaults
     * @return the reasoner
     */
    public static DjlReasoner owning(QuietStarModel model, InferenceComponents components) {
        return new DjlReasoner(model, true, components);
    }

    /**
     * Serves a model the caller keeps owning: {@link #close()} leaves it open.
     *
     * @param model the model
     * @return the reasoner
     */
    public static DjlReasoner wrap(QuietStarModel model) {
        return new DjlReasoner(model, false);
    }

    /**
     * The model this reasoner runs.
     *
     * @return the model
     */
    public QuietStarModel model() {
        return model;
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException for an empty prompt, a prompt that with {@code maxNewTokens} and one thought
     *     does not fit the model's context, or a stop string the tokenizer cannot represent
     */
    @Override
    public GenerationResult generate(String prompt, GenerationOptions options) {
        return generate(prompt, options, null);
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException for an empty prompt, a prompt that with {@code maxNewTokens} and one thought
     *     does not fit the model's context, or a stop string the tokenizer cannot represent
     */
    @Override
    public GenerationResult generate(String prompt, GenerationOptions options, Consumer<TokenTrace> onToken) {
        Objects.requireNonNull(options, "options");
        return run(singlePrompt(prompt), options, onToken, null, null).get(0);
    }

    /**
     * Generates continuations of several prompts at once, left-padded to a common length with the padding hidden
     * by the attention masks and each row's position ids counting its own tokens only.
     *
     * <p>Row i equals {@code generate(prompts.get(i), options)} (the output seed seeds every row the same way), up
     * to floating-point summation order. Rows stop independently; the batch runs until every row stopped.
     *
     * @param prompts non-empty prompts
     * @param options generation options shared by all rows
     * @return one result per prompt, in order
     * @throws IllegalArgumentException as {@link #generate(String, GenerationOptions)}, naming the prompt's index
     */
    @Override
    public List<GenerationResult> generateBatch(List<String> prompts, GenerationOptions options) {
        Objects.requireNonNull(options, "options");
        return run(prompts, options, null, null, null);
    }

    /**
     * Generation with hooks: a step observer and a thought sampler override, through the engine-neutral loop
     * ({@link ThinkThenTalk}) on a {@link DjlDecoderStep}.
     *
     * @param prompts the prompts
     * @param options the options
     * @param onToken row 0's token callback, or null
     * @param observer sees the real cache before every step, or null
     * @param thoughtSampler overrides the thought sampler in every thought, or null
     * @return one result per prompt
     */
    @SuppressWarnings("try") // the no-gradient scope is held, not referenced
    List<GenerationResult> run(List<String> prompts, GenerationOptions options, Consumer<TokenTrace> onToken,
            ThinkThenTalk.StepObserver observer, ThoughtSampler<NDArray> thoughtSampler) {
        enter();
        long startNanos = System.nanoTime();
        List<GenerationResult> results;
        try (NoGradScope ignored = NoGradScope.enter(); DjlDecoderStep step = new DjlDecoderStep(model)) {
            ThinkThenTalk.ThoughtSamplerFactory samplers = null;
            if (thoughtSampler != null) {
                ThoughtTokenSampler adapted = step.adapt(thoughtSampler);
                samplers = thinking -> adapted;
            }
            // The loop reads the model's gate at call time: a trainer updates it after every step.
            results = loop().run(FiniteDecoderStep.wrap(step, origin()), prompts, options, onToken, observer,
                    samplers);
        } finally {
            exit();
        }
        if (LOG.isDebugEnabled()) {
            int tokens = results.stream().mapToInt(r -> r.tokenIds().size()).sum();
            LOG.debug("generated {} tokens for {} prompt(s) in {} ms", tokens, prompts.size(),
                    (System.nanoTime() - startNanos) / 1_000_000);
        }
        return results;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Thoughts are drawn as the model's configuration says (sampled at its thought temperature by default) with
     * seed 0, so the score of a text repeats; see {@link #score(String, ThoughtSampling, long)}.
     */
    @Override
    public TextScore score(String text) {
        return score(text, model.config().thoughtSampling(), 0L);
    }

    /**
     * Scores every token of a text with and without thinking, through the parallel path of the training forward
     * without gradient: one thought after every position, then for the token x_{i+1} the base log-probability
     * log softmax(lm_head(h_base(i)))[x_{i+1}] and the think-then-talk log-probability
     * log softmax(lm_head((1 - w) h_base(i) + w h_after(i)))[x_{i+1}] (look-ahead step 0 of the objective). As in
     * the training losses, the meta-tokens stay in both distributions. The document-start token is prepended as in
     * training and is the unscored context of the first text token.
     *
     * @param text non-empty text that with one thought fits the model's context
     * @param sampling how thought tokens are chosen
     * @param seed seed of sampled thoughts
     * @return per-token log-probabilities, mixing weights and thoughts
     * @throws IllegalArgumentException for an empty text or one too long for the context
     */
    @Override
    public TextScore score(String text, ThoughtSampling sampling, long seed) {
        Objects.requireNonNull(sampling, "sampling");
        if (components.thoughtSampler() != null) {
            return score(text, DjlTextScorer.adapt(components.thoughtSampler(), origin()));
        }
        return score(text, sampling == ThoughtSampling.GREEDY ? ThoughtSamplers.greedy()
                : ThoughtSamplers.categorical(model.config().thoughtTemperature(), new SplittableRandom(seed)));
    }

    /**
     * Scores every token of a text as {@link #score(String, ThoughtSampling, long)} does, with the thought tokens
     * chosen by a given sampler, for example {@link ThoughtSamplers#forced} for ablations with fixed thoughts.
     *
     * @param text non-empty text that with one thought fits the model's context
     * @param sampler chooses the thought tokens of all positions, one pass at a time
     * @return per-token log-probabilities, mixing weights and thoughts
     * @throws IllegalArgumentException for an empty text or one too long for the context
     */
    public TextScore score(String text, ThoughtSampler<NDArray> sampler) {
        enter();
        try {
            return new DjlTextScorer(model, components, origin()).score(text, sampler);
        } finally {
            exit();
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>The task runs without autograd on a {@link DjlDecoderStep} whose arrays are freed when it returns.
     */
    @Override
    @SuppressWarnings("try") // the no-gradient scope is held, not referenced
    public <T> T withStep(StepTask<T> task) {
        Objects.requireNonNull(task, "task");
        enter();
        try (NoGradScope ignored = NoGradScope.enter(); DjlDecoderStep step = new DjlDecoderStep(model)) {
            return task.run(FiniteDecoderStep.wrap(step, origin()), loop());
        } finally {
            exit();
        }
    }

    /** {@inheritDoc} */
    @Override
    public ThoughtSampling thoughtSampling() {
        return model.config().thoughtSampling();
    }

    /** Where the model came from, for errors about what it computes. */
    private String origin() {
        return model.origin().map(Path::toString).orElse("the model's weights and configuration");
    }

    /** The loop over this model: it reads the gate at call time, since a trainer updates it after every step. */
    private ThinkThenTalk loop() {
        return new ThinkThenTalk(settings, model.thinkingGate().orElse(null), components);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Frees the model when this reasoner loaded it ({@link #open}); a wrapped model stays open.
     *
     * @throws IllegalStateException while a call runs on this reasoner (it then stays open)
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            if (running > 0) {
                // Freeing the weights under a running call would crash in native code; refuse instead.
                throw new IllegalStateException("cannot close the reasoner while " + running + " call(s) are "
                        + "running on it; close it after they return");
            }
            closed = true;
        }
        if (ownsModel) {
            model.close();
        }
    }

    /** Registers a running call; fails when the reasoner is closed. */
    private synchronized void enter() {
        if (closed) {
            throw new IllegalStateException("this reasoner is closed; open a new one");
        }
        running++;
    }

    private synchronized void exit() {
        running--;
    }

    private static List<String> singlePrompt(String prompt) {
        List<String> list = new ArrayList<>(1);
        list.add(prompt);
        return list;
    }
}
