package dev.quietstar.djl.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.quietstar.core.testing.ReferenceDecoder;
import dev.quietstar.core.testing.TinyHfFolders;
import dev.quietstar.djl.DjlEngines;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The DJL decoder against core's scalar reference (written from the transformers modeling code) on a tiny random
 * HuggingFace folder of every supported architecture: the logits of every position, computed at once and one token
 * at a time on the key/value cache, and a greedy continuation.
 */
class ReferenceParityTest {

    static final double TOLERANCE = 1e-4;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void engine() {
        DjlEngines.pytorch();
    }

    static java.util.List<String> architectures() {
        return TinyHfFolders.ARCHITECTURES;
    }

    /** Random byte ids, as long as the model's window allows with {@code extra} generated tokens after them. */
    static int[] prompt(ReferenceDecoder ref, long seed, int extra) {
        SplittableRandom rng = new SplittableRandom(seed);
        int n = Math.min(20, ref.spec().maxPositions() - extra);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = rng.nextInt(256);
        }
        return ids;
    }

    static double maxAbsDiff(double[] want, float[] got, int offset) {
        double d = 0;
        for (int i = 0; i < want.length; i++) {
            d = Math.max(d, Math.abs(want[i] - got[offset + i]));
        }
        return d;
    }

    @ParameterizedTest
    @MethodSource("architectures")
    void logitsCachedAndUncachedAndGreedyTokensEqualTheReference(String arch) throws Exception {
        Path folder = TinyHfFolders.write(tmp.resolve(arch), arch, 31);
        ReferenceDecoder ref = ReferenceDecoder.read(folder);
        int steps = 10;
        int[] ids = prompt(ref, 3, steps);
        int n = ids.length;
        double[][] want = ref.logits(ids);
        int v = ref.spec().vocabSize();
        try (CausalDecoder d = HuggingFaceModels.load(folder, Device.cpu());
                NDManager m = NDManager.newBaseManager(Device.cpu())) {
            long[] all = Arrays.stream(ids).asLongStream().toArray();
            float[] full = d.logits(d.forward(m.create(all, new Shape(1, n)), null).hidden()).toFloatArray();
            double uncached = 0;
            for (int t = 0; t < n; t++) {
                uncached = Math.max(uncached, maxAbsDiff(want[t], full, t * v));
            }
            // the first four tokens at once, then one at a time on the cache
            DecoderOutput out = d.forward(m.create(Arrays.copyOf(all, 4), new Shape(1, 4)), null);
            float[] first = d.logits(out.hidden()).toFloatArray();
            double cached = 0;
            for (int t = 0; t < 4; t++) {
                cached = Math.max(cached, maxAbsDiff(want[t], first, t * v));
            }
            KvCache cache = out.cache();
            for (int t = 4; t < n; t++) {
                out = d.forward(m.create(new long[] {all[t]}, new Shape(1, 1)), cache);
                cache = out.cache();
                cached = Math.max(cached, maxAbsDiff(want[t], d.logits(out.hidden()).toFloatArray(), 0));
            }
            // greedy continuation on the cache
            int[] refTokens = ref.greedy(ids, steps);
            int[] djlTokens = new int[steps];
            NDArray last = d.logits(out.hidden().get(":, -1, :"));
            for (int s = 0; s < steps; s++) {
                djlTokens[s] = (int) last.argMax(-1).getLong(0);
                if (s == steps - 1) {
                    break;
                }
                out = d.forward(m.create(new long[] {djlTokens[s]}, new Shape(1, 1)), out.cache());
                last = d.logits(out.hidden().get(":, -1, :"));
            }
            System.out.printf("reference parity djl %-12s max |diff| uncached %.2e cached %.2e%n", arch, uncached,
                    cached);
            assertThat(uncached).as("uncached logits, %s", arch).isLessThan(TOLERANCE);
            assertThat(cached).as("cached logits, %s", arch).isLessThan(TOLERANCE);
            assertThat(djlTokens).as("greedy tokens, %s", arch).containsExactly(refTokens);
        }
    }

    /**
     * Weights the decoder would not use were dropped without a word (a Llama's o_proj.bias was, before the bias was
     * implemented): a folder whose tensors are not the ones its config.json describes is refused, naming one.
     */
    @org.junit.jupiter.api.Test
    void aTensorTheDecoderWouldNotUseIsRefusedByName() throws Exception {
        Path folder = TinyHfFolders.write(tmp.resolve("biased"), "llama", 5);
        var config = TinyHfFolders.config("llama").put("attention_bias", false);
        java.nio.file.Files.writeString(folder.resolve("config.json"), config.toString());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> HuggingFaceModels.load(folder, Device.cpu()))
                .hasMessageContaining("_proj.bias")
                .hasMessageContaining("not part of the llama decoder");
    }
}
