package dev.quietstar.core.train;

/**
 * What a {@link TrainingStep} measured on one micro-batch (each value of this micro-batch alone, not yet divided by
 * the number of micro-batches). The next-token objective reports its loss as {@code totalLoss}, {@code nllLoss},
 * {@code baseNll} and {@code baseNllPlain}, and 0 for the rest.
 *
 * @param totalLoss the objective; when it is not finite the step did not run the backward pass
 * @param nllLoss weighted base and post-thought NLL
 * @param policyLoss REINFORCE loss before the policy weight
 * @param baseNll official mean of the base NLL
 * @param talkNll official mean of the post-thought NLL
 * @param baseNllPlain plain mean of the base NLL over real tokens
 * @param talkNllPlain plain mean of the post-thought NLL over real tokens
 * @param meanReward mean reward over rewarded positions
 * @param meanMixingWeight mean mixing weight of look-ahead step 0
 * @param fedTokens all tokens fed to the decoder, thought passes and copies included
 * @param gate the thinking gate's training inputs, or null when the gate is not trained
 */
public record MicroBatchResult(double totalLoss, double nllLoss, double policyLoss, double baseNll, double talkNll,
        double baseNllPlain, double talkNllPlain, double meanReward, double meanMixingWeight, long fedTokens,
        GateInputs gate) {

    /**
     * The result of a plain next-token loss.
     *
     * @param loss mean NLL over real targets
     * @param fedTokens tokens fed to the decoder
     * @return the result
     */
    public static MicroBatchResult nextToken(double loss, long fedTokens) {
        return new MicroBatchResult(loss, loss, 0, loss, 0, loss, 0, 0, 0, fedTokens, null);
    }
}
