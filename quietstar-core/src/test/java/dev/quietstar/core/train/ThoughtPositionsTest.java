package dev.quietstar.core.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quietstar.core.text.ByteTokenizer;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ThoughtPositionsTest {

    private static int[] ones(int n) {
        int[] a = new int[n];
        Arrays.fill(a, 1);
        return a;
    }

    @Test
    void candidatesAreThePositionsWithARealNextToken() {
        assertThat(ThoughtPositions.candidates(new int[] {1, 1, 1, 1, 0, 0})).containsExactly(0, 1, 2);
        assertThat(ThoughtPositions.candidates(ones(5))).containsExactly(0, 1, 2, 3);
    }

    @Test
    void randomDrawsDistinctSortedCandidatesAndRepeatsPerSeed() {
        int[][] attention = {ones(64), {1, 1, 1, 1, 1, 0, 0, 0}};
        int[][] a = ThoughtPositions.random(attention, 8, new SplittableRandom(3));
        int[][] b = ThoughtPositions.random(attention, 8, new SplittableRandom(3));
        int[][] c = ThoughtPositions.random(attention, 8, new SplittableRandom(4));
        assertThat(a).isDeepEqualTo(b);
        assertThat(a).isNotEqualTo(c);
        assertThat(a[0]).hasSize(8).doesNotHaveDuplicates().isSorted();
        assertThat(Arrays.stream(a[0]).allMatch(p -> p >= 0 && p <= 62)).isTrue();
        assertThat(a[1]).containsExactly(0, 1, 2, 3); // fewer candidates than k: all of them
    }

    @Test
    void aMarkerSelectsThePositionOfItsLastToken() {
        String text = "Q: 2+3\nA: 5\nQ: 1+1\nA: 2";
        int[] ids = ByteTokenizer.instance().encode(text);
        int[][] chosen = ThoughtPositions.marker(new int[][] {ids}, new int[][] {ones(ids.length)},
                ByteTokenizer.instance().encode("A: "));
        assertThat(chosen[0]).containsExactly(text.indexOf("A: ") + 2, text.lastIndexOf("A: ") + 2);
        for (int p : chosen[0]) {
            assertThat(text.charAt(p)).isEqualTo(' ');
            assertThat(text.charAt(p + 1)).isBetween('0', '9'); // the thought sits right before the answer
        }
        int[][] none = ThoughtPositions.marker(new int[][] {ids}, new int[][] {ones(ids.length)},
                ByteTokenizer.instance().encode("zz"));
        assertThat(none[0]).isEmpty();
    }

    @Test
    void aMarkerInPaddingOrAtTheLastPositionDoesNotCount() {
        int[][] ids = {{5, 7, 5, 7, 5, 7}};
        assertThat(ThoughtPositions.marker(ids, new int[][] {ones(6)}, new int[] {5, 7})[0]).containsExactly(1, 3);
        assertThat(ThoughtPositions.marker(ids, new int[][] {{1, 1, 1, 0, 0, 0}}, new int[] {5, 7})[0])
                .containsExactly(1);
    }

    @Test
    void topTakesTheHighestScoresAndBreaksTiesBySeed() {
        double[][] scores = {{0.1, 0.9, 0.3, 0.8, 0.2, 0.0}};
        assertThat(ThoughtPositions.top(scores, new int[][] {ones(6)}, 2, new SplittableRandom(1))[0])
                .containsExactly(1, 3);
        double[][] flat = {new double[32]};
        int[][] attention = {ones(32)};
        int[] a = ThoughtPositions.top(flat, attention, 4, new SplittableRandom(1))[0];
        assertThat(a).isEqualTo(ThoughtPositions.top(flat, attention, 4, new SplittableRandom(1))[0]);
        assertThat(a).isNotEqualTo(new int[] {0, 1, 2, 3}); // ties are not broken by position
    }

    @Test
    void copiesOfAnExampleShareItsPositions() {
        assertThat(ThoughtPositions.repeatRows(new int[][] {{1, 2}, {3}}, 2))
                .isDeepEqualTo(new int[][] {{1, 2}, {1, 2}, {3}, {3}});
    }
}
