package dev.quietstar.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quietstar.api.config.Advantage;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.examples.cli.CliRun;
import java.util.List;
import org.junit.jupiter.api.Test;

class EstimatorStudyTest {

    @Test
    void everyVariantIsAValidConfigurationWithTheIntendedChange() {
        DemoPlan plan = DemoPlan.standard();
        List<EstimatorStudy.Variant> variants = EstimatorStudy.variants(plan.thoughtLength());
        assertThat(variants.get(0).name()).startsWith("official");
        for (EstimatorStudy.Variant v : variants) {
            QuietStarConfig c = new DemoTraining(null, plan, v.overrides()).quietStarConfig(v.thoughtLength());
            assertThat(c.thoughtLength()).isEqualTo(v.thoughtLength());
            assertThat(c.training().checkpointEvery()).isEqualTo(plan.qualityEvery());
            if (v.name().startsWith("best-of")) {
                assertThat(c.advantage()).isEqualTo(Advantage.BEST_OF);
                assertThat(c.thoughtsPerPosition()).isEqualTo(4);
            } else if (v.name().startsWith("leave-one-out")) {
                assertThat(c.advantage()).isEqualTo(Advantage.LEAVE_ONE_OUT);
                assertThat(c.thoughtsPerPosition()).isEqualTo(4);
            } else if (v.name().contains("temperature")) {
                assertThat(c.thoughtTemperature()).isEqualTo(0.5);
                assertThat(c.advantage()).isEqualTo(Advantage.OFFICIAL);
            } else {
                assertThat(c.advantage()).isEqualTo(Advantage.OFFICIAL);
                assertThat(c.thoughtsPerPosition()).isEqualTo(plan.thoughtsPerPosition());
                assertThat(c.thoughtTemperature()).isEqualTo(1.0);
            }
        }
        assertThat(variants.stream().filter(EstimatorStudy.Variant::allSeeds).count()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void summaryGivesTheMeanAndRangeOverSeeds() {
        List<EstimatorStudy.Run> runs = List.of(
                new EstimatorStudy.Run("official", 1, 10, List.of(point(0, 0.4, 1.2), point(25, 0.5, 0.8))),
                new EstimatorStudy.Run("official", 2, 12, List.of(point(0, 0.2, 1.2), point(25, 0.7, 0.6))),
                new EstimatorStudy.Run("other", 1, 20, List.of(point(0, 0.3, 1.2), point(25, 0.1, 0.9))));
        String md = EstimatorStudy.toMarkdown(runs);
        assertThat(md).contains("| official | 2 | 0.300 (0.200..0.400) | 0.600 (0.500..0.700) |")
                .contains("| 0.7000 (0.6000..0.8000) |")
                .contains("| other | 1 | 0.300 | 0.100 |")
                .contains("| official | 0.300 | 0.600 |");
    }

    @Test
    void badSeedCountsAreRejected() {
        CliRun r = CliRun.of("demo", "--study", "--seeds", "0");
        assertThat(r.exitCode()).isNotZero();
        assertThat(r.err()).contains("--seeds must be in 1..20");
        CliRun set = CliRun.of("demo", "--study", "--set", "policyWeight=2");
        assertThat(set.exitCode()).isNotZero();
        assertThat(set.err()).contains("--study takes only");
    }

    private static ThoughtQuality.Point point(int step, double exact, double nll) {
        return new ThoughtQuality.Point(step, 10, exact, new double[4], exact, new double[4], nll, 0.1);
    }
}
