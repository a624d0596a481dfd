package dev.quietstar.djl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Seeded random weights for a decoder of any architecture (see {@link CausalDecoder#random}): normal with standard
 * deviation 0.02, norms at their identity scale, biases at 0, GPT-2's output projections scaled by
 * 1/sqrt(2 * layers) as in GPT-2.
 */
final class RandomWeights {

    private RandomWeights() {}

    /**
     * Every tensor the architecture needs, in its canonical order.
     *
     * @param config the architecture
     * @param manager owner of the arrays
     * @param seed initialisation seed
     * @return name to array
     */
    static Map<String, NDArray> of(DecoderConfig config, NDManager manager, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, Shape> e : DecoderLayout.expectedShapes(config).entrySet()) {
            String name = e.getKey();
            Shape shape = e.getValue();
            float[] data = new float[Math.toIntExact(shape.size())];
            if (name.endsWith("ln_1.weight") || name.endsWith("ln_2.weight") || name.endsWith("ln_f.weight")
                    || name.endsWith("layernorm.weight") || name.endsWith("norm.weight")) {
                // norms start as the identity scale: 1, or an offset of 0 where the norm multiplies by 1 + w
                Arrays.fill(data, 1f - config.spec().normWeightOffset());
            } else if (!name.endsWith(".bias")) {
                double std = 0.02;
                if (config.architecture() == Architecture.GPT2 && name.endsWith("c_proj.weight")) {
                    std /= Math.sqrt(2.0 * config.layers());
                }
                for (int i = 0; i < data.length; i++) {
                    data[i] = (float) (gaussian(rng) * std);
                }
            }
            out.put(name, manager.create(data, shape));
        }
        return out;
    }

    private static double gaussian(SplittableRandom rng) {
        double u1 = rng.nextDouble();
        double u2 = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }
}
