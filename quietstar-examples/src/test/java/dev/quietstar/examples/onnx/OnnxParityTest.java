package dev.quietstar.examples.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.quietstar.api.GenerationOptions;
import dev.quietstar.api.GenerationResult;
import dev.quietstar.api.TextScore;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.api.config.ThoughtSampling;
import dev.quietstar.core.checkpoint.DecoderSpec;
import dev.quietstar.core.checkpoint.GemmaBlocks;
import dev.quietstar.core.checkpoint.RopeScaling;
import dev.quietstar.core.infer.DecoderStep;
import dev.quietstar.core.infer.ThinkThenTalk;
import dev.quietstar.core.text.ByteTokenizer;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.infer.DjlDecoderStep;
import dev.quietstar.djl.infer.DjlReasoner;
import dev.quietstar.djl.model.CausalDecoder;
import dev.quietstar.djl.model.DecoderConfig;
import dev.quietstar.djl.thought.MlpMixingHead;
import dev.quietstar.djl.thought.QuietStarModel;
import dev.quietstar.onnx.export.OnnxExporter;
import dev.quietstar.onnx.infer.OnnxDecoderStep;
import dev.quietstar.onnx.infer.OnnxReasoner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The ONNX backend against the DJL backend on the same checkpoints: a tiny GPT-2, a tiny Llama with grouped-query
 * attention (4 query heads over 2 key/value heads), the same Llama with Llama 3.1's rope scaling and a tiny Qwen3
 * (per-head q/k norms, head_dim apart from the width), a tiny Phi-3 (fused projections, partial rotary) and a tiny
 * Gemma 3 (scaled embeddings, sandwich norms, two rotary tables), all with a mixing head whose last layer is not zero.
 */
class OnnxParityTest {

    private static final double TOLERANCE = 1e-4;
    private static final List<String> PROMPTS = List.of("The cat", "Once upon a time", "1 + 2 = ", "Hello, world",
            "Q: 3*4\nA: ", "abc", "zebra", "It was a dark and", "x", "The quick brown fox", "42", "Why?",
            "def f(x):", "Alice and Bob", "red green blue", "2 + 2 = 4. 3 + 3 = ", "Mary had a", "0", "tick tock",
            "The end.");

    @TempDir
    static Path tmp;

    @BeforeAll
    static void engines() {
        DjlEngines.pytorch();
    }

    /** A checkpoint with peaked random weights (greedy choices are clear) and a random last head layer. */
    private static Path checkpoint(String arch, long seed) throws Exception {
        Path folder = tmp.resolve(arch + "-" + seed);
        if (folder.toFile().isDirectory()) {
            return folder;
        }
        DecoderConfig config = switch (arch) {
            case "llama" -> DecoderConfig.llama(ByteTokenizer.VOCAB_SIZE, 32, 2, 4, 2, 256, false);
            // Llama 3.1's rope scaling with an original context of 64: the head's four frequencies fall in the
            // kept, the interpolated and the divided bands.
            case "llama3" -> new DecoderConfig(new DecoderSpec(true, "llama", ByteTokenizer.VOCAB_SIZE, 32, 2, 4, 2,
                    8, 88, 256, 10000.0, 1e-5, false, false, new RopeScaling("llama3", 8.0, 1.0, 4.0, 64)));
            // Qwen3: per-head q/k norms, head_dim 16 with 4 heads on a width of 32, q/k/v and o biases
            case "qwen3" -> new DecoderConfig(new DecoderSpec(true, "qwen3", ByteTokenizer.VOCAB_SIZE, 32, 2, 4, 2,
                    16, 48, 256, 1000000.0, 1e-6, false, true, RopeScaling.NONE, true));
            // Phi-3 (as Phi-4-mini): fused qkv_proj and gate_up_proj, 12 of each head's 16 values rotated
            case "phi3" -> new DecoderConfig(new DecoderSpec(true, "phi3", ByteTokenizer.VOCAB_SIZE, 48, 2, 3, 1, 16,
                    64, 256, 10000.0, 1e-5, false, false, RopeScaling.NONE, false, 12));
            // Gemma 3: scaled embeddings, 1 + w norms, sandwich norms, GELU-tanh gate, query_pre_attn_scalar 24
            // apart from head_dim 16, a sliding layer rotating with base 1e4 and a full one with 1e6 scaled
            // linearly by 8; the 128-position window bounds the positions
            case "gemma3" -> new DecoderConfig(new DecoderSpec(true, DecoderSpec.GEMMA3, ByteTokenizer.VOCAB_SIZE, 32,
                    2, 4, 2, 16, 48, 128, 1000000.0, 1e-6, true, false, new RopeScaling("linear", 8.0, 0, 0, 0), true,
                    16, new GemmaBlocks(24, 10000.0, RopeScaling.NONE, List.of(true, false), 128)));
            default -> DecoderConfig.gpt2(ByteTokenizer.VOCAB_SIZE, 32, 2, 4, 256);
        };
        CausalDecoder decoder;
        try (CausalDecoder shapes = CausalDecoder.random(config, Device.cpu(), 0);
                NDManager m = NDManager.newBaseManager(Device.cpu())) {
            SplittableRandom rng = new SplittableRandom(seed);
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            for (Map.Entry<String, Shape> e : shapes.expectedShapes().entrySet()) {
                float[] d = new float[Math.toIntExact(e.getValue().size())];
                boolean norm = e.getKey().contains("ln_") || e.getKey().contains("norm");
                for (int i = 0; i < d.length; i++) {
                    double u = rng.nextDouble() * 2 - 1;
                    d[i] = (float) (norm && e.getKey().endsWith(".weight") ? 1 + 0.2 * u : 0.3 * u);
                }
                tensors.put(e.getKey(), m.create(d, e.getValue()));
            }
            decoder = CausalDecoder.fromTensors(config, Device.cpu(), tensors);
        }
        try (QuietStarModel model = QuietStarModel.create(decoder, ByteTokenizer.instance(),
                QuietStarConfig.official().withShape(3, 2, 1, 32), seed)) {
            NDArray last = model.mixingHead().parameters().get(MlpMixingHead.PREFIX + "4.weight").getArray();
            SplittableRandom rng = new SplittableRandom(seed + 1);
            float[] d = new float[Math.toIntExact(last.size())];
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) ((rng.nextDouble() * 2 - 1) * 0.5);
            }
            last.set(d);
            model.save(folder, null);
        }
        return folder;
    }

    private static Path exported(Path checkpoint) throws Exception {
        Path out = checkpoint.resolveSibling(checkpoint.getFileName() + "-onnx");
        if (!out.toFile().isDirectory()) {
            OnnxExporter.builder().setCheckpoint(checkpoint).setOutput(out).build().export();
        }
        return out;
    }

    /** What a forced thought gave: base and after-thought hidden states and logits, w and the mixed logits. */
    record Forced(float[] baseHidden, float[] baseLogits, float[] afterLogits, float[] weights,
            float[] mixed) {}

    /** Prefills the prompt, then feeds start, the forced thought and end on top of the cache. */
    static <C> Forced forced(DecoderStep<C> step, int[] prompt, long[] thought) {
        return forced(step, prompt, thought, ByteTokenizer.START_OF_THOUGHT, ByteTokenizer.END_OF_THOUGHT);
    }

    /** {@link #forced(DecoderStep, int[], long[])} with the model's own thought token ids. */
    static <C> Forced forced(DecoderStep<C> step, int[] prompt, long[] thought, long startId, long endId) {
        int len = prompt.length;
        long[] ids = new long[len];
        long[] pos = new long[len];
        boolean[][] valid = new boolean[1][len];
        for (int i = 0; i < len; i++) {
            ids[i] = prompt[i];
            pos[i] = i;
            valid[0][i] = true;
        }
        DecoderStep.Output<C> base = step.forward(ids, pos, 1, len, ThinkThenTalk.causalWithPadding(valid, len),
                null);
        DecoderStep.Output<C> out = base;
        List<Long> branch = new ArrayList<>();
        branch.add(startId);
        for (long t : thought) {
            branch.add(t);
        }
        branch.add(endId);
        for (int k = 0; k < branch.size(); k++) {
            DecoderStep.Output<C> next = step.forward(new long[] {branch.get(k)}, new long[] {len + k}, 1, 1,
                    new float[len + k + 1], out.cache());
            if (out != base) {
                step.release(out.cache());
            }
            out = next;
        }
        DecoderStep.Mixing mixing = step.mix(base, out, 1);
        step.release(out.cache());
        step.release(base.cache());
        return new Forced(base.hidden(), base.logits(), out.logits(), mixing.weights(), mixing.mixedLogits());
    }

    static double maxAbsDiff(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama", "llama3", "qwen3", "phi3", "gemma3"})
    void logitsAndMixedLogitsEqualDjlWithForcedThoughts(String arch) throws Exception {
        Path ckpt = checkpoint(arch, 11);
        SplittableRandom rng = new SplittableRandom(5);
        try (QuietStarModel model = QuietStarModel.load(ckpt, Device.cpu());
                DjlDecoderStep djl = new DjlDecoderStep(model);
                OnnxReasoner onnx = OnnxReasoner.open(exported(ckpt))) {
            OnnxDecoderStep ort = new OnnxDecoderStep(onnx.model());
            for (String prompt : PROMPTS.subList(0, 8)) {
                int[] ids = ByteTokenizer.instance().withDocumentStart(ByteTokenizer.instance().encode(prompt));
                long[] thought = {rng.nextInt(256), rng.nextInt(256), rng.nextInt(256)};
                Forced a = forced(djl, ids, thought);
                Forced b = forced(ort, ids, thought);
                assertThat(maxAbsDiff(a.baseHidden(), b.baseHidden())).as("hidden, %s", prompt)
                        .isLessThan(TOLERANCE);
                assertThat(maxAbsDiff(a.baseLogits(), b.baseLogits())).as("logits, %s", prompt)
                        .isLessThan(TOLERANCE);
                assertThat(maxAbsDiff(a.afterLogits(), b.afterLogits())).as("after-thought logits, %s", prompt)
                        .isLessThan(TOLERANCE);
                assertThat(maxAbsDiff(a.weights(), b.weights())).as("mixing weight, %s", prompt)
                        .isLessThan(TOLERANCE);
                assertThat((double) Math.abs(a.weights()[0])).as("the head is not at zero").isGreaterThan(1e-3);
                assertThat(maxAbsDiff(a.mixed(), b.mixed())).as("mixed logits, %s", prompt).isLessThan(TOLERANCE);
            }
        }
    }

    /** The scaling is applied, not dropped by both backends alike: the same weights give other logits. */
    @org.junit.jupiter.api.Test
    void ropeScalingChangesWhatTheSameWeightsCompute() throws Exception {
        int[] ids = ByteTokenizer.instance().withDocumentStart(ByteTokenizer.instance().encode("Once upon a time"));
        long[] thought = {1, 2, 3};
        try (QuietStarModel plain = QuietStarModel.load(checkpoint("llama", 21), Device.cpu());
                QuietStarModel scaled = QuietStarModel.load(checkpoint("llama3", 21), Device.cpu());
                DjlDecoderStep a = new DjlDecoderStep(plain);
                DjlDecoderStep b = new DjlDecoderStep(scaled)) {
            assertThat(maxAbsDiff(forced(a, ids, thought).baseLogits(), forced(b, ids, thought).baseLogits()))
                    .isGreaterThan(1e-3);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama", "llama3", "qwen3", "phi3", "gemma3"})
    void greedyGenerationWithThinkingEqualsDjlTokenForTokenOnTwentyPrompts(String arch) throws Exception {
        Path ckpt = checkpoint(arch, 12);
        GenerationOptions options = GenerationOptions.defaults(16);
        try (DjlReasoner djl = DjlReasoner.open(ckpt, Device.cpu());
                OnnxReasoner onnx = OnnxReasoner.open(exported(ckpt))) {
            for (String prompt : PROMPTS) {
                GenerationResult a = djl.generate(prompt, options);
                GenerationResult b = onnx.generate(prompt, options);
                assertThat(b.tokenIds()).as("tokens after '%s'", prompt).isEqualTo(a.tokenIds());
                assertThat(b.text()).isEqualTo(a.text());
                assertThat(a.traces()).isNotEmpty();
                for (int t = 0; t < a.traces().size(); t++) {
                    assertThat(b.traces().get(t).thoughtIds()).as("thought %d after '%s'", t, prompt)
                            .isEqualTo(a.traces().get(t).thoughtIds());
                    assertThat(b.traces().get(t).mixingWeight()).isCloseTo(a.traces().get(t).mixingWeight(),
                            org.assertj.core.data.Offset.offset(TOLERANCE));
                }
            }
            List<GenerationResult> batchA = djl.generateBatch(PROMPTS.subList(0, 4), options);
            List<GenerationResult> batchB = onnx.generateBatch(PROMPTS.subList(0, 4), options);
            for (int i = 0; i < 4; i++) {
                assertThat(batchB.get(i).tokenIds()).as("batch row %d", i).isEqualTo(batchA.get(i).tokenIds());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama", "llama3", "qwen3", "phi3", "gemma3"})
    void scoresWithGreedyThoughtsEqualDjlsParallelScores(String arch) throws Exception {
        Path ckpt = checkpoint(arch, 13);
        try (DjlReasoner djl = DjlReasoner.open(ckpt, Device.cpu());
                OnnxReasoner onnx = OnnxReasoner.open(exported(ckpt))) {
            TextScore a = djl.score("Once upon a time", ThoughtSampling.GREEDY, 0);
            TextScore b = onnx.score("Once upon a time", ThoughtSampling.GREEDY, 0);
            assertThat(b.tokenIds()).isEqualTo(a.tokenIds());
            assertThat(b.thoughts()).isEqualTo(a.thoughts());
            for (int i = 0; i < a.tokenIds().size(); i++) {
                assertThat(b.baseLogProbs().get(i)).isCloseTo(a.baseLogProbs().get(i),
                        org.assertj.core.data.Offset.offset(TOLERANCE));
                assertThat(b.thinkLogProbs().get(i)).isCloseTo(a.thinkLogProbs().get(i),
                        org.assertj.core.data.Offset.offset(TOLERANCE));
                assertThat(b.mixingWeights().get(i)).isCloseTo(a.mixingWeights().get(i),
                        org.assertj.core.data.Offset.offset(TOLERANCE));
            }
        }
    }
}
