package dev.quietstar.djl.thought;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.quietstar.api.MixingHead;
import dev.quietstar.api.RewardEstimate;
import dev.quietstar.api.RewardEstimator;
import dev.quietstar.api.ThoughtRollout;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.djl.model.CausalDecoder;
import dev.quietstar.djl.model.Ops;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The Quiet-STaR objective of {@link QuietStarObjective} for a rollout that thought at a subset of positions
 * ({@link SubsetThoughtGenerator}): the same terms, with the thought terms taken at the chosen positions only.
 *
 * <p>NLL_0 is the base pass's next-token loss over every position, as always. For slot j of row r at position p and
 * look-ahead step s, the mixed hidden state (1 - w) h_base(p+s) + w h_talk_s(j) scores x_{p+1+s} (when that token is
 * real and inside the row); nzmean over the slots gives NLL_s. A slot with p &lt;= L-2-T earns the reward
 * r = sum_s [log p_mix(x_{p+1+s}) - log p_base(x_{p+1+s})]; later slots and padding slots earn none and get no
 * advantage. L_policy is the mean over the rewarded slots and their thought tokens of -A log softmax(z / tau_R)[t].
 * When the slots are every position 0..L-2 of rows without padding, every term equals {@link QuietStarObjective}'s.
 *
 * <p>The {@link ObjectiveResult} it returns holds slot-shaped arrays: talkNll and mixWeights (R, K) per step,
 * thoughtLogProbs (R, K, n), rewards and advantages (R, K); baseNll stays (R, L-1).
 */
public final class SlotObjective {

    private final QuietStarModel model;
    private final QuietStarConfig config;
    private final RewardEstimator<NDArray> rewards;
    private final MixingHead<NDArray> head;

    /**
     * Creates the objective.
     *
     * @param model the model (lm_head)
     * @param config weights, temperatures and shape
     * @param rewards the reward estimator
     * @param head the mixing head
     */
    public SlotObjective(QuietStarModel model, QuietStarConfig config, RewardEstimator<NDArray> rewards,
            MixingHead<NDArray> head) {
        this.model = Objects.requireNonNull(model, "model");
        this.config = Objects.requireNonNull(config, "config");
        this.rewards = Objects.requireNonNull(rewards, "rewards");
        this.head = Objects.requireNonNull(head, "head");
    }

    /**
     * Evaluates the objective.
     *
     * @param slotRollout the rollout at the chosen positions
     * @param inputIds (R, L) token ids
     * @param attentionMask (R, L), 1 for real tokens
     * @return every intermediate, slot-shaped; {@link ObjectiveResult#total()} is in the autograd graph
     */
    public ObjectiveResult evaluate(SlotRollout slotRollout, NDArray inputIds, NDArray attentionMask) {
        CausalDecoder decoder = model.decoder();
        ThoughtRollout<NDArray> rollout = slotRollout.rollout();
        ThoughtSlots slots = slotRollout.slots();
        NDManager m = inputIds.getManager();
        int t = config.lookahead();
        int len = Math.toIntExact(inputIds.getShape().get(1));
        int lastRewarded = len - 2 - t;
        if (lastRewarded < 0) {
            throw new IllegalArgumentException("sequence length " + len + " leaves no position with a reward for "
                    + "lookahead " + t + "; it must be at least lookahead + 2");
        }
        int[][] attention = ParallelThoughtGenerator.toIntMatrix(attentionMask);
        NDArray ids = inputIds.toType(DataType.INT64, false);
        NDArray real = attentionMask.toType(DataType.FLOAT32, false);
        NDArray base = rollout.baseHidden();
        long rows = ids.getShape().get(0);
        int hidden = Math.toIntExact(base.getShape().get(2));

        NDArray baseLogp = decoder.logits(base.get(":, 0:" + (len - 1) + ", :")).logSoftmax(-1);
        NDArray valid0 = real.get(":, 1:");
        NDArray baseTok = baseLogp.gather(ids.get(":, 1:").expandDims(-1), 2).squeeze(-1);
        NDArray baseNll = baseTok.neg().mul(valid0);
        NDArray baseNz = QuietStarObjective.nonZeroMean(baseNll);

        NDArray rewardMask = slots.mask(m, attention, 0, lastRewarded);
        double rewardedSlots = rewardMask.sum().getFloat();
        List<NDArray> talkNll = new ArrayList<>();
        List<NDArray> weights = new ArrayList<>();
        List<NDArray> talkTok = new ArrayList<>();
        List<NDArray> baseTokAt = new ArrayList<>();
        NDArray talkNllSum = null;
        double talkPlainSum = 0;
        double talkOfficialSum = 0;
        NDArray firstValid = null;
        for (int s = 0; s < t; s++) {
            NDArray valid = slots.mask(m, attention, 1 + s, len - 1);
            firstValid = firstValid == null ? valid : firstValid;
            NDArray hb = base.gather(slots.indices(m, s, len - 1).expandDims(-1).repeat(2, hidden), 1);
            NDArray ht = rollout.talkHidden().get(s);
            NDArray w = head.weight(hb, ht);
            NDArray logp = decoder.logits(head.mix(hb, ht, w)).logSoftmax(-1);
            NDArray target = ids.gather(slots.indices(m, 1 + s, len - 1), 1);
            NDArray tok = logp.gather(target.expandDims(-1), 2).squeeze(-1);
            NDArray nll = tok.neg().mul(valid);
            talkNll.add(nll);
            weights.add(w.squeeze(-1));
            NDArray rewarded = valid.mul(rewardMask);
            talkTok.add(tok.mul(rewarded));
            baseTokAt.add(baseTok.gather(slots.indices(m, s, len - 2), 1).mul(rewarded));
            NDArray nz = QuietStarObjective.nonZeroMean(nll);
            talkNllSum = talkNllSum == null ? nz : talkNllSum.add(nz);
            talkPlainSum += QuietStarObjective.plainMean(nll, valid);
            talkOfficialSum += nz.getFloat();
        }
        NDArray nllLoss = Ops.mul(baseNz, config.baseLossWeight())
                .add(Ops.mul(talkNllSum, config.talkLossWeight() / t));

        RewardEstimate<NDArray> est = rewards.estimate(NDArrays.stack(new NDList(talkTok), 0),
                NDArrays.stack(new NDList(baseTokAt), 0), config.thoughtsPerPosition());
        int n = Math.toIntExact(rollout.thoughtIds().getShape().get(2));
        NDArray thoughtLogp;
        NDArray policy;
        if (n == 0 || rewardedSlots == 0) {
            // nothing sampled, or no slot that earns a reward: the policy term is exactly 0
            thoughtLogp = n == 0 ? m.zeros(rollout.thoughtIds().getShape()) : logProbs(rollout);
            policy = m.zeros(new Shape());
        } else {
            thoughtLogp = logProbs(rollout);
            NDArray advantage = est.advantages().stopGradient().mul(rewardMask).expandDims(-1);
            policy = Ops.div(thoughtLogp.mul(advantage).neg().sum(), rewardedSlots * n);
        }
        NDArray total = nllLoss.add(Ops.mul(policy, config.policyWeight()));

        NDArray rewardValid = firstValid.mul(rewardMask);
        double meanReward = est.rewards().mul(rewardValid).sum().getFloat()
                / Math.max(1, rewardValid.sum().getFloat());
        double meanWeight = weights.get(0).stopGradient().mul(firstValid).sum().getFloat()
                / Math.max(1, firstValid.sum().getFloat());
        return new ObjectiveResult(total, nllLoss, policy, baseNll, talkNll, weights, thoughtLogp, est.rewards(),
                est.advantages(), QuietStarObjective.plainMean(baseNll, valid0), talkPlainSum / t,
                baseNz.getFloat(), talkOfficialSum / t, meanReward, meanWeight);
    }

    private NDArray logProbs(ThoughtRollout<NDArray> rollout) {
        NDArray scaled = config.reinforceTemperature() == 1 ? rollout.thoughtLogits()
                : Ops.div(rollout.thoughtLogits(), config.reinforceTemperature());
        return scaled.logSoftmax(-1).gather(rollout.thoughtIds().expandDims(-1), 3).squeeze(-1);
    }
}
