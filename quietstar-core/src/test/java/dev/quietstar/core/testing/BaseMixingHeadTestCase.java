package dev.quietstar.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.quietstar.api.MixingHead;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Contract tests of an engine-neutral {@link MixingHead} on hidden-state rows ({@code float[rows][H]}), the kind
 * that plugs into inference on every backend through {@code Components.INFERENCE_MIXING_HEAD}.
 *
 * <p>Checks the shapes, that every weight is finite, that the mix is the convex combination
 * {@code (1 - w) h_base + w h_thought} the interface promises (the form ONNX Runtime can apply through its bias-free
 * language-model head), that rows are independent of each other, that calls repeat, and that inputs are left
 * unchanged.
 */
public abstract class BaseMixingHeadTestCase {

    /**
     * The head under test.
     *
     * @return a head for hidden states of width {@link #hiddenSize()}
     */
    protected abstract MixingHead<float[][]> head();

    /**
     * The hidden width the head works on.
     *
     * @return H
     */
    protected abstract int hiddenSize();

    private float[][] states(long seed, int rows) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[][] out = new float[rows][hiddenSize()];
        for (float[] row : out) {
            for (int k = 0; k < row.length; k++) {
                row[k] = (float) (rng.nextDouble() * 4 - 2);
            }
        }
        return out;
    }

    private static float[][] copy(float[][] a) {
        return Arrays.stream(a).map(float[]::clone).toArray(float[][]::new);
    }

    @Test
    void weightsAreOneFiniteValuePerRow() {
        MixingHead<float[][]> head = head();
        float[][] w = head.weight(states(1, 5), states(2, 5));
        assertThat(w).hasNumberOfRows(5);
        for (float[] row : w) {
            assertThat(row).hasSize(1);
            assertThat(Float.isFinite(row[0])).as("weight %s is finite", row[0]).isTrue();
        }
    }

    @Test
    void theMixIsTheConvexCombinationOfTheTwoStates() {
        MixingHead<float[][]> head = head();
        float[][] base = states(3, 4);
        float[][] thought = states(4, 4);
        float[][] w = head.weight(base, thought);
        float[][] mixed = head.mix(base, thought, w);
        assertThat(mixed).hasNumberOfRows(4);
        for (int r = 0; r < 4; r++) {
            assertThat(mixed[r]).hasSize(hiddenSize());
            for (int k = 0; k < hiddenSize(); k++) {
                float expected = (1 - w[r][0]) * base[r][k] + w[r][0] * thought[r][k];
                assertThat(mixed[r][k]).as("row %d, unit %d", r, k)
                        .isCloseTo(expected, within(1e-5f * Math.max(1f, Math.abs(expected))));
            }
        }
    }

    @Test
    void rowsAreIndependentOfEachOther() {
        MixingHead<float[][]> head = head();
        float[][] base = states(5, 3);
        float[][] thought = states(6, 3);
        float[][] together = head.weight(base, thought);
        for (int r = 0; r < 3; r++) {
            float[][] alone = head.weight(new float[][] {base[r]}, new float[][] {thought[r]});
            assertThat(alone[0][0]).as("row %d alone", r).isCloseTo(together[r][0], within(1e-6f));
        }
    }

    @Test
    void callsRepeatAndLeaveTheirInputsUnchanged() {
        MixingHead<float[][]> head = head();
        float[][] base = states(7, 2);
        float[][] thought = states(8, 2);
        float[][] baseCopy = copy(base);
        float[][] thoughtCopy = copy(thought);
        float[][] w1 = head.weight(base, thought);
        float[][] wCopy = copy(w1);
        float[][] m1 = head.mix(base, thought, w1);
        float[][] w2 = head.weight(base, thought);
        float[][] m2 = head.mix(base, thought, w2);
        assertThat(w2).isDeepEqualTo(w1);
        assertThat(m2).isDeepEqualTo(m1);
        assertThat(base).isDeepEqualTo(baseCopy);
        assertThat(thought).isDeepEqualTo(thoughtCopy);
        assertThat(w1).isDeepEqualTo(wCopy);
    }
}
