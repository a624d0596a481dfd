package dev.quietstar.djl.thought;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import dev.quietstar.api.MixingHead;
import dev.quietstar.api.RewardEstimate;
import dev.quietstar.api.RewardEstimator;
import dev.quietstar.api.ThoughtRollout;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.djl.model.CausalDecoder;
import dev.quietstar.djl.model.Ops;
import java.util.ArrayList;
import java.util.List;

/**
 * The Quiet-STaR objective (docs/algorithm.md section 5; the paper's equations 3 to 5).
 *
 * <p>With R rows, L positions, T look-ahead steps:
 * <ul>
 *   <li>NLL_0(i) = -log p_base(x_{i+1}), the ordinary next-token loss of the base pass;
 *   <li>for step s, the mixed hidden state (1 - w) h_base(i+s) + w h_talk_s(i), with w from the mixing head, gives
 *       NLL_s(i) = -log p_mix(x_{i+1+s});
 *   <li>L_NLL = baseLossWeight * nzmean(NLL_0) + (talkLossWeight / T) * sum_s nzmean(NLL_s), where nzmean is the
 *       official reduction: sum over entries divided by the number of non-zero entries (pad targets are set to 0,
 *       so they drop out; in fp32 so do tokens predicted with probability 1);
 *   <li>reward r(i) = sum_s [log p_mix(x_{i+1+s}) - log p_base(x_{i+1+s})] for i = 0..L-2-T, detached; advantages
 *       from the {@link RewardEstimator};
 *   <li>L_policy = mean over rows, rewarded positions and thought tokens of -A(i) * log softmax(z / tau_R)[t], with z
 *       the (not detached) sampling logits;
 *   <li>total = L_NLL + policyWeight * L_policy; with thoughtLength 0 (start and end tokens only) nothing is
 *       sampled and L_policy is exactly 0.
 * </ul>
 * Full-vocabulary logits are computed for the base pass and for each look-ahead step only over the positions that
 * have a target.
 */
public final class QuietStarObjective {

    private final QuietStarModel model;
    private final QuietStarConfig config;
    private final RewardEstimator<NDArray> rewards;
    private final MixingHead<NDArray> head;

    /**
     * Creates the objective with the model's own mixing head.
     *
     * @param model the model (lm_head and mixing head)
     * @param config weights, temperatures and shape
     * @param rewards the reward estimator
     */
    public QuietStarObjective(QuietStarModel model, QuietStarConfig config, RewardEstimator<NDArray> rewards) {
        this(model, config, rewards, model.mixingHead());
    }

    /**
     * Creates the objective with a given mixing head.
     *
     * @param model the model (lm_head)
     * @param config weights, temperatures and shape
     * @param rewards the reward estimator
     * @param head the mixing head that weighs base and post-thought hidden states
     */
    public QuietStarObjective(QuietStarModel model, QuietStarConfig config, RewardEstimator<NDArray> rewards,
            MixingHead<NDArray> head) {
        this.model = java.util.Objects.requireNonNull(model, "model");
        this.config = java.util.Objects.requireNonNull(config, "config");
        this.rewards = java.util.Objects.requireNonNull(rewards, "rewards");
        this.head = java.util.Objects.requireNonNull(head, "head");
    }

    /**
     * Evaluates the objective on a rollout.
     *
     * @param rollout the parallel (or any equivalent) thought rollout
     * @param inputIds (R, L) token ids
     * @param attentionMask (R, L), 1 for real tokens, 0 for padding
     * @return every intermediate; {@link ObjectiveResult#total()} is in the autograd graph
     */
    public ObjectiveResult evaluate(ThoughtRollout<NDArray> rollout, NDArray inputIds, NDArray attentionMask) {
        CausalDecoder decoder = model.decoder();
        int t = config.lookahead();
        long len = inputIds.getShape().get(1);
        long rewarded = len - 1 - t;
        if (rewarded < 1) {
            throw new IllegalArgumentException("sequence length " + len + " leaves no position with a reward for "
                    + "lookahead " + t + "; it must be at least lookahead + 2");
        }
        NDArray ids = inputIds.toType(DataType.INT64, false);
        NDArray real = attentionMask.toType(DataType.FLOAT32, false);
        NDArray base = rollout.baseHidden();

        // Base pass: position i predicts x_{i+1}.
        NDArray baseLogp = decoder.logits(base.get(":, 0:" + (len - 1) + ", :")).logSoftmax(-1);
        NDArray targets0 = ids.get(":, 1:");
        NDArray valid0 = real.get(":, 1:");
        NDArray baseTok = baseLogp.gather(targets0.expandDims(-1), 2).squeeze(-1);
        NDArray baseNll = baseTok.neg().mul(valid0);

        List<NDArray> talkNll = new ArrayList<>();
        List<NDArray> weights = new ArrayList<>();
        List<NDArray> talkTokRewarded = new ArrayList<>();
        List<NDArray> baseTokRewarded = new ArrayList<>();
        NDArray talkNllSum = null;
        double talkPlainSum = 0;
        double talkOfficialSum = 0;
        for (int s = 0; s < t; s++) {
            long n = len - 1 - s;
            NDArray hb = base.get(":, " + s + ":" + (s + n) + ", :");
            NDArray ht = rollout.talkHidden().get(s).get(":, 0:" + n + ", :");
            NDArray w = head.weight(hb, ht);
            NDArray mixed = head.mix(hb, ht, w);
            NDArray logp = decoder.logits(mixed).logSoftmax(-1);
            NDArray target = ids.get(":, " + (1 + s) + ":" + (1 + s + n));
            NDArray valid = real.get(":, " + (1 + s) + ":" + (1 + s + n));
            NDArray tok = logp.gather(target.expandDims(-1), 2).squeeze(-1);
            NDArray nll = tok.neg().mul(valid);
            talkNll.add(nll);
            weights.add(w.squeeze(-1));
            talkTokRewarded.add(tok.get(":, 0:" + rewarded).mul(valid.get(":, 0:" + rewarded)));
            baseTokRewarded.add(baseTok.get(":, " + s + ":" + (s + rewarded))
                    .mul(valid.get(":, 0:" + rewarded)));
            NDArray nz = nonZeroMean(nll);
            talkNllSum = talkNllSum == null ? nz : talkNllSum.add(nz);
            talkPlainSum += plainMean(nll, valid);
            talkOfficialSum += nz.getFloat();
        }
        NDArray baseNz = nonZeroMean(baseNll);
        NDArray nllLoss = Ops.mul(baseNz, config.baseLossWeight()).add(Ops.mul(talkNllSum, config.talkLossWeight() / t));

        RewardEstimate<NDArray> est = rewards.estimate(NDArrays.stack(new NDList(talkTokRewarded), 0),
                NDArrays.stack(new NDList(baseTokRewarded), 0), config.thoughtsPerPosition());
        NDArray thoughtLogp;
        NDArray policy;
        if (rollout.thoughtIds().getShape().get(2) == 0) {
            // thoughtLength 0: no token was sampled, so the policy term is exactly 0 (a mean over nothing would be
            // NaN).
            thoughtLogp = ids.getManager().zeros(rollout.thoughtIds().getShape());
            policy = ids.getManager().zeros(new ai.djl.ndarray.types.Shape());
        } else {
            NDArray scaled = config.reinforceTemperature() == 1 ? rollout.thoughtLogits()
                    : Ops.div(rollout.thoughtLogits(), config.reinforceTemperature()); // x / 1 is x: no copy
            thoughtLogp = scaled.logSoftmax(-1)
                    .gather(rollout.thoughtIds().expandDims(-1), 3).squeeze(-1);
            NDArray advantage = est.advantages().stopGradient().expandDims(-1);
            policy = thoughtLogp.get(":, 0:" + rewarded + ", :").mul(advantage).neg().mean();
        }
        NDArray total = nllLoss.add(Ops.mul(policy, config.policyWeight()));

        NDArray rewardValid = real.get(":, 1:" + (1 + rewarded));
        double validCount = Math.max(1, rewardValid.sum().getFloat());
        double meanReward = est.rewards().mul(rewardValid).sum().getFloat() / validCount;
        NDArray valid0w = real.get(":, 1:");
        double meanWeight = weights.get(0).stopGradient().mul(valid0w).sum().getFloat()
                / Math.max(1, valid0w.sum().getFloat());
        return new ObjectiveResult(total, nllLoss, policy, baseNll, talkNll, weights, thoughtLogp, est.rewards(),
                est.advantages(), plainMean(baseNll, valid0), talkPlainSum / t, baseNz.getFloat(),
                talkOfficialSum / t, meanReward, meanWeight);
    }

    /** The official reduction: sum / number of non-zero entries (0 when every entry is 0). */
    static NDArray nonZeroMean(NDArray nll) {
        NDArray count = Ops.max(nll.neq(0).toType(DataType.FLOAT32, false).sum(), 1);
        return nll.sum().div(count);
    }

    static double plainMean(NDArray nll, NDArray valid) {
        double count = valid.sum().getFloat();
        return count == 0 ? 0 : nll.stopGradient().sum().getFloat() / count;
    }
}
