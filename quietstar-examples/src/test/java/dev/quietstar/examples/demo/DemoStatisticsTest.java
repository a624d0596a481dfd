package dev.quietstar.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.quietstar.core.eval.ExampleResult;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The demo's statistics, against numbers worked out by hand. */
class DemoStatisticsTest {

    @Test
    void thoughtScoreCountsWholeColumnsAndExactThoughts() {
        int[] cols = new int[4];
        assertThat(ThoughtQuality.score("15080800", "15080800", cols)).isEqualTo(1);
        assertThat(ThoughtQuality.score("15070800", "15080800", cols)).isZero();
        // a thought with one wrong character in column 2 keeps columns 1, 3 and 4
        assertThat(cols).containsExactly(2, 1, 2, 2);
        int[] shortCols = new int[4];
        // a 4-token thought covers only the first two columns and is never exact
        assertThat(ThoughtQuality.score("1508", "15080800", shortCols)).isZero();
        assertThat(shortCols).containsExactly(1, 1, 0, 0);
    }

    @Test
    void pairedDifferenceIsTheMeanOfPerProblemDifferencesWithItsStandardError() {
        // per-problem NLL of a: 1.0, 2.0, 0.5 ; of b: 1.5, 2.0, 1.5 -> differences -0.5, 0, -1
        DemoResults.Row a = row("a", List.of(List.of(-1.0, -1.0), List.of(-2.0), List.of(-0.5, -0.5)));
        DemoResults.Row b = row("b", List.of(List.of(-1.0, -2.0), List.of(-2.0), List.of(-1.5, -1.5)));
        DemoResults.Paired p = DemoResults.Paired.of("a vs b", a, b);
        assertThat(p.problems()).isEqualTo(3);
        assertThat(p.meanDelta()).isCloseTo(-0.5, within(1e-12));
        // sample sd of (-0.5, 0, -1) is 0.5, so the standard error is 0.5 / sqrt(3)
        assertThat(p.standardError()).isCloseTo(0.5 / Math.sqrt(3), within(1e-12));
        // token-level NLL: a = 5/5 = 1.0, b = 8/5 = 1.6
        assertThat(p.relativeChange()).isCloseTo(1.0 / 1.6 - 1, within(1e-12));
    }

    @Test
    void verdictNeedsBothGainsAndAConstantThoughtThatLosesHalf() {
        DemoResults.Row steps = withNll("steps", 1.0);
        DemoResults.Row time = withNll("time", 0.9);
        DemoResults.Row head = withNll("head", 0.7);
        // the gain over the better control (0.9) is 0.2; a constant thought at 0.8 keeps 0.1 of it: loses 50%
        DemoResults.Verdict v = DemoResults.Verdict.of(head, steps, time, withNll("const", 0.8),
                withNll("shuffled", 0.95), withNll("oracle", 0.45));
        assertThat(v.gainVsEqualSteps()).isCloseTo(0.3, within(1e-12));
        assertThat(v.gainVsEqualTime()).isCloseTo(1 - 0.7 / 0.9, within(1e-12));
        assertThat(v.constantLoss()).isCloseTo(0.5, within(1e-12));
        assertThat(v.shuffledLoss()).isCloseTo(1.25, within(1e-12));
        assertThat(v.oracleGain()).isCloseTo(0.5, within(1e-12));
        assertThat(v.met()).isTrue();
        DemoResults.Verdict small = DemoResults.Verdict.of(withNll("head", 0.8), steps, time, withNll("c", 0.85),
                null, null);
        assertThat(small.gainVsEqualTime()).isLessThan(0.15);
        assertThat(small.met()).isFalse();
        assertThat(small.oracleGain()).isNaN();
        DemoResults.Verdict constantKeepsAll = DemoResults.Verdict.of(head, steps, time, withNll("c", 0.7), null,
                null);
        assertThat(constantKeepsAll.constantLoss()).isCloseTo(0.0, within(1e-12));
        assertThat(constantKeepsAll.met()).isFalse();
    }

    private static DemoResults.Row withNll(String name, double nll) {
        return new DemoResults.Row(name, "s", 1, nll, 0, 0, 0, Double.NaN, 0, List.of());
    }

    private static DemoResults.Row row(String name, List<List<Double>> logProbs) {
        List<ExampleResult> per = new ArrayList<>();
        double sum = 0;
        int tokens = 0;
        for (int i = 0; i < logProbs.size(); i++) {
            per.add(new ExampleResult(i, logProbs.get(i), 0, 0, 0, Double.NaN, "", "", false, 0, 0));
            for (double lp : logProbs.get(i)) {
                sum -= lp;
                tokens++;
            }
        }
        return new DemoResults.Row(name, "s", logProbs.size(), sum / tokens, 0, 0, 0, Double.NaN, 0, per);
    }
}
