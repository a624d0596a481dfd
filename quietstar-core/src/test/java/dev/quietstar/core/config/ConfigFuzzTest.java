package dev.quietstar.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quietstar.api.config.InvalidConfigException;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.core.text.ByteTokenizer;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Property-based fuzzing of the configuration and tokenizer-spec readers: any text either gives a valid
 * configuration or fails with {@link InvalidConfigException} (the one exception a caller must handle, whose message
 * says what is wrong); no parser exception, NullPointerException or half-validated record escapes.
 */
class ConfigFuzzTest {

    private static final String OFFICIAL = ConfigLoader.toJson(QuietStarConfig.official());

    @Provide
    Arbitrary<String> jsonish() {
        Arbitrary<String> token = Arbitraries.of("{", "}", "[", "]", ",", ":", "\"thoughtLength\"", "\"lookahead\"",
                "\"optimizer\"", "\"learningRate\"", "\"training\"", "\"seed\"", "\"preset\"", "\"small-model\"",
                "\"thoughtSampling\"", "\"GREEDY\"", "\"x\"", "0", "-1", "3", "1e308", "NaN", "1.5", "65",
                "99999999999999999999", "null", "true", "\"\"", " ", "\n", "#", "- ", "'");
        return token.list().ofMaxSize(30).map(l -> String.join("", l));
    }

    @Property(tries = 2000)
    void anyJsonTextIsAConfigOrAnInvalidConfigException(@ForAll("jsonish") String text) {
        try {
            QuietStarConfig c = ConfigLoader.fromJson(text);
            assertThat(ConfigLoader.fromJson(ConfigLoader.toJson(c))).isEqualTo(c);
        } catch (InvalidConfigException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    @Property(tries = 1500)
    void anyYamlTextIsAConfigOrAnInvalidConfigException(@ForAll("jsonish") String text) {
        try {
            QuietStarConfig c = ConfigLoader.fromYaml(text);
            assertThat(c).isNotNull();
        } catch (InvalidConfigException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    @Property(tries = 1500)
    void theOfficialConfigWithOneCharacterChangedIsAConfigOrAnInvalidConfigException(
            @ForAll @IntRange(max = 100_000) int where, @ForAll char replacement) {
        char[] c = OFFICIAL.toCharArray();
        c[where % c.length] = replacement;
        try {
            assertThat(ConfigLoader.fromJson(new String(c))).isNotNull();
        } catch (InvalidConfigException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    @Property(tries = 1000)
    void anyOverrideIsAppliedOrAnInvalidConfigException(@ForAll("overrides") String override) {
        try {
            assertThat(ConfigLoader.override(QuietStarConfig.official(), List.of(override))).isNotNull();
        } catch (InvalidConfigException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    @Provide
    Arbitrary<String> overrides() {
        Arbitrary<String> part = Arbitraries.of("thoughtLength", "optimizer", ".", "learningRate", "training.seed",
                "=", "3", "-7", "1e-5", "x", "[", "{}", "null", "", "lookahead", "==");
        return part.list().ofMaxSize(5).map(l -> String.join("", l));
    }

    @Property(tries = 1000)
    void anyTokenizerSpecIsTheByteTokenizerOrAnIllegalArgumentException(@ForAll @IntRange(max = 10_000) int where,
            @ForAll char replacement) {
        char[] c = ByteTokenizer.SPEC_JSON.toCharArray();
        c[where % c.length] = replacement;
        try {
            assertThat(ByteTokenizer.fromSpecJson(new String(c))).isNotNull();
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).contains("spec");
        }
    }
}
