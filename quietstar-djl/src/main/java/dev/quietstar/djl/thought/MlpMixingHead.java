package dev.quietstar.djl.thought;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.quietstar.api.MixingHead;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The Quiet-STaR mixing head: an MLP on concat[h_base, h_thought] with layers 2H to H, ReLU, H to H, ReLU, H to 1
 * (no bias, no sigmoid) whose output w mixes the hidden states before lm_head (the paper's section 4.2).
 *
 * <p>The last layer starts at exactly zero, so an untrained head gives w = 0 and the model starts identical to the
 * base model. The first two layers start as PyTorch's {@code nn.Linear} does: uniform in +-1/sqrt(fan_in).
 * Weights are in torch {@code Linear} layout (out x in), named {@code quietstar.mixing_head.{0,2,4}.*}.
 *
 * <p>Thread safety: {@link #weight} and {@link #mix} only read the parameters.
 */
public final class MlpMixingHead implements MixingHead<NDArray> {

    /** Prefix of the head's tensor names. */
    public static final String PREFIX = "quietstar.mixing_head.";

    private final Map<String, Parameter> parameters = new LinkedHashMap<>();

    private MlpMixingHead() {}

    /**
     * The expected tensor shapes for width H.
     *
     * @param hidden H
     * @return name to shape
     */
    public static Map<String, Shape> shapes(int hidden) {
        Map<String, Shape> m = new LinkedHashMap<>();
        m.put(PREFIX + "0.weight", new Shape(hidden, 2L * hidden));
        m.put(PREFIX + "0.bias", new Shape(hidden));
        m.put(PREFIX + "2.weight", new Shape(hidden, hidden));
        m.put(PREFIX + "2.bias", new Shape(hidden));
        m.put(PREFIX + "4.weight", new Shape(1, hidden));
        return m;
    }

    /**
     * A new head with seeded initialisation and a zero last layer.
     *
     * @param manager owner of the parameters
     * @param hidden H
     * @param seed seed
     * @return the head
     */
    public static MlpMixingHead initialise(NDManager manager, int hidden, long seed) {
        MlpMixingHead head = new MlpMixingHead();
        SplittableRandom rng = new SplittableRandom(seed);
        for (Map.Entry<String, Shape> e : shapes(hidden).entrySet()) {
            float[] data = new float[Math.toIntExact(e.getValue().size())];
            if (!e.getKey().startsWith(PREFIX + "4.")) {
                double bound = 1.0 / Math.sqrt(e.getKey().startsWith(PREFIX + "0.") ? 2.0 * hidden : hidden);
                for (int i = 0; i < data.length; i++) {
                    data[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
                }
            }
            head.put(e.getKey(), manager.create(data, e.getValue()));
        }
        return head;
    }

    /**
     * Restores a head from stored tensors.
     *
     * @param manager owner of the parameters
     * @param hidden H
     * @param tensors tensors by name (other names are ignored)
     * @return the head
     * @throws IllegalArgumentException naming a missing tensor or a wrong shape
     */
    public static MlpMixingHead restore(NDManager manager, int hidden, Map<String, NDArray> tensors) {
        MlpMixingHead head = new MlpMixingHead();
        for (Map.Entry<String, Shape> e : shapes(hidden).entrySet()) {
            NDArray a = tensors.get(e.getKey());
            if (a == null) {
                throw new IllegalArgumentException("checkpoint is missing tensor '" + e.getKey() + "' with shape "
                        + e.getValue());
            }
            if (!a.getShape().equals(e.getValue())) {
                throw new IllegalArgumentException("tensor '" + e.getKey() + "' has shape " + a.getShape()
                        + ", expected " + e.getValue());
            }
            head.put(e.getKey(), manager.create(a.toType(DataType.FLOAT32, false).toFloatArray(), e.getValue()));
        }
        return head;
    }

    private void put(String name, NDArray a) {
        a.setName(name);
        Parameter p = Parameter.builder().setName(name)
                .setType(name.endsWith(".bias") ? Parameter.Type.BIAS : Parameter.Type.WEIGHT).build();
        p.setArray(a);
        parameters.put(name, p);
    }

    /**
     * The head's parameters by name.
     *
     * @return the parameters, in layer order
     */
    public Map<String, Parameter> parameters() {
        return java.util.Collections.unmodifiableMap(parameters);
    }

    /** {@inheritDoc} */
    @Override
    public NDArray weight(NDArray baseHidden, NDArray thoughtHidden) {
        NDManager scope = baseHidden.getManager();
        NDArray x = NDArrays.concat(new NDList(baseHidden, thoughtHidden), -1);
        x = linear(x, "0", true, scope);
        x = ai.djl.nn.Activation.relu(x);
        x = linear(x, "2", true, scope);
        x = ai.djl.nn.Activation.relu(x);
        return linear(x, "4", false, scope);
    }

    /** {@inheritDoc} */
    @Override
    public NDArray mix(NDArray baseHidden, NDArray thoughtHidden, NDArray weight) {
        return baseHidden.add(thoughtHidden.sub(baseHidden).mul(weight));
    }

    private NDArray linear(NDArray x, String layer, boolean bias, NDManager scope) {
        NDArray wt = parameters.get(PREFIX + layer + ".weight").getArray().transpose();
        wt.attach(scope);
        NDArray y = x.matMul(wt);
        return bias ? y.add(parameters.get(PREFIX + layer + ".bias").getArray()) : y;
    }
}
