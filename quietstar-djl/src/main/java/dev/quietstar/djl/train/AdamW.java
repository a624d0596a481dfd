package dev.quietstar.djl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import dev.quietstar.api.config.OptimizerConfig;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW (Loshchilov and Hutter, 2019) with decoupled weight decay, exactly as PyTorch's {@code torch.optim.AdamW}:
 * m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; p = p (1 - lr wd); p = p - lr m_hat / (sqrt(v_hat) + eps) with
 * bias-corrected moments. Biases and normalisation weights are not decayed (as the HuggingFace trainer the official
 * implementation uses).
 *
 * <p>Its moments can be saved and restored, so a resumed run continues the same trajectory.
 */
public final class AdamW implements AutoCloseable {

    private final OptimizerConfig config;
    private final NDManager manager;
    private final Map<String, NDArray> firstMoments = new LinkedHashMap<>();
    private final Map<String, NDArray> secondMoments = new LinkedHashMap<>();
    private long step;

    /**
     * Creates the optimiser.
     *
     * @param config betas, epsilon and weight decay
     * @param parent manager under which the moments live
     */
    public AdamW(OptimizerConfig config, NDManager parent) {
        this.config = config;
        this.manager = parent.newSubManager();
    }

    /**
     * Whether a parameter is decayed: every weight but biases and normalisation weights.
     *
     * @param name the parameter's name
     * @return true when weight decay applies
     */
    public static boolean decays(String name) {
        return !(name.endsWith(".bias") || name.contains("norm") || name.contains(".ln_") || name.contains("ln_f."));
    }

    /**
     * Applies one update to every parameter that has a learning rate above zero, using the gradients PyTorch
     * accumulated, then clears those gradients.
     *
     * @param parameters parameters by name
     * @param learningRates learning rate per parameter name (0 freezes a parameter)
     * @param gradScale factor applied to every gradient first (the clipping factor)
     */
    public void update(Map<String, Parameter> parameters, Map<String, Double> learningRates, double gradScale) {
        step++;
        double b1 = config.beta1();
        double b2 = config.beta2();
        double c1 = 1 - Math.pow(b1, step);
        double c2 = 1 - Math.pow(b2, step);
        boolean previous = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDManager scope = manager.newSubManager()) {
            for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
                double lr = learningRates.getOrDefault(e.getKey(), 0.0);
                NDArray p = e.getValue().getArray();
                if (lr <= 0 || !p.hasGradient()) {
                    continue;
                }
                NDArray g = p.getGradient();
                g.attach(scope);
                NDArray grad = g.mul((float) gradScale);
                NDArray m = firstMoments.computeIfAbsent(e.getKey(), k -> zeros(p));
                NDArray v = secondMoments.computeIfAbsent(e.getKey(), k -> zeros(p));
                m.muli((float) b1).addi(grad.mul((float) (1 - b1)));
                v.muli((float) b2).addi(grad.mul(grad).mul((float) (1 - b2)));
                if (config.weightDecay() > 0 && decays(e.getKey())) {
                    p.muli((float) (1 - lr * config.weightDecay()));
                }
                NDArray denom = local(v.div((float) c2), scope).sqrt().add((float) config.epsilon());
                NDArray update = local(m.div((float) c1), scope).div(denom).mul((float) lr);
                p.subi(update);
                JniUtils.zeroGrad((ai.djl.pytorch.engine.PtNDArray) p);
            }
        } finally {
            JniUtils.setGradMode(previous);
        }
    }

    private NDArray zeros(NDArray like) {
        return manager.zeros(like.getShape(), DataType.FLOAT32);
    }

    private static NDArray local(NDArray a, NDManager scope) {
        a.attach(scope);
        return a;
    }

    /**
     * Number of updates applied so far (the bias-correction step t).
     *
     * @return the step
     */
    public long step() {
        return step;
    }

    /**
     * The moments as named tensors ({@code m.NAME}, {@code v.NAME}), for checkpoints, sorted by name so that the
     * file a checkpoint writes does not depend on the order in which the moments were created or restored.
     *
     * @return tensors by name
     */
    public Map<String, NDArray> state() {
        Map<String, NDArray> out = new java.util.TreeMap<>();
        firstMoments.forEach((k, v) -> out.put("m." + k, v));
        secondMoments.forEach((k, v) -> out.put("v." + k, v));
        return out;
    }

    /**
     * Restores moments saved by {@link #state()}.
     *
     * @param tensors tensors by name
     * @param restoredStep the update count they belong to
     * @param parameters the model's parameters, to check names and shapes
     * @throws IllegalArgumentException naming an unknown or mis-shaped moment
     */
    public void restore(Map<String, NDArray> tensors, long restoredStep, Map<String, Parameter> parameters) {
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            String key = e.getKey();
            if (!key.startsWith("m.") && !key.startsWith("v.")) {
                throw new IllegalArgumentException("optimizer state holds an unknown tensor '" + key + "'");
            }
            String name = key.substring(2);
            Parameter p = parameters.get(name);
            if (p == null || !p.getArray().getShape().equals(e.getValue().getShape())) {
                throw new IllegalArgumentException("optimizer state tensor '" + key + "' does not match a model "
                        + "parameter of shape " + e.getValue().getShape());
            }
            NDArray copy = manager.create(e.getValue().toFloatArray(), e.getValue().getShape());
            (key.startsWith("m.") ? firstMoments : secondMoments).put(name, copy);
        }
        this.step = restoredStep;
    }

    @Override
    public void close() {
        manager.close();
    }
}
