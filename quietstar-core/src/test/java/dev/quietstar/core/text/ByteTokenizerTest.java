package dev.quietstar.core.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class ByteTokenizerTest {

    private final ByteTokenizer tok = new ByteTokenizer();

    @Test
    void idsFollowTheDocumentedLayout() {
        assertThat(ByteTokenizer.BOS).isEqualTo(256);
        assertThat(ByteTokenizer.EOS).isEqualTo(257);
        assertThat(ByteTokenizer.PAD).isEqualTo(258);
        assertThat(ByteTokenizer.START_OF_THOUGHT).isEqualTo(259);
        assertThat(ByteTokenizer.END_OF_THOUGHT).isEqualTo(260);
        assertThat(tok.vocabSize()).isEqualTo(261).isEqualTo(ByteTokenizer.VOCAB_SIZE);
        assertThat(tok.bosId()).hasValue(256);
        assertThat(tok.eosId()).hasValue(257);
        assertThat(tok.padId()).hasValue(258);
    }

    @Test
    void encodesUtf8Bytes() {
        assertThat(tok.encode("Ab1")).containsExactly(65, 98, 49);
        assertThat(tok.encode("é")).containsExactly(0xC3, 0xA9);
        assertThat(tok.encode("")).isEmpty();
    }

    @Test
    void encodeNeverEmitsSpecialTokens() {
        int[] ids = tok.encode("<bos>x<|startofthought|>");
        assertThat(ids).hasSize("<bos>x<|startofthought|>".length());
        assertThat(java.util.Arrays.stream(ids).max().orElseThrow()).isLessThan(256);
    }

    @Test
    void roundTripsUnicodeText() {
        String text = "Q: 4821+397=?\nA: 5218 — naïve 日本語 🙂";
        assertThat(tok.decode(tok.encode(text))).isEqualTo(text);
    }

    @Test
    void decodesSpecialsByName() {
        int[] ids = {ByteTokenizer.BOS, 'h', 'i', ByteTokenizer.START_OF_THOUGHT, ByteTokenizer.END_OF_THOUGHT,
            ByteTokenizer.PAD, ByteTokenizer.EOS};
        assertThat(tok.decode(ids)).isEqualTo("<bos>hi<|startofthought|><|endofthought|><pad><eos>");
    }

    @Test
    void invalidUtf8DecodesToReplacementCharacter() {
        assertThat(tok.decode(new int[] {'a', 0xFF, 'b'})).isEqualTo("a\uFFFDb");
        // A multi-byte sequence cut by a special token is invalid on both sides of it.
        assertThat(tok.decode(new int[] {0xC3, ByteTokenizer.BOS, 0xA9})).isEqualTo("\uFFFD<bos>\uFFFD");
    }

    @Test
    void decodeRejectsIdsOutsideTheVocabulary() {
        assertThatThrownBy(() -> tok.decode(new int[] {1, 261}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("261")
                .hasMessageContaining("0..260");
        assertThatThrownBy(() -> tok.decode(new int[] {-1}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
    }

    @Test
    void findsTokensByExactString() {
        assertThat(tok.tokenId("<|startofthought|>")).hasValue(259);
        assertThat(tok.tokenId("<|endofthought|>")).hasValue(260);
        assertThat(tok.tokenId("<pad>")).hasValue(258);
        assertThat(tok.tokenId("[")).hasValue(91);
        assertThat(tok.tokenId("-")).hasValue(45);
        assertThat(tok.tokenId("---")).isEmpty();
        assertThat(tok.tokenId("é")).isEmpty();
        assertThat(tok.tokenId("")).isEmpty();
        assertThat(tok.tokenId("<BOS>")).isEmpty();
    }

    @Test
    void specJsonIsStable() throws Exception {
        JsonNode spec = new ObjectMapper().readTree(tok.toSpecJson());
        assertThat(spec.get("type").asText()).isEqualTo("quietstar-byte-level");
        assertThat(spec.get("version").asInt()).isEqualTo(1);
        assertThat(spec.get("special_tokens").get("<bos>").asInt()).isEqualTo(256);
        assertThat(spec.get("special_tokens").get("<|endofthought|>").asInt()).isEqualTo(260);
        assertThat(tok.toSpecJson()).isEqualTo(ByteTokenizer.SPEC_JSON)
                .startsWith("{\"type\":\"quietstar-byte-level\",\"version\":1,\"special_tokens\":{\"<bos>\":256,");
    }

    @Test
    void specJsonRoundTrips() {
        ByteTokenizer read = ByteTokenizer.fromSpecJson(ByteTokenizer.SPEC_JSON);
        assertThat(read.encode("x")).containsExactly('x');
        assertThat(read.vocabSize()).isEqualTo(261);
    }

    @Test
    void specJsonRejectsOtherTokenizers() {
        assertThatThrownBy(() -> ByteTokenizer.fromSpecJson("{\"type\":\"bpe\",\"version\":1}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'bpe'")
                .hasMessageContaining("quietstar-byte-level");
        assertThatThrownBy(() -> ByteTokenizer.fromSpecJson(ByteTokenizer.SPEC_JSON.replace("\"version\":1",
                "\"version\":2")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("version 2");
        assertThatThrownBy(() -> ByteTokenizer.fromSpecJson(ByteTokenizer.SPEC_JSON.replace("\"<pad>\":258",
                "\"<pad>\":0")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("<pad>")
                .hasMessageContaining("258");
        assertThatThrownBy(() -> ByteTokenizer.fromSpecJson(ByteTokenizer.SPEC_JSON.replace("\"<eos>\":257,", "")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lacks special token <eos>");
        assertThatThrownBy(() -> ByteTokenizer.fromSpecJson("not json"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not valid JSON");
    }
}
