package dev.quietstar.onnx.infer;

import dev.quietstar.api.GenerationOptions;
import dev.quietstar.api.GenerationResult;
import dev.quietstar.api.TextScore;
import dev.quietstar.api.TokenTrace;
import dev.quietstar.api.config.ThoughtSampling;
import dev.quietstar.core.checkpoint.CheckpointInfo;
import dev.quietstar.core.infer.DecoderStep;
import dev.quietstar.core.infer.FiniteDecoderStep;
import dev.quietstar.core.infer.InferenceComponents;
import dev.quietstar.core.infer.SteppedReasoner;
import dev.quietstar.core.infer.TextScorer;
import dev.quietstar.core.infer.ThinkThenTalk;
import dev.quietstar.core.text.TextTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Think-then-talk generation and scoring of an exported Quiet-STaR model on ONNX Runtime (docs/algorithm.md section 8), with
 * no libtorch: core's engine-neutral {@link ThinkThenTalk} loop on an ONNX decoder step.
 *
 * <p>Generation keeps the key/value cache of the real tokens as ONNX Runtime tensors. Before an output token, when
 * the {@link dev.quietstar.api.ThinkingPolicy} says so, a thought branches off that cache (start token,
 * {@code thoughtLength} sampled tokens, end token), the mixing head graph gives w = head([h_base; h_after]), the
 * output token is chosen from the mixed logits with the meta-tokens masked, the branch is dropped and the chosen
 * token appended: the same loop, the same seeds and the same numbers (up to floating-point summation order) as the
 * DJL backend's reasoner on the checkpoint the folder was exported from.
 *
 * <p>Thread safety: {@code generate}, {@link #generateBatch} and {@code score} may run concurrently from several
 * threads on one reasoner; each call has its own caches and random sources, and the sessions only read the weights.
 * {@link #close()} must not overlap with calls. The thinking policy and the token callback run on the calling
 * thread.
 */
public final class OnnxReasoner implements SteppedReasoner {

    private static final Logger LOG = LoggerFactory.getLogger(OnnxReasoner.class);

    private final ExportedModel model;
    private final DecoderStep<OnnxDecoderStep.Cache> step;
    private final ThinkThenTalk generation;
    private boolean closed; // guarded by this
    private final List<Thread> runningThreads = new java.util.ArrayList<>(); // guarded by this
    private Path temporaryExport;

    private OnnxReasoner(ExportedModel model, TextTokenizer tokenizer, InferenceComponents components,
            String origin) {
        this.model = model;
        this.step = FiniteDecoderStep.wrap(new OnnxDecoderStep(model), origin);
        var config = model.info().config();
        dev.quietstar.core.gate.ThinkingGate gate = dev.quietstar.core.gate.ThinkingGate.read(model.folder())
                .orElse(null);
        if (gate != null) {
            gate.checkHiddenSize(model.spec().hiddenSize());
        }
        this.generation = new ThinkThenTalk(new ThinkThenTalk.Settings(tokenizer, config.thoughtLength(),
                config.thoughtTemperature(), model.info().startTokenId(), model.info().endTokenId()), gate,
                components);
    }

    /**
     * Opens an exported folder with the default session settings.
     *
     * @param folder a folder written by {@link dev.quietstar.onnx.export.OnnxExporter}
     * @return the reasoner
     * @throws IllegalArgumentException naming what is missing or does not match in the folder
     */
    public static OnnxReasoner open(Path folder) {
        return open(folder, OnnxRuntimeSettings.defaults());
    }

    /**
     * Opens an exported folder.
     *
     * @param folder a folder written by {@link dev.quietstar.onnx.export.OnnxExporter}
     * @param settings session settings (threads, optimisation level, CUDA)
     * @return the reasoner
     * @throws IllegalArgumentException naming what is missing or does not match in the folder
     */
    public static OnnxReasoner open(Path folder, OnnxRuntimeSettings settings) {
        return open(folder, settings, null);
    }

    /**
     * Opens an exported folder with a tokenizer the caller supplies, for exports whose {@code tokenizer.json} needs
     * a tokenizer library this backend does not ship (a HuggingFace tokenizer, loaded by the caller with one).
     *
     * @param folder a folder written by {@link dev.quietstar.onnx.export.OnnxExporter}
     * @param settings session settings (threads, optimisation level, CUDA)
     * @param tokenizer the model's tokenizer, or null for the one stored in the folder (byte-level)
     * @return the reasoner
     * @throws IllegalArgumentException naming what is missing or does not match in the folder, or a tokenizer with
     *     more ids than the model's vocabulary
     */
    public static OnnxReasoner open(Path folder, OnnxRuntimeSettings settings, TextTokenizer tokenizer) {
        return open(folder, settings, tokenizer, InferenceComponents.NONE);
    }

    /**
     * Opens an exported folder with user components: a mixing head on hidden-state vectors and a thought sampler
     * (see {@link dev.quietstar.core.inject.Components}).
     *
     * @param folder a folder written by {@link dev.quietstar.onnx.export.OnnxExporter}
     * @param settings session settings (threads, optimisation level, CUDA)
     * @param tokenizer the model's tokenizer, or null for the one stored in the folder (byte-level)
     * @param components the user's components, {@link InferenceComponents#NONE} for the defaults
     * @return the reasoner
     * @throws IllegalArgumentException naming what is missing or does not match in the folder
     */
    public static OnnxReasoner open(Path folder, OnnxRuntimeSettings settings, TextTokenizer tokenizer,
            InferenceComponents components) {
        return open(folder, settings, tokenizer, components, null);
    }

    /** Opens an export; {@code origin} names the model in errors about its outputs, null for the folder itself. */
    private static OnnxReasoner open(Path folder, OnnxRuntimeSettings settings, TextTokenizer tokenizer,
            InferenceComponents components, String origin) {
        Objects.requireNonNull(folder, "folder");
        Objects.requireNonNull(components, "components");
        Objects.requireNonNull(settings, "settings");
        ExportedModel model = ExportedModel.open(folder, settings);
        try {
            TextTokenizer tok = tokenizer != null ? tokenizer : model.engineNeutralTokenizer();
            CheckpointInfo.checkTokenizerFits(tok.vocabSize(), tokenizer != null ? "given to open "
                    + folder : folder.resolve("tokenizer.json").toString(), model.spec().vocabSize(),
                    folder.resolve("config.json"));
            return new OnnxReasoner(model, tok, components, origin != null ? origin : folder.toString());
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * Opens a checkpoint folder by exporting it into a temporary folder first (deleted on {@link #close()}); for
     * repeated use, export once with {@link dev.quietstar.onnx.export.OnnxExporter} and {@link #open(Path)} the
     * export.
     *
     * @param checkpoint a Quiet-STaR checkpoint folder
     * @param settings session settings
     * @return the reasoner
     * @throws IllegalArgumentException naming what is missing or malformed in the checkpoint
     */
    public static OnnxReasoner openCheckpoint(Path checkpoint, OnnxRuntimeSettings settings) {
        return openCheckpoint(checkpoint, settings, InferenceComponents.NONE);
    }

    /**
     * Opens a checkpoint folder by exporting it into a temporary folder first, with user components.
     *
     * @param checkpoint a Quiet-STaR checkpoint folder
     * @param settings session settings
     * @param components the user's components, {@link InferenceComponents#NONE} for the defaults
     * @return the reasoner
     * @throws IllegalArgumentException naming what is missing or malformed in the checkpoint
     */
    public static OnnxReasoner openCheckpoint(Path checkpoint, OnnxRuntimeSettings settings,
            InferenceComponents components) {
        Objects.requireNonNull(checkpoint, "checkpoint");
        if (!Files.isRegularFile(checkpoint.resolve("quietstar.json"))) {
            throw new IllegalArgumentException(checkpoint + " is neither an ONNX export (no "
                    + dev.quietstar.onnx.export.OnnxLayout.DECODER_FILE + ") nor a Quiet-STaR checkpoint (no "
                    + "quietstar.json)");
        }
        Path tmp = null;
        try {
            tmp = Files.createTempDirectory("quietstar-onnx-");
            Path out = dev.quietstar.onnx.export.OnnxExporter.builder().setCheckpoint(checkpoint)
                    .setOutput(tmp.resolve("export")).build().export().folder();
            OnnxReasoner r = open(out, settings, null, components, checkpoint.toString());
            r.temporaryExport = tmp;
            return r;
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new UncheckedIOException("cannot export " + checkpoint + " to a temporary folder: "
                    + e.getMessage(), e);
        } catch (RuntimeException e) {
            deleteQuietly(tmp);
            throw e;
        }
    }

    private static void deleteQuietly(Path root) {
        if (root == null) {
            return;
        }
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.warn("could not delete the temporary export {}: {}", root, e.getMessage());
        }
    }

    /**
     * The loaded model.
     *
     * @return the model
     */
    public ExportedModel model() {
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
     * @throws IllegalArgumentException as {@link #generate(String, GenerationOptions)}
     */
    @Override
    public GenerationResult generate(String prompt, GenerationOptions options, Consumer<TokenTrace> onToken) {
        Objects.requireNonNull(options, "options");
        java.util.ArrayList<String> one = new java.util.ArrayList<>(1);
        one.add(prompt);
        return run(one, options, onToken, null, null).get(0);
    }

    /**
     * Generates continuations of several prompts at once, left-padded to a common length with the padding hidden
     * by the attention masks and each row's position ids counting its own tokens only; row i equals
     * {@code generate(prompts.get(i), options)} up to floating-point summation order.
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
     * Generation with hooks: a step observer and a thought sampler override.
     *
     * @param prompts the prompts
     * @param options the options
     * @param onToken row 0's token callback, or null
     * @param observer sees the real cache before every step, or null
     * @param samplers overrides the thought sampler, or null
     * @return one result per prompt
     */
    public List<GenerationResult> run(List<String> prompts, GenerationOptions options, Consumer<TokenTrace> onToken,
            ThinkThenTalk.StepObserver observer, ThinkThenTalk.ThoughtSamplerFactory samplers) {
        enter();
        long startNanos = System.nanoTime();
        List<GenerationResult> results;
        try {
            results = generation.run(step, prompts, options, onToken, observer, samplers);
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
     * <p>Thoughts are drawn as the model's configuration says with seed 0, so the score of a text repeats; see
     * {@link #score(String, ThoughtSampling, long)}.
     */
    @Override
    public TextScore score(String text) {
        return score(text, model.info().config().thoughtSampling(), 0L);
    }

    /**
     * Scores every token of a text with and without thinking (see
     * {@link TextScorer#score(dev.quietstar.core.infer.DecoderStep, String, ThoughtSampling, long)}): one
     * thought after every position, on the cache, one token at a time.
     *
     * @param text non-empty text that with one thought fits the model's context
     * @param sampling how thought tokens are chosen
     * @param seed seed of sampled thoughts
     * @return per-token log-probabilities, mixing weights and thoughts
     * @throws IllegalArgumentException for an empty text or one too long for the context
     */
    @Override
    public TextScore score(String text, ThoughtSampling sampling, long seed) {
        enter();
        try {
            return new TextScorer(generation).score(step, text, sampling, seed);
        } finally {
            exit();
        }
    }

    /** {@inheritDoc} */
    @Override
    public <T> T withStep(StepTask<T> task) {
        enter();
        try {
            return task.run(step, generation);
        } finally {
            exit();
        }
    }

    /** {@inheritDoc} */
    @Override
    public ThoughtSampling thoughtSampling() {
        return model.info().config().thoughtSampling();
    }

    /**
     * {@inheritDoc}
     *
     * <p>New calls are refused from the moment close begins; calls already running on other threads finish first, and
     * only then are the native sessions freed, so closing never pulls a session from under a running generation.
     *
     * @throws IllegalStateException when called from inside a call on this reasoner (a token callback, say), which
     *     would wait for itself
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            if (runningThreads.contains(Thread.currentThread())) {
                throw new IllegalStateException("cannot close the reasoner from inside one of its own calls; close "
                        + "it after the call returns");
            }
            closed = true;
            boolean interrupted = false;
            while (!runningThreads.isEmpty()) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        model.close();
        deleteQuietly(temporaryExport);
    }

    /** Registers a running call; refuses it once close has begun. */
    private synchronized void enter() {
        checkOpen();
        runningThreads.add(Thread.currentThread());
    }

    private synchronized void exit() {
        runningThreads.remove(Thread.currentThread());
        notifyAll();
    }

    private synchronized void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this reasoner is closed; open a new one");
        }
    }
}
