package dev.quietstar.djl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.quietstar.core.train.GateInputs;
import dev.quietstar.djl.infer.NoGradScope;
import dev.quietstar.djl.thought.ObjectiveResult;
import dev.quietstar.djl.thought.QuietStarModel;
import dev.quietstar.djl.thought.ThoughtSlots;

/**
 * What the thinking gate learns from in a training step (see {@link DjlTrainingStep}): read after backward, on
 * detached copies, so the gate never touches the objective's gradients.
 */
final class GateFeatures {

    private GateFeatures() {}

    /**
     * The thinking gate's inputs: features from the base pass at every position with a real next token, the
     * target the step-0 gain log p_talk(x_{i+1}) - log p_base(x_{i+1}) averaged over the P thoughts of the
     * position.
     */
    static GateInputs of(QuietStarModel model, NDArray baseHidden, ObjectiveResult r, int[][] attention,
            int copies) {
        return of(model, baseHidden, r, attention, copies, null);
    }

    /**
     * The same for a step that thought at a subset of positions: the target exists at the chosen positions only,
     * so only they are fed to the gate.
     *
     * @param slots the positions the step thought at, or null for every position
     */
    @SuppressWarnings("try") // the no-gradient scope is held, not referenced
    static GateInputs of(QuietStarModel model, NDArray baseHidden, ObjectiveResult r, int[][] attention,
            int copies, ThoughtSlots slots) {
        long rows = baseHidden.getShape().get(0);
        int len = Math.toIntExact(baseHidden.getShape().get(1));
        int h = Math.toIntExact(baseHidden.getShape().get(2));
        int examples = Math.toIntExact(rows / copies);
        float[] hidden;
        float[] features;
        float[] gain;
        try (NoGradScope ignored = NoGradScope.enter(); NDManager scope = model.manager().newSubManager()) {
            // The P copies of an example share the base pass; the first copy gives the features.
            NDArray hb = baseHidden.stopGradient().reshape(examples, copies, len, h)
                    .get(":, 0, 0:" + (len - 1) + ", :");
            hb.attach(scope);
            NDArray logp = model.decoder().logits(hb).add(model.metaTokenLogitMask(scope)).logSoftmax(-1);
            NDArray entropy = logp.exp().mul(logp).sum(new int[] {-1}).neg();
            NDArray maxLogp = logp.max(new int[] {-1});
            NDArray talk0 = r.talkNll().get(0).stopGradient();
            NDArray baseAt = slots == null ? r.baseNll().stopGradient()
                    : r.baseNll().stopGradient().gather(slots.indices(scope, 0, len - 2), 1);
            long width = talk0.getShape().get(1);
            NDArray g = baseAt.sub(talk0).reshape(examples, copies, width).mean(new int[] {1});
            hidden = hb.toFloatArray();
            features = NDArrays.stack(new NDList(entropy, maxLogp), -1).toFloatArray();
            gain = g.toFloatArray();
            for (NDArray a : new NDArray[] {logp, entropy, maxLogp, g}) {
                a.attach(scope);
            }
        }
        int n = 0;
        float[] x = new float[examples * (len - 1) * h];
        double[] d = new double[examples * (len - 1) * 2];
        double[] y = new double[examples * (len - 1)];
        int width = slots == null ? len - 1 : slots.width();
        for (int e = 0; e < examples; e++) {
            for (int j = 0; j < width; j++) {
                int i = slots == null ? j : slots.position(e * copies, j);
                if (i < 0 || i > len - 2 || attention[e][i + 1] == 0) {
                    continue;
                }
                int at = e * (len - 1) + i;
                System.arraycopy(hidden, at * h, x, n * h, h);
                d[2 * n] = features[2 * at];
                d[2 * n + 1] = features[2 * at + 1];
                y[n] = gain[e * width + j];
                n++;
            }
        }
        return new GateInputs(x, d, y, n);
    }
}
