package dev.quietstar.core.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.quietstar.api.TextScore;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScoreSummaryTest {

    @Test
    void computesTotalsSharesAndTheHardestDecile() {
        ScoreSummary s = ScoreSummary.of(ReportFixtures.tenTokens());
        assertThat(s.tokens()).isEqualTo(10);
        assertThat(s.baseTotal()).isCloseTo(-15.5, within(1e-12));
        assertThat(s.thinkTotal()).isCloseTo(-15.5 + 6.45, within(1e-12));
        assertThat(s.meanDelta()).isCloseTo(0.645, within(1e-12));
        // Positive deltas: tokens 0, 2, 4, 6, 7, 9; token 3 (delta 0) does not count as improved.
        assertThat(s.improvedShare()).isCloseTo(0.6, within(1e-12));
        assertThat(s.meanMixingWeight()).isCloseTo(0.45, within(1e-12));
        assertThat(s.hardestDecileTokens()).isEqualTo(1);
        assertThat(s.hardestDecileMeanDelta()).isCloseTo(4.0, within(1e-12));
    }

    @Test
    void hardestDecileRoundsUpAndTakesTheLowestBaseLogProbs() {
        // 11 tokens: ceil(1.1) = 2 hardest tokens, base −9 (delta −1) and −8 (delta +3).
        double[] base = {-1, -9, -2, -3, -8, -1, -1, -1, -1, -1, -1};
        double[] think = {-1, -10, -2, -3, -5, -1, -1, -1, -1, -1, -1};
        TextScore score = score(base, think);
        ScoreSummary s = ScoreSummary.of(score);
        assertThat(s.hardestDecileTokens()).isEqualTo(2);
        assertThat(s.hardestDecileMeanDelta()).isCloseTo(1.0, within(1e-12));
    }

    @Test
    void anEmptyScoreGivesNaNMeansNotAnException() {
        ScoreSummary s = ScoreSummary.of(score(new double[0], new double[0]));
        assertThat(s.tokens()).isZero();
        assertThat(s.baseTotal()).isZero();
        assertThat(s.improvedShare()).isNaN();
        assertThat(s.hardestDecileTokens()).isZero();
        assertThat(s.hardestDecileMeanDelta()).isNaN();
    }

    static TextScore score(double[] base, double[] think) {
        List<Integer> ids = new java.util.ArrayList<>();
        List<String> toks = new java.util.ArrayList<>();
        List<Double> b = new java.util.ArrayList<>();
        List<Double> t = new java.util.ArrayList<>();
        List<Double> w = new java.util.ArrayList<>();
        List<String> th = new java.util.ArrayList<>();
        for (int i = 0; i < base.length; i++) {
            ids.add(i);
            toks.add("t" + i);
            b.add(base[i]);
            t.add(think[i]);
            w.add(0.5);
            th.add("");
        }
        return new TextScore(ids, toks, b, t, w, th);
    }
}
