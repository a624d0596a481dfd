package dev.quietstar.api;

/**
 * What one optimiser step measured. Losses are averaged over the step's micro-batches.
 *
 * <p>Two reductions are reported for the negative log-likelihoods: the official "mean over non-zero entries"
 * ({@code baseNll}, {@code talkNll}), which drops pads but also every token predicted with probability 1 in fp32,
 * and the plain mean over real tokens ({@code baseNllPlain}, {@code talkNllPlain}). Compare the plain ones: the
 * official reduction can make a better post-thought loss look worse.
 *
 * @param step 1-based optimiser step
 * @param totalLoss the objective
 * @param nllLoss weighted base and post-thought NLL
 * @param policyLoss REINFORCE loss before the policy weight
 * @param baseNll official mean of the base NLL
 * @param talkNll official mean of the post-thought NLL, averaged over look-ahead steps
 * @param baseNllPlain plain mean of the base NLL over real tokens
 * @param talkNllPlain plain mean of the post-thought NLL over real tokens
 * @param meanReward mean reward over positions that get one
 * @param meanMixingWeight mean mixing weight of look-ahead step 0
 * @param learningRate backbone learning rate used at this step
 * @param gradNorm global gradient norm before clipping
 * @param tokensPerSecond real tokens processed per second
 * @param thoughtTokensPerSecond all tokens fed to the decoder per second, thoughts included
 */
public record StepMetrics(int step, double totalLoss, double nllLoss, double policyLoss, double baseNll,
        double talkNll, double baseNllPlain, double talkNllPlain, double meanReward, double meanMixingWeight,
        double learningRate, double gradNorm, double tokensPerSecond, double thoughtTokensPerSecond) {}
