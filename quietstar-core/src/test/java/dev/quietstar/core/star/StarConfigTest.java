package dev.quietstar.core.star;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quietstar.api.Sampling;
import dev.quietstar.api.config.QuietStarConfig;
import org.junit.jupiter.api.Test;

class StarConfigTest {

    @Test
    void thePapersScheduleStartsAt40StepsAndGrows20PercentARound() {
        StarConfig c = StarConfig.paper(5, QuietStarConfig.smallModel());
        assertThat(c.stepsOfRound(1)).isEqualTo(40);
        assertThat(c.stepsOfRound(2)).isEqualTo(48);
        assertThat(c.stepsOfRound(3)).isEqualTo(58); // 57.6
        assertThat(c.stepsOfRound(4)).isEqualTo(69); // 69.12
        assertThat(c.stepsOfRound(5)).isEqualTo(83); // 82.94
        assertThat(c.rationalize()).isTrue();
        assertThat(c.rationales()).isEqualTo(Sampling.greedy());
        assertThatThrownBy(() -> c.stepsOfRound(0)).hasMessageContaining("from 1");
    }

    @Test
    void outOfRangeSettingsAreRefusedByName() {
        QuietStarConfig ft = QuietStarConfig.smallModel();
        assertThatThrownBy(() -> new StarConfig(0, 40, 1.2, true, Sampling.greedy(), ft, 8, 0))
                .hasMessageContaining("rounds");
        assertThatThrownBy(() -> new StarConfig(2, 0, 1.2, true, Sampling.greedy(), ft, 8, 0))
                .hasMessageContaining("firstRoundSteps");
        assertThatThrownBy(() -> new StarConfig(2, 40, 0.9, true, Sampling.greedy(), ft, 8, 0))
                .hasMessageContaining("stepGrowth");
        assertThatThrownBy(() -> new StarConfig(2, 40, Double.NaN, true, Sampling.greedy(), ft, 8, 0))
                .hasMessageContaining("stepGrowth");
        assertThatThrownBy(() -> new StarConfig(2, 40, 1.2, true, Sampling.greedy(), ft, 0, 0))
                .hasMessageContaining("generationBatch");
        assertThatThrownBy(() -> new StarConfig(2, 40, 1.2, true, Sampling.greedy(), ft, 8, -1))
                .hasMessageContaining("budgetSeconds");
        assertThat(StarConfig.paper(2, ft).withBudgetSeconds(90).budgetSeconds()).isEqualTo(90);
    }
}
