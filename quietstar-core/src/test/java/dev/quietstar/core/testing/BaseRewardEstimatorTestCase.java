package dev.quietstar.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.quietstar.api.RewardEstimate;
import dev.quietstar.api.RewardEstimator;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Contract tests of a {@link RewardEstimator}, for any engine's array type: the reward of a thought is the summed
 * gain in log-probability of the true look-ahead tokens, advantages are finite, a thought that changes nothing earns
 * no advantage, the better of two thoughts at a position never gets the smaller advantage, and inputs are left
 * unchanged. Every check runs with {@code thoughtsPerPosition} 2, the official setting.
 *
 * @param <A> the engine's array type
 */
public abstract class BaseRewardEstimatorTestCase<A> {

    private static final int LOOKAHEAD = 3;
    private static final int ROWS = 4;
    private static final int POSITIONS = 5;

    /**
     * The estimator under test.
     *
     * @return the estimator
     */
    protected abstract RewardEstimator<A> estimator();

    /**
     * An engine array holding the given values.
     *
     * @param values row-major values
     * @param shape the shape
     * @return the array
     */
    protected abstract A array(float[] values, long... shape);

    /**
     * The values of an engine array, row-major.
     *
     * @param array the array
     * @return its values
     */
    protected abstract float[] values(A array);

    private static float[] logProbs(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] out = new float[LOOKAHEAD * ROWS * POSITIONS];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) -(rng.nextDouble() * 5);
        }
        return out;
    }

    private RewardEstimate<A> estimate(float[] talk, float[] base) {
        return estimator().estimate(array(talk, LOOKAHEAD, ROWS, POSITIONS), array(base, LOOKAHEAD, ROWS, POSITIONS),
                2);
    }

    @Test
    void theRewardIsTheSummedGainOfTheLookAheadTokens() {
        float[] talk = logProbs(1);
        float[] base = logProbs(2);
        float[] rewards = values(estimate(talk, base).rewards());
        assertThat(rewards).hasSize(ROWS * POSITIONS);
        for (int r = 0; r < ROWS; r++) {
            for (int i = 0; i < POSITIONS; i++) {
                double expected = 0;
                for (int s = 0; s < LOOKAHEAD; s++) {
                    int k = (s * ROWS + r) * POSITIONS + i;
                    expected += talk[k] - base[k];
                }
                assertThat((double) rewards[r * POSITIONS + i]).as("row %d, position %d", r, i)
                        .isCloseTo(expected, within(1e-5));
            }
        }
    }

    @Test
    void advantagesAreFiniteAndOnePerThought() {
        float[] advantages = values(estimate(logProbs(3), logProbs(4)).advantages());
        assertThat(advantages).hasSize(ROWS * POSITIONS);
        for (float a : advantages) {
            assertThat(Float.isFinite(a)).as("advantage %s", a).isTrue();
        }
    }

    @Test
    void aThoughtThatChangesNothingEarnsNoAdvantage() {
        float[] same = logProbs(5);
        RewardEstimate<A> e = estimate(same, same.clone());
        assertThat(values(e.rewards())).containsOnly(0f);
        assertThat(values(e.advantages())).containsOnly(0f);
    }

    @Test
    void theBetterOfTwoThoughtsNeverGetsTheSmallerAdvantage() {
        float[] talk = logProbs(6);
        float[] base = logProbs(7);
        RewardEstimate<A> e = estimate(talk, base);
        float[] rewards = values(e.rewards());
        float[] advantages = values(e.advantages());
        for (int pair = 0; pair < ROWS / 2; pair++) {
            for (int i = 0; i < POSITIONS; i++) {
                int a = (2 * pair) * POSITIONS + i;
                int b = (2 * pair + 1) * POSITIONS + i;
                int better = rewards[a] >= rewards[b] ? a : b;
                int worse = better == a ? b : a;
                assertThat(advantages[better]).as("pair %d, position %d", pair, i)
                        .isGreaterThanOrEqualTo(advantages[worse]);
            }
        }
    }

    @Test
    void callsRepeatAndLeaveTheirInputsUnchanged() {
        float[] talk = logProbs(8);
        float[] base = logProbs(9);
        A talkArray = array(talk, LOOKAHEAD, ROWS, POSITIONS);
        A baseArray = array(base, LOOKAHEAD, ROWS, POSITIONS);
        RewardEstimate<A> first = estimator().estimate(talkArray, baseArray, 2);
        RewardEstimate<A> second = estimator().estimate(talkArray, baseArray, 2);
        assertThat(values(second.rewards())).containsExactly(values(first.rewards()));
        assertThat(values(second.advantages())).containsExactly(values(first.advantages()));
        assertThat(values(talkArray)).containsExactly(talk);
        assertThat(values(baseArray)).containsExactly(base);
    }
}
