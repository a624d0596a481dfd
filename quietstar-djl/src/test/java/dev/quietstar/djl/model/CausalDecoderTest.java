package dev.quietstar.djl.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quietstar.djl.DjlEngines;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CausalDecoderTest {

    @TempDir
    Path dir;

    private NDManager m;

    @BeforeAll
    static void engine() {
        DjlEngines.pytorch();
    }

    @BeforeEach
    void manager() {
        m = NDManager.newBaseManager(Device.cpu());
    }

    @AfterEach
    void close() {
        m.close();
    }

    private static Path fixture(String name) throws URISyntaxException {
        return Path.of(CausalDecoderTest.class.getResource("/fixtures/" + name).toURI());
    }

    private static DecoderConfig config(String arch) {
        return "gpt2".equals(arch) ? TinyFixtures.gpt2() : TinyFixtures.qwen2();
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "qwen2-tiny"})
    void logitsMatchTheIndependentNumpyReference(String name) throws Exception {
        JsonNode golden;
        try (InputStream in = getClass().getResourceAsStream("/fixtures/golden.json")) {
            golden = new ObjectMapper().readTree(in);
        }
        JsonNode ids = golden.get("token_ids").get(0);
        long[] tokens = new long[ids.size()];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = ids.get(i).asLong();
        }
        try (CausalDecoder d = HuggingFaceModels.load(fixture(name), Device.cpu())) {
            NDArray logits = d.logits(d.forward(m.create(tokens, new Shape(1, tokens.length)), null).hidden());
            float[] got = logits.toFloatArray();
            JsonNode want = golden.get(name).get(0);
            int v = d.config().vocabSize();
            double maxErr = 0;
            for (int t = 0; t < tokens.length; t++) {
                for (int k = 0; k < v; k++) {
                    maxErr = Math.max(maxErr, Math.abs(got[t * v + k] - want.get(t).get(k).asDouble()));
                }
            }
            assertThat(maxErr).isLessThan(1e-5);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama"})
    void savedAndReloadedModelGivesBitwiseIdenticalLogits(String arch) throws IOException {
        NDArray ids = m.create(new long[] {3, 1, 4, 1, 5, 9, 2, 6}, new Shape(2, 4));
        try (CausalDecoder d = TinyFixtures.noisy(config(arch), 11)) {
            HuggingFaceModels.write(d, dir, Map.of());
            try (CausalDecoder r = HuggingFaceModels.load(dir, Device.cpu())) {
                assertThat(r.config()).isEqualTo(d.config());
                float[] a = d.logits(d.forward(ids, null).hidden()).toFloatArray();
                float[] b = r.logits(r.forward(ids, null).hidden()).toFloatArray();
                assertThat(b).containsExactly(a);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama"})
    void cachedGreedyDecodeEqualsFullForwardAtEveryStep(String arch) {
        try (CausalDecoder d = TinyFixtures.noisy(config(arch), 5)) {
            List<Long> tokens = new ArrayList<>(List.of(7L, 3L, 12L));
            DecoderOutput out = d.forward(m.create(new long[] {7, 3, 12}, new Shape(1, 3)), null);
            NDArray last = d.logits(out.hidden().get(":, -1, :"));
            KvCache cache = out.cache();
            for (int step = 0; step < 20; step++) {
                long next = last.argMax(-1).getLong(0);
                tokens.add(next);
                long[] all = tokens.stream().mapToLong(Long::longValue).toArray();
                float[] full = d.logits(d.forward(m.create(all, new Shape(1, all.length)), null).hidden()
                        .get(":, -1, :")).toFloatArray();
                DecoderOutput o = d.forward(m.create(new long[] {next}, new Shape(1, 1)), cache);
                cache = o.cache();
                last = d.logits(o.hidden().get(":, -1, :"));
                float[] cached = last.toFloatArray();
                assertThat(cache.length()).isEqualTo(all.length);
                for (int k = 0; k < full.length; k++) {
                    assertThat((double) cached[k]).as("step %d logit %d", step, k).isCloseTo(full[k], within(1e-5));
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama"})
    void aMaskedKeyDoesNotInfluenceOtherPositions(String arch) {
        try (CausalDecoder d = TinyFixtures.noisy(config(arch), 9)) {
            long[] a = {4, 8, 15, 16, 23, 42};
            long[] b = a.clone();
            b[2] = 33; // the key we hide
            int l = a.length;
            float[] mask = Masks.causal(m, 1, l, 0).toFloatArray();
            for (int i = 0; i < l; i++) {
                if (i != 2) {
                    mask[i * l + 2] = CausalDecoder.MASKED;
                }
            }
            NDArray maskArr = m.create(mask, new Shape(1, 1, l, l));
            NDArray pos = m.arange(0, l).toType(DataType.INT64, false).reshape(1, l);
            float[] ha = d.forward(d.embed(m.create(a, new Shape(1, l))), pos, maskArr, null).hidden().toFloatArray();
            float[] hb = d.forward(d.embed(m.create(b, new Shape(1, l))), pos, maskArr, null).hidden().toFloatArray();
            int h = d.config().hiddenSize();
            for (int i = 0; i < l; i++) {
                for (int k = 0; k < h; k++) {
                    if (i == 2) {
                        continue;
                    }
                    assertThat(hb[i * h + k]).isEqualTo(ha[i * h + k]);
                }
            }
            // and the token itself still matters where it is visible: position 2's output changes
            assertThat(hb[2 * h]).isNotEqualTo(ha[2 * h]);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama"})
    void positionIdsOffsetByKGiveTheOutputAtThoseAbsolutePositions(String arch) {
        try (CausalDecoder d = TinyFixtures.noisy(config(arch), 13)) {
            int k = 5;
            long[] tail = {9, 8, 7, 6};
            int n = tail.length;
            // A: only the tail, with position ids k..k+n-1
            NDArray posA = m.arange(k, k + n).toType(DataType.INT64, false).reshape(1, n);
            float[] ha = d.forward(d.embed(m.create(tail, new Shape(1, n))), posA, Masks.causal(m, 1, n, 0), null)
                    .hidden().toFloatArray();
            // B: k filler tokens first, hidden by the mask, then the tail at its absolute positions
            long[] full = new long[k + n];
            System.arraycopy(tail, 0, full, k, n);
            float[] mask = Masks.causal(m, 1, k + n, 0).toFloatArray();
            for (int i = k; i < k + n; i++) {
                for (int j = 0; j < k; j++) {
                    mask[i * (k + n) + j] = CausalDecoder.MASKED;
                }
            }
            NDArray posB = m.arange(0, k + n).toType(DataType.INT64, false).reshape(1, k + n);
            NDArray hb = d.forward(d.embed(m.create(full, new Shape(1, k + n))), posB,
                    m.create(mask, new Shape(1, 1, k + n, k + n)), null).hidden();
            float[] hbTail = hb.get(":, " + k + ":, :").toFloatArray();
            for (int i = 0; i < ha.length; i++) {
                assertThat((double) hbTail[i]).isCloseTo(ha[i], within(1e-5));
            }
            // Sanity for GPT-2's absolute positions: they matter, so the equality above is not trivial. (Rotary
            // positions are relative: a shift of every position leaves Llama's output unchanged by design.)
            if (d.config().architecture() != Architecture.GPT2) {
                return;
            }
            NDArray pos0 = m.arange(0, n).toType(DataType.INT64, false).reshape(1, n);
            float[] h0 = d.forward(d.embed(m.create(tail, new Shape(1, n))), pos0, Masks.causal(m, 1, n, 0), null)
                    .hidden().toFloatArray();
            assertThat(h0[0]).isNotEqualTo(ha[0]);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama"})
    void gradientsFlowThroughTheCacheAndAgreeWithFiniteDifferences(String arch) {
        try (CausalDecoder d = TinyFixtures.noisy(config(arch), 17)) {
            NDArray firstIds = m.create(new long[] {5, 6, 7}, new Shape(1, 3));
            NDArray firstEmb = d.embed(firstIds).duplicate();
            long[] second = {8, 9};
            int[] targets = {10, 11};
            firstEmb.setRequiresGradient(true);
            float[] grad;
            double loss0;
            try (GradientCollector gc = Engine.getEngine(DjlEngines.ENGINE).newGradientCollector()) {
                NDArray loss = secondCallLoss(d, firstEmb, second, targets);
                loss0 = loss.getFloat();
                gc.backward(loss);
                grad = firstEmb.getGradient().toFloatArray();
            }
            double norm = 0;
            for (float g : grad) {
                assertThat(Float.isFinite(g)).isTrue();
                norm += g * g;
            }
            assertThat(norm).as("gradient reaching the first call through the cache").isGreaterThan(1e-8);
            float[] base = firstEmb.stopGradient().toFloatArray();
            int[] probes = {0, 7, 20, 33, 47};
            double eps = 1e-2;
            for (int idx : probes) {
                float[] plus = base.clone();
                float[] minus = base.clone();
                plus[idx] += (float) eps;
                minus[idx] -= (float) eps;
                double lp = secondCallLoss(d, m.create(plus, firstEmb.getShape()), second, targets).getFloat();
                double lm = secondCallLoss(d, m.create(minus, firstEmb.getShape()), second, targets).getFloat();
                double fd = (lp - lm) / (2 * eps);
                assertThat(grad[idx]).as("d loss / d emb[%d] (loss %f)", idx, loss0)
                        .isCloseTo((float) fd, within((float) (2e-3 + 2e-2 * Math.abs(fd))));
            }
        }
    }

    /** NLL of targets predicted by a second call that sees the first call only through the cache. */
    private NDArray secondCallLoss(CausalDecoder d, NDArray firstEmb, long[] second, int[] targets) {
        NDArray pos1 = m.arange(0, 3).toType(DataType.INT64, false).reshape(1, 3);
        KvCache cache = d.forward(firstEmb, pos1, Masks.causal(m, 1, 3, 0), null).cache();
        NDArray ids = m.create(second, new Shape(1, second.length));
        NDArray pos2 = m.arange(3, 3 + second.length).toType(DataType.INT64, false).reshape(1, second.length);
        NDArray hidden = d.forward(d.embed(ids), pos2, Masks.causal(m, 1, second.length, 3), cache).hidden();
        NDArray logp = d.logits(hidden).logSoftmax(-1);
        NDArray picked = logp.gather(m.create(new long[] {targets[0], targets[1]}, new Shape(1, 2, 1)), 2);
        return picked.sum().neg();
    }

    @Test
    void badInputsGetClearErrors() throws IOException {
        try (CausalDecoder d = TinyFixtures.noisy(TinyFixtures.gpt2(), 1)) {
            assertThatThrownBy(() -> d.forward(m.create(new long[] {1, 64}, new Shape(1, 2)), null))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("token ids must be in 0..63").hasMessageContaining("64");
            assertThatThrownBy(() -> d.forward(m.create(new long[] {-1, 3}, new Shape(1, 2)), null))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("found -1");
            assertThatThrownBy(() -> d.forward(m.zeros(new Shape(1, 33), DataType.INT64), null))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("position ids must be in 0..31")
                    .hasMessageContaining("longer than the model's context");
            NDArray emb = d.embed(m.create(new long[] {1, 2, 3}, new Shape(1, 3)));
            NDArray pos = m.arange(0, 3).toType(DataType.INT64, false).reshape(1, 3);
            assertThatThrownBy(() -> d.forward(emb, pos, m.zeros(new Shape(1, 1, 3, 4)), null))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("attention mask must have shape")
                    .hasMessageContaining("(1, 1, 3, 3)");
            assertThatThrownBy(() -> d.forward(emb, pos.reshape(3, 1), Masks.causal(m, 1, 3, 0), null))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("position ids must have shape");
        }
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"gpt2\", \"n_embd\": 16, \"n_head\": 4,"
                + " \"n_layer\": 2, \"vocab_size\": 64}");
        assertThatThrownBy(() -> HuggingFaceModels.load(dir, Device.cpu()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("config.json: required field 'n_positions' is missing");
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"bert\"}");
        assertThatThrownBy(() -> HuggingFaceModels.readConfig(dir)).hasMessageContaining("model_type must be one of");
        assertThatThrownBy(() -> HuggingFaceModels.load(dir.resolve("nope"), Device.cpu()))
                .hasMessageContaining("does not exist");
    }

    @Test
    void truncatedOrMismatchedWeightsFailNamingTheTensorAndNeverHalfLoad() throws Exception {
        try (CausalDecoder d = TinyFixtures.noisy(TinyFixtures.gpt2(), 3)) {
            HuggingFaceModels.write(d, dir, Map.of());
        }
        Path weights = dir.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(weights);
        Files.write(weights, java.util.Arrays.copyOf(bytes, bytes.length - 100));
        assertThatThrownBy(() -> HuggingFaceModels.load(dir, Device.cpu()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("truncated").hasMessageContaining("tensor '");
        // A mismatched shape: a model of another width under the same config.json.
        try (CausalDecoder other = TinyFixtures.noisy(DecoderConfig.gpt2(64, 8, 2, 4, 32), 3)) {
            HuggingFaceModels.write(other, dir, Map.of());
        }
        Files.writeString(dir.resolve("config.json"), new ObjectMapper().writeValueAsString(
                TinyFixtures.gpt2().toHuggingFace()));
        assertThatThrownBy(() -> HuggingFaceModels.load(dir, Device.cpu()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tensor 'transformer.wte.weight' has shape (64, 8), expected (64, 16)");
    }

    @Test
    void namesWithoutPrefixLoadToo() throws Exception {
        try (CausalDecoder d = TinyFixtures.noisy(TinyFixtures.qwen2(), 4);
                NDManager tmp = NDManager.newBaseManager()) {
            java.util.Map<String, NDArray> stripped = new java.util.LinkedHashMap<>();
            d.parameters().forEach((k, v) -> stripped.put(k.replaceFirst("^model\\.", ""), v.getArray()));
            try (CausalDecoder r = CausalDecoder.fromTensors(d.config(), Device.cpu(), stripped)) {
                NDArray ids = tmp.create(new long[] {1, 2, 3}, new Shape(1, 3));
                assertThat(r.logits(r.forward(ids, null).hidden()).toFloatArray())
                        .containsExactly(d.logits(d.forward(ids, null).hidden()).toFloatArray());
            }
        }
    }
}
