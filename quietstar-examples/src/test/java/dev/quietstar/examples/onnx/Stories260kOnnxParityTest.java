package dev.quietstar.examples.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import dev.quietstar.api.GenerationOptions;
import dev.quietstar.api.GenerationResult;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.core.infer.DecoderStep;
import dev.quietstar.core.infer.ThinkThenTalk;
import dev.quietstar.core.llama2c.Stories260K;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.infer.DjlDecoderStep;
import dev.quietstar.djl.infer.DjlReasoner;
import dev.quietstar.djl.model.CausalDecoder;
import dev.quietstar.djl.model.HfTextTokenizer;
import dev.quietstar.djl.model.Llama2cImport;
import dev.quietstar.djl.thought.MlpMixingHead;
import dev.quietstar.djl.thought.QuietStarModel;
import dev.quietstar.onnx.export.OnnxExporter;
import dev.quietstar.onnx.infer.OnnxDecoderStep;
import dev.quietstar.onnx.infer.OnnxReasoner;
import dev.quietstar.onnx.infer.OnnxRuntimeSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ONNX backend against the DJL backend on the real shipped model: stories260K (Llama, 8 query heads over 4
 * key/value heads, width 64, 5 layers, SentencePiece vocabulary of 512 plus the two meta-tokens), equipped for
 * Quiet-STaR with a mixing head whose last layer is random so that thoughts change the predictions.
 */
class Stories260kOnnxParityTest {

    private static final double TOLERANCE = 1e-4;
    private static final List<String> PROMPTS = List.of("Once upon a time", "Lily and Tom", "The dog", "One day,",
            "She was happy", "There was a big", "The sun", "He saw a", "Mom said", "They played", "A little bird",
            "The cat was", "Tim had a", "In the park", "The girl", "It was", "Sue liked", "The boy ran", "Ben",
            "Look at the");

    @TempDir
    static Path tmp;
    private static Path checkpoint;
    private static Path exported;

    @BeforeAll
    static void equipAndExport() throws Exception {
        DjlEngines.pytorch();
        CausalDecoder decoder = Llama2cImport.loadDecoder(Stories260K.weights(), Device.cpu());
        HfTextTokenizer tok = Llama2cImport.loadTokenizer(Stories260K.tokenizer(), decoder.config().vocabSize());
        checkpoint = tmp.resolve("stories260k-quietstar");
        try (QuietStarModel model = QuietStarModel.create(decoder, tok,
                QuietStarConfig.official().withShape(4, 2, 1, 32), 3)) {
            NDArray last = model.mixingHead().parameters().get(MlpMixingHead.PREFIX + "4.weight").getArray();
            SplittableRandom rng = new SplittableRandom(4);
            float[] d = new float[Math.toIntExact(last.size())];
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) ((rng.nextDouble() * 2 - 1) * 0.5);
            }
            last.set(d);
            model.save(checkpoint, null);
        }
        exported = OnnxExporter.builder().setCheckpoint(checkpoint).setOutput(tmp.resolve("onnx")).build().export()
                .folder();
    }

    @Test
    void logitsAndMixedLogitsEqualDjlWithForcedThoughts() {
        try (QuietStarModel model = QuietStarModel.load(checkpoint, Device.cpu());
                DjlDecoderStep djl = new DjlDecoderStep(model);
                OnnxReasoner onnx = OnnxReasoner.open(exported, OnnxRuntimeSettings.defaults(), model.tokenizer())) {
            OnnxDecoderStep ort = new OnnxDecoderStep(onnx.model());
            assertThat(onnx.model().spec().kvHeads()).isEqualTo(4);
            SplittableRandom rng = new SplittableRandom(8);
            for (String prompt : PROMPTS.subList(0, 6)) {
                int[] ids = model.tokenizer().withDocumentStart(model.tokenizer().encode(prompt));
                long[] thought = {rng.nextInt(512), rng.nextInt(512), rng.nextInt(512), rng.nextInt(512)};
                float[][] a = forced(djl, ids, thought);
                float[][] b = forced(ort, ids, thought);
                String[] what = {"logits", "after-thought logits", "mixing weight", "mixed logits"};
                for (int k = 0; k < a.length; k++) {
                    assertThat(maxAbsDiff(a[k], b[k])).as("%s after '%s'", what[k], prompt).isLessThan(TOLERANCE);
                }
                assertThat((double) Math.abs(a[2][0])).as("the head is not at zero").isGreaterThan(1e-3);
            }
        }
    }

    @Test
    void greedyGenerationWithThinkingEqualsDjlTokenForTokenOnTwentyPrompts() {
        GenerationOptions options = GenerationOptions.defaults(12);
        try (DjlReasoner djl = DjlReasoner.open(checkpoint, Device.cpu());
                OnnxReasoner onnx = OnnxReasoner.open(exported, OnnxRuntimeSettings.defaults(),
                        djl.model().tokenizer())) {
            for (String prompt : PROMPTS) {
                GenerationResult a = djl.generate(prompt, options);
                GenerationResult b = onnx.generate(prompt, options);
                assertThat(a.tokenIds()).isNotEmpty();
                assertThat(b.tokenIds()).as("tokens after '%s'", prompt).isEqualTo(a.tokenIds());
                assertThat(b.text()).isEqualTo(a.text());
                for (int t = 0; t < a.traces().size(); t++) {
                    assertThat(b.traces().get(t).thoughtIds()).isEqualTo(a.traces().get(t).thoughtIds());
                }
            }
        }
    }

    /** {base logits, after-thought logits, w, mixed logits} of a forced thought after the prompt. */
    private static <C> float[][] forced(DecoderStep<C> step, int[] prompt, long[] thought) {
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
        long[] branch = new long[thought.length + 2];
        branch[0] = 512; // the start-of-thought id appended after the 512 SentencePiece ids
        System.arraycopy(thought, 0, branch, 1, thought.length);
        branch[branch.length - 1] = 513;
        DecoderStep.Output<C> out = base;
        for (int k = 0; k < branch.length; k++) {
            DecoderStep.Output<C> next = step.forward(new long[] {branch[k]}, new long[] {len + k}, 1, 1,
                    new float[len + k + 1], out.cache());
            if (out != base) {
                step.release(out.cache());
            }
            out = next;
        }
        DecoderStep.Mixing m = step.mix(base, out, 1);
        step.release(out.cache());
        step.release(base.cache());
        return new float[][] {base.logits(), out.logits(), m.weights(), m.mixedLogits()};
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }

    @Test
    void theExportFindsItsHuggingFaceTokenizerThroughTheLoaderOnTheClassPath() {
        // quietstar-djl's TokenizerLoader is on this class path, so no caller tokenizer is needed.
        try (QuietStarModel model = QuietStarModel.load(checkpoint, Device.cpu());
                OnnxReasoner onnx = OnnxReasoner.open(exported)) {
            String text = "Once upon a time, Lily saw a big red ball.";
            assertThat(onnx.generate(text, dev.quietstar.api.GenerationOptions.defaults(1)).prompt()).isEqualTo(text);
            assertThat(onnx.score(text).tokenIds()).isEqualTo(
                    java.util.Arrays.stream(model.tokenizer().encode(text)).boxed().toList());
        }
    }
}
