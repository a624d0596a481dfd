package dev.quietstar.core.train;

/**
 * Linear warm-up then linear decay to zero, as HuggingFace's {@code get_linear_schedule_with_warmup} that the
 * official training script uses: the factor for 0-based optimiser step k is k / warmup during warm-up, then
 * (total - k) / (total - warmup).
 */
public final class LearningRateSchedule {

    private LearningRateSchedule() {}

    /**
     * The multiplier of the base learning rate at a step.
     *
     * @param step 0-based optimiser step
     * @param warmupSteps warm-up length
     * @param totalSteps steps of the whole run
     * @return the factor in [0, 1]
     */
    public static double factor(int step, int warmupSteps, int totalSteps) {
        if (step < warmupSteps) {
            return (double) step / Math.max(1, warmupSteps);
        }
        return Math.max(0.0, (double) (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
    }
}
