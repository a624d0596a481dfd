package dev.quietstar.djl.thought;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.model.Ops;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Autograd against finite differences for the Quiet-STaR parameters, and the direction of the policy gradient. */
class QuietStarGradientTest {

    static final int N = QuietStarSemanticsTest.N;
    static final int T = QuietStarSemanticsTest.T;
    static final int L = QuietStarSemanticsTest.L;
    static final QuietStarConfig CONFIG = QuietStarSemanticsTest.CONFIG;
    /**
     * Finite differences see the rewards move with the weights, while the objective treats them as constants (the
     * REINFORCE estimator is not the derivative of the reward); so the check runs on the NLL part (policy weight 0).
     */
    static final QuietStarConfig NLL_ONLY = CONFIG.withPolicyWeight(0);

    private NDManager m;

    @BeforeAll
    static void engine() {
        DjlEngines.pytorch();
    }

    @BeforeEach
    void manager() {
        m = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        m.close();
    }

    /** The total objective for fixed forced thoughts: a deterministic function of the weights. */
    private double loss(QuietStarModel model, int[][][] forced) {
        try (NDManager scope = model.manager().newSubManager()) {
            NDArray ids = TinyModels.ids(scope, QuietStarSemanticsTest.IDS);
            NDArray attn = TinyModels.ids(scope, QuietStarSemanticsTest.ATTN);
            return new QuietStarObjective(model, NLL_ONLY, new ReinforceRewardEstimator()).evaluate(
                    new ParallelThoughtGenerator(model, N, T).generate(ids, attn, ThoughtSamplers.forced(forced)),
                    ids, attn).total().getFloat();
        }
    }

    private float[] gradient(QuietStarModel model, int[][][] forced, String name) {
        Map<String, Parameter> params = model.parameters();
        params.values().forEach(p -> p.getArray().setRequiresGradient(true));
        try (NDManager scope = model.manager().newSubManager()) {
            NDArray ids = TinyModels.ids(scope, QuietStarSemanticsTest.IDS);
            NDArray attn = TinyModels.ids(scope, QuietStarSemanticsTest.ATTN);
            try (GradientCollector gc = Engine.getEngine(DjlEngines.ENGINE).newGradientCollector()) {
                gc.backward(new QuietStarObjective(model, NLL_ONLY, new ReinforceRewardEstimator()).evaluate(
                        new ParallelThoughtGenerator(model, N, T).generate(ids, attn, ThoughtSamplers.forced(forced)),
                        ids, attn).total());
            }
            NDArray g = params.get(name).getArray().getGradient();
            g.attach(scope);
            float[] out = g.toFloatArray();
            params.values().forEach(p -> {
                JniUtils.zeroGrad((PtNDArray) p.getArray());
                p.getArray().setRequiresGradient(false);
            });
            return out;
        }
    }

    /**
     * Compares autograd with central differences at the entries with the largest gradients (where the change of a
     * float32 loss is well above its rounding) and at a few fixed entries.
     */
    private void checkFiniteDifferences(String name, int[] fixedProbes, double eps) {
        try (QuietStarModel model = TinyModels.gpt2(CONFIG, 21)) {
            TinyModels.randomiseHead(model, 8);
            int[][][] forced = TinyModels.randomThoughts(4, L, N, 4);
            float[] grad = gradient(model, forced, name);
            NDArray w = model.parameters().get(name).getArray();
            double norm = 0;
            for (float g : grad) {
                norm += g * g;
            }
            assertThat(norm).as("gradient of %s", name).isGreaterThan(0);
            int[] largest = java.util.stream.IntStream.range(0, grad.length).boxed()
                    .sorted((a, b) -> Float.compare(Math.abs(grad[b]), Math.abs(grad[a]))).limit(3)
                    .mapToInt(Integer::intValue).toArray();
            int[] probes = java.util.stream.IntStream.concat(java.util.Arrays.stream(largest),
                    java.util.Arrays.stream(fixedProbes)).toArray();
            for (int idx : probes) {
                float[] base = w.toFloatArray();
                float[] plus = base.clone();
                plus[idx] += (float) eps;
                w.set(plus);
                double lp = loss(model, forced);
                float[] minus = base.clone();
                minus[idx] -= (float) eps;
                w.set(minus);
                double lm = loss(model, forced);
                w.set(base);
                double fd = (lp - lm) / (2 * eps);
                double noise = 2e-6 / (2 * eps); // a few float32 ulps of the loss, over the step
                assertThat((double) grad[idx]).as("d loss / d %s[%d]", name, idx)
                        .isCloseTo(fd, within(3 * noise + 0.05 * Math.abs(fd)));
            }
        }
    }

    @Test
    void mixingHeadGradientsMatchFiniteDifferences() {
        checkFiniteDifferences(MlpMixingHead.PREFIX + "4.weight", new int[] {0, 5, 17, 31}, 1e-2);
        checkFiniteDifferences(MlpMixingHead.PREFIX + "2.bias", new int[] {1, 9, 30}, 1e-2);
        checkFiniteDifferences(MlpMixingHead.PREFIX + "0.weight", new int[] {3, 700, 1500}, 1e-2);
    }

    @Test
    void metaTokenGradientsMatchFiniteDifferences() {
        // The parameters hold the embeddings divided by the scale (100): small steps move the embedding a lot.
        checkFiniteDifferences(MetaTokens.START_NAME, new int[] {0}, 3e-5);
        checkFiniteDifferences(MetaTokens.END_NAME, new int[] {2}, 3e-5);
    }

    @Test
    void thePolicyTermMovesThoughtLogProbsTowardsPositiveAdvantage() {
        QuietStarConfig policyOnly = CONFIG;
        try (QuietStarModel model = TinyModels.gpt2(policyOnly, 31)) {
            TinyModels.randomiseHead(model, 3);
            int[][][] forced = TinyModels.randomThoughts(4, L, N, 12);
            Map<String, Parameter> params = model.parameters();
            params.values().forEach(p -> p.getArray().setRequiresGradient(true));
            float[] before;
            float[] advantages;
            try (NDManager scope = model.manager().newSubManager()) {
                NDArray ids = TinyModels.ids(scope, QuietStarSemanticsTest.IDS);
                NDArray attn = TinyModels.ids(scope, QuietStarSemanticsTest.ATTN);
                try (GradientCollector gc = Engine.getEngine(DjlEngines.ENGINE).newGradientCollector()) {
                    ObjectiveResult r = new QuietStarObjective(model, policyOnly, new ReinforceRewardEstimator())
                            .evaluate(new ParallelThoughtGenerator(model, N, T).generate(ids, attn,
                                    ThoughtSamplers.forced(forced)), ids, attn);
                    before = r.thoughtLogProbs().toFloatArray();
                    advantages = r.advantages().toFloatArray();
                    gc.backward(r.policy()); // the policy term alone
                }
                // One small plain gradient step.
                boolean previous = JniUtils.isGradMode();
                JniUtils.setGradMode(false);
                for (Parameter p : params.values()) {
                    NDArray g = p.getArray().getGradient();
                    g.attach(scope);
                    p.getArray().subi(Ops.mul(g, 1e-3));
                    JniUtils.zeroGrad((PtNDArray) p.getArray());
                }
                JniUtils.setGradMode(previous);
            }
            float[] after;
            try (NDManager scope = model.manager().newSubManager()) {
                NDArray ids = TinyModels.ids(scope, QuietStarSemanticsTest.IDS);
                NDArray attn = TinyModels.ids(scope, QuietStarSemanticsTest.ATTN);
                after = new QuietStarObjective(model, policyOnly, new ReinforceRewardEstimator()).evaluate(
                        new ParallelThoughtGenerator(model, N, T).generate(ids, attn, ThoughtSamplers.forced(forced)),
                        ids, attn).thoughtLogProbs().toFloatArray();
            }
            int q = L - 1 - T;
            double weighted = 0;
            double positiveShare = 0;
            int positives = 0;
            for (int r = 0; r < 4; r++) {
                for (int i = 0; i < q; i++) {
                    float a = advantages[r * q + i];
                    if (a <= 0) {
                        continue;
                    }
                    positives++;
                    double delta = 0;
                    for (int j = 0; j < N; j++) {
                        int idx = (r * L + i) * N + j;
                        delta += after[idx] - before[idx];
                    }
                    weighted += a * delta;
                    positiveShare += delta > 0 ? 1 : 0;
                }
            }
            assertThat(positives).isGreaterThan(0);
            assertThat(weighted).as("advantage-weighted change of the thoughts' log-probs").isGreaterThan(0);
            assertThat(positiveShare / positives).as("share of rewarded thoughts made more likely")
                    .isGreaterThan(0.5);
        }
    }
}
