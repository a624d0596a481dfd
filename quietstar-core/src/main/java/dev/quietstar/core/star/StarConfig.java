package dev.quietstar.core.star;

import dev.quietstar.api.Sampling;
import dev.quietstar.api.config.QuietStarConfig;
import java.util.Objects;

/**
 * The settings of a STaR run.
 *
 * @param rounds outer-loop rounds (generate, filter, fine-tune), at least 1
 * @param firstRoundSteps fine-tuning steps of the first round (the paper: 40)
 * @param stepGrowth factor by which each round's steps exceed the last's (the paper: 1.2)
 * @param rationalize whether wrongly answered questions get a second try with the answer as a hint
 * @param rationales how rationales are drawn: greedy, or sampled (the seed is offset per round so that each round
 *     draws anew)
 * @param fineTuning the fine-tuning recipe: optimizer, batch, seed and window length (sequenceLength must hold the
 *     longest kept document); its step count is replaced by the round's
 * @param generationBatch prompts generated together
 * @param budgetSeconds wall-time budget of rationale writing plus fine-tuning (held-out evaluation not counted):
 *     no round starts once it is spent, the round that spends it still ends; 0 for none
 */
public record StarConfig(int rounds, int firstRoundSteps, double stepGrowth, boolean rationalize, Sampling rationales,
        QuietStarConfig fineTuning, int generationBatch, double budgetSeconds) {

    /** Checks the fields. */
    public StarConfig {
        if (rounds < 1 || rounds > 1000) {
            throw new IllegalArgumentException("rounds must be in 1..1000, was " + rounds);
        }
        if (firstRoundSteps < 1) {
            throw new IllegalArgumentException("firstRoundSteps must be at least 1, was " + firstRoundSteps);
        }
        if (!(stepGrowth >= 1.0 && stepGrowth <= 10.0)) {
            throw new IllegalArgumentException("stepGrowth must be in 1..10, was " + stepGrowth);
        }
        Objects.requireNonNull(rationales, "rationales");
        Objects.requireNonNull(fineTuning, "fineTuning");
        if (generationBatch < 1 || generationBatch > 4096) {
            throw new IllegalArgumentException("generationBatch must be in 1..4096, was " + generationBatch);
        }
        if (!(budgetSeconds >= 0) || Double.isInfinite(budgetSeconds)) {
            throw new IllegalArgumentException("budgetSeconds must be finite and >= 0 (0: none), was "
                    + budgetSeconds);
        }
    }

    /**
     * The paper's schedule (40 steps, 20% more each round, rationalization on, greedy rationales) with a given
     * fine-tuning recipe.
     *
     * @param rounds rounds to run
     * @param fineTuning the fine-tuning recipe
     * @return the configuration
     */
    public static StarConfig paper(int rounds, QuietStarConfig fineTuning) {
        return new StarConfig(rounds, 40, 1.2, true, Sampling.greedy(), fineTuning, 64, 0);
    }

    /**
     * Fine-tuning steps of a round.
     *
     * @param round 1-based round
     * @return firstRoundSteps times stepGrowth to the power round - 1, rounded
     */
    public int stepsOfRound(int round) {
        if (round < 1) {
            throw new IllegalArgumentException("rounds count from 1, was " + round);
        }
        return Math.toIntExact(Math.round(firstRoundSteps * Math.pow(stepGrowth, round - 1)));
    }

    /** @return a copy with another rationalization setting */
    public StarConfig withRationalize(boolean value) {
        return new StarConfig(rounds, firstRoundSteps, stepGrowth, value, rationales, fineTuning, generationBatch,
                budgetSeconds);
    }

    /** @return a copy with another rationale sampling */
    public StarConfig withRationales(Sampling value) {
        return new StarConfig(rounds, firstRoundSteps, stepGrowth, rationalize, value, fineTuning, generationBatch,
                budgetSeconds);
    }

    /**
     * Returns a copy with a wall-time budget.
     *
     * @param seconds the budget, 0 for none
     * @return the copy
     */
    public StarConfig withBudgetSeconds(double seconds) {
        return new StarConfig(rounds, firstRoundSteps, stepGrowth, rationalize, rationales, fineTuning,
                generationBatch, seconds);
    }

    /** @return a copy with another step schedule */
    public StarConfig withSchedule(int first, double growth) {
        return new StarConfig(rounds, first, growth, rationalize, rationales, fineTuning, generationBatch,
                budgetSeconds);
    }
}
