package dev.quietstar.djl.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.quietstar.core.checkpoint.DecoderSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Makes the tiny decoder fixtures checked into {@code src/test/resources/fixtures}: every tensor (biases and norm
 * weights included) drawn at random so the reference comparison exercises all of them.
 *
 * <p>Regenerate with {@code mvn -pl quietstar-djl test-compile exec:java} or by running {@link #main} from an IDE
 * with the fixtures folder as argument, then run {@code reference_decoder.py gpt2-tiny qwen2-tiny > golden.json}.
 */
public final class TinyFixtures {

    private TinyFixtures() {}

    /** The GPT-2 fixture's shape. */
    static DecoderConfig gpt2() {
        return DecoderConfig.gpt2(64, 16, 2, 4, 32);
    }

    /** The Qwen2-style fixture: grouped-query attention, qkv bias, untied lm_head. */
    static DecoderConfig qwen2() {
        return new DecoderConfig(new DecoderSpec(true, "qwen2", 64, 16, 2, 4, 2, 4, 40, 32, 10000.0, 1e-6, false,
                true));
    }

    /**
     * A decoder whose every tensor is random (norm weights around 1).
     *
     * @param config shape
     * @param seed seed
     * @return the decoder
     */
    static CausalDecoder noisy(DecoderConfig config, long seed) {
        try (CausalDecoder shapes = CausalDecoder.random(config, Device.cpu(), 0);
                NDManager tmp = NDManager.newBaseManager(Device.cpu())) {
            SplittableRandom rng = new SplittableRandom(seed);
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            for (Map.Entry<String, Shape> e : shapes.expectedShapes().entrySet()) {
                float[] d = new float[Math.toIntExact(e.getValue().size())];
                boolean norm = e.getKey().contains("norm") || e.getKey().contains("ln_");
                for (int i = 0; i < d.length; i++) {
                    double u = rng.nextDouble() * 2 - 1;
                    d[i] = (float) (norm && e.getKey().endsWith(".weight") ? 1 + 0.2 * u : 0.3 * u);
                }
                tensors.put(e.getKey(), tmp.create(d, e.getValue()));
            }
            return CausalDecoder.fromTensors(config, Device.cpu(), tensors);
        }
    }

    /**
     * Writes both fixtures.
     *
     * @param args the fixtures folder
     * @throws Exception on I/O errors
     */
    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        for (Map.Entry<String, DecoderConfig> e : Map.of("gpt2-tiny", gpt2(), "qwen2-tiny", qwen2()).entrySet()) {
            Path dir = Files.createDirectories(root.resolve(e.getKey()));
            try (CausalDecoder d = noisy(e.getValue(), 7)) {
                HuggingFaceModels.write(d, dir, Map.of());
            }
        }
    }
}
