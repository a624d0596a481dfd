package dev.quietstar.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quietstar.api.config.InvalidConfigException;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.api.config.ThoughtSampling;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    @Test
    void defaultsEqualTheOfficialImplementation() {
        QuietStarConfig c = ConfigLoader.fromJson("{}");
        assertThat(c).isEqualTo(QuietStarConfig.official());
        assertThat(c.thoughtLength()).isEqualTo(9); // n_ahead 12 minus start, end and the first talk token
        assertThat(c.lookahead()).isEqualTo(4);
        assertThat(c.thoughtsPerPosition()).isEqualTo(2);
        assertThat(c.sequenceLength()).isEqualTo(256);
        assertThat(c.policyWeight()).isEqualTo(1e6);
        assertThat(c.reinforceTemperature()).isEqualTo(3.0);
        assertThat(c.thoughtTemperature()).isEqualTo(1.0);
        assertThat(c.thoughtSampling()).isEqualTo(ThoughtSampling.SAMPLE);
        assertThat(c.baseLossWeight()).isEqualTo(0.5);
        assertThat(c.talkLossWeight()).isEqualTo(0.5);
        assertThat(c.metaTokenInit()).isEqualTo("---");
        assertThat(c.metaTokenScale()).isEqualTo(100.0);
        assertThat(c.optimizer().learningRate()).isEqualTo(1e-6);
        assertThat(c.optimizer().weightDecay()).isEqualTo(0.001);
        assertThat(c.optimizer().warmupSteps()).isEqualTo(20);
        assertThat(c.optimizer().gradClipNorm()).isEqualTo(1.0);
        assertThat(c.optimizer().mixingHeadLrMultiplier()).isEqualTo(1.0);
        assertThat(c.optimizer().metaTokenLrMultiplier()).isEqualTo(1.0);
        assertThat(c.training().examplesPerStep()).isEqualTo(8);
        assertThat(c.training().steps()).isEqualTo(100);
    }

    @Test
    void smallModelPresetChangesOnlyTheRecipe() {
        QuietStarConfig c = ConfigLoader.fromYaml("preset: small-model\nthoughtLength: 4\n");
        assertThat(c.policyWeight()).isEqualTo(1.0);
        assertThat(c.optimizer().learningRate()).isEqualTo(3e-5);
        assertThat(c.optimizer().mixingHeadLrMultiplier()).isEqualTo(30.0);
        assertThat(c.optimizer().metaTokenLrMultiplier()).isEqualTo(30.0);
        assertThat(c.thoughtLength()).isEqualTo(4);
        assertThat(c.lookahead()).isEqualTo(4);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "{\"thoughtLength\": -1}|thoughtLength must be in 0..64, was -1",
        "{\"thoughtLength\": 65}|thoughtLength must be in 0..64, was 65",
        "{\"lookahead\": 0}|lookahead must be in 1..64, was 0",
        "{\"sequenceLength\": 4, \"lookahead\": 4}|lookahead must be in 1..3 (sequenceLength - 1), was 4",
        "{\"thoughtsPerPosition\": 0}|thoughtsPerPosition must be in 1..64, was 0",
        "{\"sequenceLength\": 1}|sequenceLength must be in 2..1048576, was 1",
        "{\"policyWeight\": -1}|policyWeight must be in 0.0..1.0E12, was -1.0",
        "{\"reinforceTemperature\": 0}|reinforceTemperature must be a finite number > 0, was 0.0",
        "{\"thoughtTemperature\": -2}|thoughtTemperature must be a finite number > 0, was -2.0",
        "{\"baseLossWeight\": -0.5}|baseLossWeight must be a finite number >= 0, was -0.5",
        "{\"talkLossWeight\": -1}|talkLossWeight must be a finite number >= 0, was -1.0",
        "{\"metaTokenInit\": \"\"}|metaTokenInit must be a non-empty string, was \"\"",
        "{\"metaTokenScale\": 0}|metaTokenScale must be in 1.0E-6..1000000.0, was 0.0",
        "{\"optimizer\": {\"learningRate\": 0}}|optimizer.learningRate must be in 1.0E-12..1.0, was 0.0",
        "{\"optimizer\": {\"weightDecay\": 2}}|optimizer.weightDecay must be in 0.0..1.0, was 2.0",
        "{\"optimizer\": {\"beta1\": 1}}|optimizer.beta1 must be in 0.0..0.999999, was 1.0",
        "{\"optimizer\": {\"beta2\": -1}}|optimizer.beta2 must be in 0.0..0.999999, was -1.0",
        "{\"optimizer\": {\"epsilon\": 0}}|optimizer.epsilon must be in 1.0E-12..1.0, was 0.0",
        "{\"optimizer\": {\"warmupSteps\": -1}}|optimizer.warmupSteps must be in 0..1000000, was -1",
        "{\"optimizer\": {\"gradClipNorm\": -1}}|optimizer.gradClipNorm must be a finite number >= 0, was -1.0",
        "{\"optimizer\": {\"mixingHeadLrMultiplier\": -1}}|optimizer.mixingHeadLrMultiplier must be in 0.0..1000000.0, was -1.0",
        "{\"optimizer\": {\"metaTokenLrMultiplier\": -1}}|optimizer.metaTokenLrMultiplier must be in 0.0..1000000.0, was -1.0",
        "{\"training\": {\"steps\": 0}}|training.steps must be in 1..10000000, was 0",
        "{\"training\": {\"examplesPerStep\": 0}}|training.examplesPerStep must be in 1..1000000, was 0",
        "{\"training\": {\"microBatchExamples\": 9}}|training.microBatchExamples must be in 1..8, was 9",
        "{\"training\": {\"microBatchExamples\": 3}}|training.microBatchExamples must divide training.examplesPerStep (8), was 3",
        "{\"training\": {\"checkpointEvery\": -1}}|training.checkpointEvery must be in 0..10000000, was -1",
        "{\"thoughtSampling\": null}|thoughtSampling is required but was missing",
        "{\"metaTokenInit\": null}|metaTokenInit is required but was missing",
    })
    void everyRuleNamesFieldValueAndRange(String json, String message) {
        assertThatThrownBy(() -> ConfigLoader.fromJson(json))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageStartingWith(message);
    }

    @Test
    void unknownFieldsAreErrors() {
        assertThatThrownBy(() -> ConfigLoader.fromJson("{\"thoughtLenght\": 4}"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("unknown config field 'thoughtLenght'")
                .hasMessageContaining("thoughtLength");
        assertThatThrownBy(() -> ConfigLoader.fromYaml("optimizer:\n  lr: 1e-3\n"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("unknown config field 'optimizer.lr'")
                .hasMessageContaining("learningRate");
    }

    @Test
    void malformedFilesAndWrongTypesAreClearErrors() {
        assertThatThrownBy(() -> ConfigLoader.fromJson("{\"thoughtLength\": "))
                .isInstanceOf(InvalidConfigException.class).hasMessageStartingWith("malformed JSON");
        assertThatThrownBy(() -> ConfigLoader.fromJson("[1, 2]"))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("must hold an object");
        assertThatThrownBy(() -> ConfigLoader.fromJson("{\"optimizer\": 3}"))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("optimizer must be an object");
        assertThatThrownBy(() -> ConfigLoader.fromJson("{\"thoughtLength\": \"many\"}"))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("thoughtLength");
        assertThatThrownBy(() -> ConfigLoader.fromJson("{\"preset\": \"huge\"}"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("preset must be one of [official, small-model], was huge");
    }

    @Test
    void jsonAndYamlRoundTrip() throws IOException {
        QuietStarConfig c = QuietStarConfig.smallModel().withShape(3, 2, 4, 64)
                .withThoughtSampling(ThoughtSampling.GREEDY, 0.7).withMetaTokenInit("[");
        Path json = dir.resolve("c.json");
        Path yaml = dir.resolve("c.yaml");
        Files.writeString(json, ConfigLoader.toJson(c));
        Files.writeString(yaml, ConfigLoader.toYaml(c));
        assertThat(ConfigLoader.load(json, List.of())).isEqualTo(c);
        assertThat(ConfigLoader.load(yaml, List.of())).isEqualTo(c);
    }

    @Test
    void overridesApplyAfterTheFileAndAreValidated() throws IOException {
        Path yaml = dir.resolve("c.yml");
        Files.writeString(yaml, "thoughtLength: 4\n");
        QuietStarConfig c = ConfigLoader.load(yaml, List.of("optimizer.learningRate=3e-5", "thoughtLength=6",
                "metaTokenInit=[", "thoughtSampling=GREEDY"));
        assertThat(c.thoughtLength()).isEqualTo(6);
        assertThat(c.optimizer().learningRate()).isEqualTo(3e-5);
        assertThat(c.metaTokenInit()).isEqualTo("[");
        assertThat(c.thoughtSampling()).isEqualTo(ThoughtSampling.GREEDY);
        assertThatThrownBy(() -> ConfigLoader.load(yaml, List.of("thoughtLength=-1")))
                .isInstanceOf(InvalidConfigException.class).hasMessageStartingWith("thoughtLength must be in 0..64");
        assertThatThrownBy(() -> ConfigLoader.override(c, List.of("optimizer.momentum=0.9")))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("unknown config field 'optimizer.momentum'");
        assertThatThrownBy(() -> ConfigLoader.override(c, List.of("thoughtLength")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("field=value");
        // Found by ConfigFuzzTest: a path of only dots escaped as an ArrayIndexOutOfBoundsException.
        assertThatThrownBy(() -> ConfigLoader.override(c, List.of(".=3")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("dotted path of field names");
        assertThatThrownBy(() -> ConfigLoader.override(c, List.of("optimizer..learningRate=3")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("dotted path of field names");
    }

    @Test
    void wrongExtensionAndMissingFileAreClearErrors() {
        assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("c.toml"), List.of()))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("config file")
                .hasMessageContaining("c.toml does not exist");
        assertThatThrownBy(() -> {
            Path p = Files.writeString(dir.resolve("c.toml"), "a = 1");
            ConfigLoader.load(p, List.of());
        }).isInstanceOf(InvalidConfigException.class).hasMessageContaining(".json, .yaml or .yml");
    }

    @Test
    void anOversizedOrNonUtf8ConfigFileIsRejectedBeforeParsing() throws Exception {
        Path big = dir.resolve("big.yaml");
        try (var ch = java.nio.channels.FileChannel.open(big, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {'#'}), dev.quietstar.core.io.BoundedFiles.MAX_METADATA_BYTES);
        }
        assertThatThrownBy(() -> ConfigLoader.load(big, List.of())).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("big.yaml").hasMessageContaining("more than the 67108864 accepted");
        Path latin = Files.write(dir.resolve("latin.yaml"), new byte[] {'a', ':', ' ', (byte) 0xE9});
        assertThatThrownBy(() -> ConfigLoader.load(latin, List.of())).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("latin.yaml is not UTF-8 text");
    }
}
