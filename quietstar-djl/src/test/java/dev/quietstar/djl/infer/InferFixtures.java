package dev.quietstar.djl.infer;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.core.text.ByteTokenizer;
import dev.quietstar.djl.model.CausalDecoder;
import dev.quietstar.djl.model.DecoderConfig;
import dev.quietstar.djl.thought.MlpMixingHead;
import dev.quietstar.djl.thought.QuietStarModel;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/** Tiny byte-level Quiet-STaR models for the inference tests. */
final class InferFixtures {

    private InferFixtures() {}

    /**
     * A 2-layer, width-32 GPT-2 with every tensor drawn at random (peaked enough that greedy choices are clear), its
     * end-of-text row zeroed so greedy generations run to their token budget.
     *
     * @param seed weights seed
     * @param thoughtLength sampled tokens per thought
     * @param maxPositions context length
     * @param randomHead whether the mixing head's last layer gets random values (else it stays at zero, w = 0)
     * @return the model
     */
    static QuietStarModel model(long seed, int thoughtLength, int maxPositions, boolean randomHead) {
        DecoderConfig config = DecoderConfig.gpt2(ByteTokenizer.VOCAB_SIZE, 32, 2, 4, maxPositions);
        CausalDecoder decoder;
        try (CausalDecoder shapes = CausalDecoder.random(config, Device.cpu(), 0);
                NDManager tmp = NDManager.newBaseManager(Device.cpu())) {
            SplittableRandom rng = new SplittableRandom(seed);
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            for (Map.Entry<String, Shape> e : shapes.expectedShapes().entrySet()) {
                float[] d = new float[Math.toIntExact(e.getValue().size())];
                boolean norm = e.getKey().contains("ln_");
                for (int i = 0; i < d.length; i++) {
                    double u = rng.nextDouble() * 2 - 1;
                    d[i] = (float) (norm && e.getKey().endsWith(".weight") ? 1 + 0.2 * u : 0.3 * u);
                }
                if (e.getKey().endsWith("wte.weight")) {
                    java.util.Arrays.fill(d, ByteTokenizer.EOS * 32, (ByteTokenizer.EOS + 1) * 32, 0f);
                }
                tensors.put(e.getKey(), tmp.create(d, e.getValue()));
            }
            decoder = CausalDecoder.fromTensors(config, Device.cpu(), tensors);
        }
        QuietStarModel model = QuietStarModel.create(decoder, ByteTokenizer.instance(),
                QuietStarConfig.official().withShape(thoughtLength, 2, 1, 32), seed);
        if (randomHead) {
            randomiseHead(model, seed + 1);
        }
        return model;
    }

    /**
     * Gives the mixing head's last layer random values so that w is not zero.
     *
     * @param model the model
     * @param seed seed
     */
    static void randomiseHead(QuietStarModel model, long seed) {
        NDArray last = model.mixingHead().parameters().get(MlpMixingHead.PREFIX + "4.weight").getArray();
        SplittableRandom rng = new SplittableRandom(seed);
        float[] d = new float[Math.toIntExact(last.size())];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) ((rng.nextDouble() * 2 - 1) * 0.5);
        }
        last.set(d);
    }
}
