package dev.quietstar.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quietstar.api.config.InvalidConfigException;
import dev.quietstar.api.config.PositionSelection;
import dev.quietstar.api.config.PositionsConfig;
import dev.quietstar.api.config.QuietStarConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class PositionsConfigTest {

    @Test
    void aFileWithoutThePositionsGroupThinksEverywhereAndReadsBackUnchanged() {
        assertThat(ConfigLoader.fromJson("{\"thoughtLength\": 4}").positions()).isEqualTo(PositionsConfig.all());
        String json = ConfigLoader.toJson(QuietStarConfig.official());
        String without = json.replaceAll(",\\s*\"positions\"\\s*:\\s*\\{[^}]*\\}", "");
        assertThat(without).doesNotContain("\"positions\"");
        assertThat(ConfigLoader.fromJson(without)).isEqualTo(QuietStarConfig.official());
    }

    @Test
    void overridesSetTheModeAndCountAndEveryModeRoundTrips() {
        QuietStarConfig random = ConfigLoader.override(QuietStarConfig.official(),
                List.of("positions.mode=RANDOM", "positions.count=8"));
        assertThat(random.positions()).isEqualTo(PositionsConfig.random(8));
        QuietStarConfig marker = ConfigLoader.override(QuietStarConfig.official(),
                List.of("positions.mode=MARKER", "positions.marker=\"A: \""));
        assertThat(marker.positions()).isEqualTo(PositionsConfig.marker("A: ")); // the quotes keep the space
        QuietStarConfig gate = QuietStarConfig.smallModel().withPositions(PositionsConfig.gate(3));
        for (QuietStarConfig c : List.of(random, marker, gate)) {
            assertThat(ConfigLoader.fromJson(ConfigLoader.toJson(c))).isEqualTo(c);
            assertThat(ConfigLoader.fromYaml(ConfigLoader.toYaml(c))).isEqualTo(c);
            assertThat(c.withPolicyWeight(2).withGate(c.gate().withEnabled(false)).positions())
                    .isEqualTo(c.positions());
        }
        assertThat(ConfigLoader.fromJson("{\"positions\": {\"mode\": \"GATE\", \"count\": 5}}").positions())
                .isEqualTo(new PositionsConfig(PositionSelection.GATE, 5, ""));
    }

    @Test
    void badSettingsNameTheField() {
        assertThatThrownBy(() -> ConfigLoader.fromJson("{\"positions\": {\"mode\": \"RANDOM\"}}"))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("positions.count");
        assertThatThrownBy(() -> ConfigLoader.fromJson("{\"sequenceLength\": 16, \"positions\": "
                + "{\"mode\": \"RANDOM\", \"count\": 16}}"))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("positions.count must be in 1..15");
        assertThatThrownBy(() -> ConfigLoader.fromJson("{\"positions\": {\"mode\": \"MARKER\"}}"))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("positions.marker");
        assertThatThrownBy(() -> ConfigLoader.fromJson("{\"positions\": {\"count\": 4}}"))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("positions.count")
                .hasMessageContaining("ALL");
        assertThatThrownBy(() -> ConfigLoader.fromJson("{\"positions\": {\"mode\": \"RANDOM\", \"count\": 2, "
                + "\"marker\": \"x\"}}"))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("positions.marker");
        assertThatThrownBy(() -> ConfigLoader.override(QuietStarConfig.official(), List.of("positions.k=3")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("positions.k")
                .hasMessageContaining("count");
        assertThatThrownBy(() -> ConfigLoader.fromJson("{\"positions\": {\"mode\": \"SOME\"}}"))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("positions");
    }
}
