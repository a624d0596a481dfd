package dev.quietstar.djl.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quietstar.djl.DjlEngines;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A tokenizer.json in which two tokens share an id used to load; it is refused, naming both tokens. */
class TokenizerIdsTest {

    @BeforeAll
    static void engine() {
        DjlEngines.pytorch();
    }

    private static String wordLevel(String vocab) {
        return "{\"version\":\"1.0\",\"added_tokens\":[],\"normalizer\":null,"
                + "\"pre_tokenizer\":{\"type\":\"Whitespace\"},\"post_processor\":null,\"decoder\":null,"
                + "\"model\":{\"type\":\"WordLevel\",\"vocab\":" + vocab + ",\"unk_token\":\"<unk>\"}}";
    }

    @Test
    void twoTokensWithOneIdAreRefused() {
        byte[] good = wordLevel("{\"<unk>\":0,\"a\":1,\"b\":2}").getBytes(StandardCharsets.UTF_8);
        assertThat(HfTextTokenizer.fromJson(good, "good", Map.of()).encode("a b")).containsExactly(1, 2);
        byte[] dup = wordLevel("{\"<unk>\":0,\"a\":1,\"b\":1}").getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> HfTextTokenizer.fromJson(dup, "dup", Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("share id 1")
                .hasMessageContaining("'a'").hasMessageContaining("'b'");
    }
}
