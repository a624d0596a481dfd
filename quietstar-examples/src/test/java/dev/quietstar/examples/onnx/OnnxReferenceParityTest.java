package dev.quietstar.examples.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.core.infer.DecoderStep;
import dev.quietstar.core.infer.ThinkThenTalk;
import dev.quietstar.core.testing.ReferenceDecoder;
import dev.quietstar.core.testing.TinyHfFolders;
import dev.quietstar.core.text.ByteTokenizer;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.model.HuggingFaceModels;
import dev.quietstar.djl.thought.QuietStarModel;
import dev.quietstar.onnx.export.OnnxExporter;
import dev.quietstar.onnx.infer.OnnxDecoderStep;
import dev.quietstar.onnx.infer.OnnxReasoner;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The ONNX export against core's scalar reference (written from the transformers modeling code) on a tiny random
 * HuggingFace folder of every supported architecture, made a Quiet-STaR checkpoint and exported: the logits of every
 * position, computed at once and one token at a time on the exported key/value cache, and a greedy continuation.
 */
class OnnxReferenceParityTest {

    private static final double TOLERANCE = 1e-4;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void engines() {
        DjlEngines.pytorch();
    }

    static List<String> architectures() {
        return TinyHfFolders.ARCHITECTURES;
    }

    /** The folder as a Quiet-STaR checkpoint (the byte tokenizer already holds the meta-tokens), exported. */
    private static Path export(Path hf, String arch) throws Exception {
        Path ckpt = tmp.resolve(arch + "-ckpt");
        try (QuietStarModel model = QuietStarModel.create(HuggingFaceModels.load(hf, Device.cpu()),
                ByteTokenizer.instance(), QuietStarConfig.official().withShape(3, 2, 1, 8), 1)) {
            model.save(ckpt, null);
        }
        Path out = tmp.resolve(arch + "-onnx");
        OnnxExporter.builder().setCheckpoint(ckpt).setOutput(out).build().export();
        return out;
    }

    private static double maxAbsDiff(double[] want, float[] got, int offset) {
        double d = 0;
        for (int i = 0; i < want.length; i++) {
            d = Math.max(d, Math.abs(want[i] - got[offset + i]));
        }
        return d;
    }

    private static int argMax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    @ParameterizedTest
    @MethodSource("architectures")
    void exportedLogitsCachedAndUncachedAndGreedyTokensEqualTheReference(String arch) throws Exception {
        Path hf = TinyHfFolders.write(tmp.resolve(arch), arch, 41);
        ReferenceDecoder ref = ReferenceDecoder.read(hf);
        int steps = 10;
        int n = Math.min(20, ref.spec().maxPositions() - steps);
        SplittableRandom rng = new SplittableRandom(9);
        int[] ids = new int[n];
        long[] all = new long[n];
        long[] pos = new long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = rng.nextInt(256);
            all[i] = ids[i];
            pos[i] = i;
        }
        double[][] want = ref.logits(ids);
        int v = ref.spec().vocabSize();
        try (OnnxReasoner onnx = OnnxReasoner.open(export(hf, arch))) {
            OnnxDecoderStep step = new OnnxDecoderStep(onnx.model());
            boolean[][] valid = new boolean[1][n];
            java.util.Arrays.fill(valid[0], true);
            DecoderStep.Output<OnnxDecoderStep.Cache> whole = step.forwardAll(all, pos, 1, n,
                    ThinkThenTalk.causalWithPadding(valid, n), null);
            double uncached = 0;
            for (int t = 0; t < n; t++) {
                uncached = Math.max(uncached, maxAbsDiff(want[t], whole.logits(), t * v));
            }
            step.release(whole.cache());
            // the first four tokens at once, then one at a time on the cache
            boolean[][] four = {{true, true, true, true}};
            DecoderStep.Output<OnnxDecoderStep.Cache> out = step.forwardAll(java.util.Arrays.copyOf(all, 4),
                    java.util.Arrays.copyOf(pos, 4), 1, 4, ThinkThenTalk.causalWithPadding(four, 4), null);
            double cached = 0;
            for (int t = 0; t < 4; t++) {
                cached = Math.max(cached, maxAbsDiff(want[t], out.logits(), t * v));
            }
            for (int t = 4; t < n; t++) {
                DecoderStep.Output<OnnxDecoderStep.Cache> next = step.forward(new long[] {all[t]}, new long[] {t}, 1,
                        1, new float[t + 1], out.cache());
                step.release(out.cache());
                out = next;
                cached = Math.max(cached, maxAbsDiff(want[t], out.logits(), 0));
            }
            step.release(out.cache());
            // greedy: each step's arg-max fed back, compared with the reference's; never a meta-token, which the
            // export feeds as its learned vector (the reference would look its row up)
            int[] meta = {ByteTokenizer.START_OF_THOUGHT, ByteTokenizer.END_OF_THOUGHT};
            int[] refTokens = ref.greedy(ids, steps, meta);
            int[] ortTokens = new int[steps];
            out = step.forwardAll(all, pos, 1, n, ThinkThenTalk.causalWithPadding(valid, n), null);
            float[] last = java.util.Arrays.copyOfRange(out.logits(), (n - 1) * v, n * v);
            for (int s = 0; s < steps; s++) {
                for (int id : meta) {
                    last[id] = Float.NEGATIVE_INFINITY;
                }
                ortTokens[s] = argMax(last);
                if (s == steps - 1) {
                    break;
                }
                DecoderStep.Output<OnnxDecoderStep.Cache> next = step.forward(new long[] {ortTokens[s]},
                        new long[] {n + s}, 1, 1, new float[n + s + 1], out.cache());
                step.release(out.cache());
                out = next;
                last = out.logits();
            }
            step.release(out.cache());
            System.out.printf("reference parity onnx %-12s max |diff| uncached %.2e cached %.2e%n", arch, uncached,
                    cached);
            assertThat(uncached).as("uncached logits, %s", arch).isLessThan(TOLERANCE);
            assertThat(cached).as("cached logits, %s", arch).isLessThan(TOLERANCE);
            assertThat(ortTokens).as("greedy tokens, %s", arch).containsExactly(refTokens);
        }
    }
}
