package dev.quietstar.djl.thought;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * Every intermediate of one evaluation of the Quiet-STaR objective, for training, metrics and the {@code probe}
 * command. Shapes use R rows (examples times thoughtsPerPosition), L positions, T look-ahead steps and n thought
 * tokens.
 *
 * @param total the objective: nll + policyWeight * policy (scalar, in the graph)
 * @param nll weighted base and post-thought NLL (scalar)
 * @param policy REINFORCE loss before the policy weight (scalar)
 * @param baseNll per-position NLL of the base pass, pad targets 0, (R, L-1)
 * @param talkNll per look-ahead step s, NLL of the mixed prediction, pad targets 0, (R, L-1-s)
 * @param mixWeights per look-ahead step s, the mixing weight, (R, L-1-s)
 * @param thoughtLogProbs log softmax(z / reinforceTemperature) of each sampled thought token, (R, L, n)
 * @param rewards per thought, (R, L-1-T), detached
 * @param advantages per thought, (R, L-1-T), detached
 * @param baseNllPlain plain mean of the base NLL over real targets
 * @param talkNllPlain plain mean over real targets of the post-thought NLL, averaged over steps
 * @param baseNllOfficial the official "mean over non-zero entries" of the base NLL
 * @param talkNllOfficial the official mean of the post-thought NLL, averaged over steps
 * @param meanReward mean reward over positions with a real continuation
 * @param meanMixingWeight mean mixing weight of step 0 over real targets
 */
public record ObjectiveResult(NDArray total, NDArray nll, NDArray policy, NDArray baseNll, List<NDArray> talkNll,
        List<NDArray> mixWeights, NDArray thoughtLogProbs, NDArray rewards, NDArray advantages,
        double baseNllPlain, double talkNllPlain, double baseNllOfficial, double talkNllOfficial, double meanReward,
        double meanMixingWeight) {

    /** Copies the lists. */
    public ObjectiveResult {
        talkNll = List.copyOf(talkNll);
        mixWeights = List.copyOf(mixWeights);
    }
}
