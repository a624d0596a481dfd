package dev.quietstar.examples.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.quietstar.api.GenerationOptions;
import dev.quietstar.api.GenerationResult;
import dev.quietstar.api.ThinkingPolicy;
import dev.quietstar.api.TokenTrace;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.core.gate.ThinkingGate;
import dev.quietstar.core.infer.DecoderStep;
import dev.quietstar.core.infer.SteppedReasoner;
import dev.quietstar.core.infer.TextScorer;
import dev.quietstar.core.infer.ThinkThenTalk;
import dev.quietstar.core.text.ByteTokenizer;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.infer.DjlReasoner;
import dev.quietstar.djl.model.CausalDecoder;
import dev.quietstar.djl.model.DecoderConfig;
import dev.quietstar.djl.thought.MlpMixingHead;
import dev.quietstar.djl.thought.QuietStarModel;
import dev.quietstar.onnx.export.OnnxExporter;
import dev.quietstar.onnx.infer.OnnxReasoner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The adaptive thinking policy on both backends: the same gate file, the same decisions, the same tokens; the
 * threshold's limits equal always and never; the number of thoughts is the number of positions whose predicted gain
 * exceeds the threshold.
 */
class AdaptiveThinkingParityTest {

    private static final List<String> PROMPTS = List.of("The cat", "Once upon a time", "1 + 2 = ", "Q: 3*4\nA: ",
            "abc", "It was a dark and", "Alice and Bob", "tick tock");
    private static final int H = 32;

    @TempDir
    static Path tmp;

    private static Path checkpoint;
    private static Path export;

    @BeforeAll
    static void models() throws Exception {
        DjlEngines.pytorch();
        checkpoint = tmp.resolve("gated");
        DecoderConfig config = DecoderConfig.gpt2(ByteTokenizer.VOCAB_SIZE, H, 2, 4, 256);
        CausalDecoder decoder;
        try (CausalDecoder shapes = CausalDecoder.random(config, Device.cpu(), 0);
                NDManager m = NDManager.newBaseManager(Device.cpu())) {
            SplittableRandom rng = new SplittableRandom(21);
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            for (Map.Entry<String, Shape> e : shapes.expectedShapes().entrySet()) {
                float[] d = new float[Math.toIntExact(e.getValue().size())];
                boolean norm = e.getKey().contains("ln_");
                for (int i = 0; i < d.length; i++) {
                    double u = rng.nextDouble() * 2 - 1;
                    d[i] = (float) (norm && e.getKey().endsWith(".weight") ? 1 + 0.2 * u : 0.3 * u);
                }
                tensors.put(e.getKey(), m.create(d, e.getValue()));
            }
            decoder = CausalDecoder.fromTensors(config, Device.cpu(), tensors);
        }
        try (QuietStarModel model = QuietStarModel.create(decoder, ByteTokenizer.instance(),
                QuietStarConfig.official().withShape(3, 2, 1, 32), 21)) {
            NDArray last = model.mixingHead().parameters().get(MlpMixingHead.PREFIX + "4.weight").getArray();
            SplittableRandom rng = new SplittableRandom(22);
            float[] d = new float[Math.toIntExact(last.size())];
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) ((rng.nextDouble() * 2 - 1) * 0.5);
            }
            last.set(d);
            float[] w = new float[H + ThinkingGate.DISTRIBUTION_FEATURES];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) rng.nextGaussian();
            }
            model.setThinkingGate(new ThinkingGate(H, w, 0.1f, 0, Double.NaN, Double.NaN));
            model.save(checkpoint, null);
        }
        export = tmp.resolve("gated-onnx");
        OnnxExporter.builder().setCheckpoint(checkpoint).setOutput(export).build().export();
    }

    private static long thoughts(GenerationResult r) {
        return r.traces().stream().filter(t -> !t.thoughtIds().isEmpty()).count();
    }

    @Test
    void theExportCarriesTheGateBitForBit() {
        assertThat(Files.isRegularFile(export.resolve(ThinkingGate.FILE))).isTrue();
        assertThat(ThinkingGate.read(export)).isEqualTo(ThinkingGate.read(checkpoint));
        try (QuietStarModel model = QuietStarModel.load(checkpoint, Device.cpu())) {
            assertThat(model.thinkingGate()).isEqualTo(ThinkingGate.read(checkpoint));
        }
    }

    @Test
    void djlAndOnnxTakeTheSameAdaptiveDecisions() {
        GenerationOptions options = GenerationOptions.defaults(12).withThinking(ThinkingPolicy.adaptive(0.0));
        long total = 0;
        long thinking = 0;
        try (DjlReasoner djl = DjlReasoner.open(checkpoint, Device.cpu()); OnnxReasoner onnx = OnnxReasoner.open(export)) {
            for (String prompt : PROMPTS) {
                GenerationResult a = djl.generate(prompt, options);
                GenerationResult b = onnx.generate(prompt, options);
                assertThat(b.tokenIds()).as("tokens after '%s'", prompt).isEqualTo(a.tokenIds());
                for (int t = 0; t < a.traces().size(); t++) {
                    assertThat(b.traces().get(t).thoughtIds()).as("thought %d after '%s'", t, prompt)
                            .isEqualTo(a.traces().get(t).thoughtIds());
                }
                total += a.traces().size();
                thinking += thoughts(a);
            }
        }
        assertThat(thinking).as("the gate thinks at some positions, not all").isBetween(1L, total - 1);
    }

    @Test
    void thresholdLimitsEqualAlwaysAndNeverAndThoughtsAreCountedPerPrediction() {
        try (DjlReasoner djl = DjlReasoner.open(checkpoint, Device.cpu()); OnnxReasoner onnx = OnnxReasoner.open(export)) {
            GenerationOptions base = GenerationOptions.defaults(10);
            int checked = 0;
            for (String prompt : PROMPTS.subList(0, 4)) {
                for (var reasoner : List.<dev.quietstar.api.Reasoner>of(djl, onnx)) {
                    GenerationResult every = reasoner.generate(prompt, base);
                    GenerationResult always = reasoner.generate(prompt,
                            base.withThinking(ThinkingPolicy.adaptive(Double.NEGATIVE_INFINITY)));
                    assertThat(always.tokenIds()).isEqualTo(every.tokenIds());
                    assertThat(thoughts(always)).isEqualTo(always.traces().size());
                    GenerationResult never = reasoner.generate(prompt, base.withThinking(ThinkingPolicy.never()));
                    GenerationResult none = reasoner.generate(prompt,
                            base.withThinking(ThinkingPolicy.adaptive(Double.POSITIVE_INFINITY)));
                    assertThat(none.tokenIds()).isEqualTo(never.tokenIds());
                    assertThat(thoughts(none)).isZero();
                }
                // Each decision follows the gate's prediction before that token.
                double threshold = 0.0;
                GenerationResult r = djl.generate(prompt, base.withThinking(ThinkingPolicy.adaptive(threshold)));
                String generated = prompt + r.text();
                double[] gains = djl.withStep(new SteppedReasoner.StepTask<double[]>() {
                    @Override
                    public <C> double[] run(DecoderStep<C> step, ThinkThenTalk loop) {
                        return new TextScorer(loop).predictedGains(step, generated);
                    }
                });
                int promptTokens = ByteTokenizer.instance().encode(prompt).length;
                // Random weights emit arbitrary bytes; past the first one that does not survive decode + encode the
                // rescored text is not the generated sequence.
                int[] again = ByteTokenizer.instance().encode(prompt + r.text());
                int same = 0;
                while (same < r.tokenIds().size() && promptTokens + same < again.length
                        && again[promptTokens + same] == r.tokenIds().get(same)) {
                    same++;
                }
                for (int t = 0; t < Math.min(r.traces().size(), same); t++) {
                    TokenTrace trace = r.traces().get(t);
                    double gain = gains[promptTokens + t]; // gains[i] follows ids[i]; ids[0] is the document start
                    if (Math.abs(gain - threshold) < 1e-3) {
                        continue; // too close to call across the cached and the parallel forward
                    }
                    assertThat(trace.thoughtIds().isEmpty()).as("token %d after '%s', gain %s", t, prompt, gain)
                            .isEqualTo(gain <= threshold);
                    checked++;
                }
            }
            assertThat(checked).isPositive();
        }
    }

    @Test
    void aModelWithoutAGateRefusesTheAdaptivePolicyOnBothBackends() throws Exception {
        Path plain = tmp.resolve("plain");
        Path plainExport = tmp.resolve("plain-onnx");
        try (QuietStarModel model = QuietStarModel.load(checkpoint, Device.cpu())) {
            model.setThinkingGate(null);
            model.save(plain, null);
        }
        OnnxExporter.builder().setCheckpoint(plain).setOutput(plainExport).build().export();
        assertThat(Files.exists(plainExport.resolve(ThinkingGate.FILE))).isFalse();
        GenerationOptions options = GenerationOptions.defaults(4).withThinking(ThinkingPolicy.adaptive(0.1));
        try (DjlReasoner djl = DjlReasoner.open(plain, Device.cpu());
                OnnxReasoner onnx = OnnxReasoner.open(plainExport)) {
            for (var reasoner : List.<dev.quietstar.api.Reasoner>of(djl, onnx)) {
                assertThatThrownBy(() -> reasoner.generate("abc", options))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("thinking gate")
                        .hasMessageContaining(ThinkingGate.FILE).hasMessageContaining("gate.enabled");
                assertThat(reasoner.generate("abc", GenerationOptions.defaults(4)).tokenIds()).hasSize(4);
            }
        }
    }
}
