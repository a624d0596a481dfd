package dev.quietstar.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quietstar.api.config.GateConfig;
import dev.quietstar.api.config.InvalidConfigException;
import dev.quietstar.api.config.QuietStarConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class GateConfigTest {

    @Test
    void aConfigWithoutTheGateSectionGetsTheDefaultGate() {
        QuietStarConfig c = ConfigLoader.fromJson("{\"thoughtLength\": 4}");
        assertThat(c.gate()).isEqualTo(GateConfig.defaults());
        String json = ConfigLoader.toJson(QuietStarConfig.official());
        String withoutGate = json.replaceAll(",\\s*\"gate\"\\s*:\\s*\\{[^}]*\\}", "");
        assertThat(withoutGate).doesNotContain("\"gate\"");
        assertThat(ConfigLoader.fromJson(withoutGate)).isEqualTo(QuietStarConfig.official());
    }

    @Test
    void theGateCanBeTurnedOffAndSurvivesEveryCopy() {
        QuietStarConfig off = ConfigLoader.override(QuietStarConfig.smallModel(), List.of("gate.enabled=false",
                "gate.forgetting=0.9"));
        assertThat(off.gate()).isEqualTo(new GateConfig(false, 0.9));
        assertThat(off.withShape(2, 1, 1, 16).withPolicyWeight(3).gate()).isEqualTo(off.gate());
        assertThat(ConfigLoader.fromJson(ConfigLoader.toJson(off))).isEqualTo(off);
    }

    @Test
    void anOutOfRangeForgettingFactorNamesTheField() {
        assertThatThrownBy(() -> ConfigLoader.fromJson("{\"gate\": {\"forgetting\": 0.1}}"))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("gate.forgetting")
                .hasMessageContaining("0.1");
    }
}
