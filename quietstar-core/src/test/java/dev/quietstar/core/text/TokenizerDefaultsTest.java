package dev.quietstar.core.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The default methods of {@link TextTokenizer} and the edges of {@link ByteTokenizer}'s id ranges. */
class TokenizerDefaultsTest {

    /** Ids are the characters' codes; BOS and EOS as given. */
    private record Chars(OptionalInt bosId, OptionalInt eosId) implements TextTokenizer {
        @Override
        public int[] encode(String text) {
            return text.chars().toArray();
        }

        @Override
        public String decode(int[] ids) {
            StringBuilder b = new StringBuilder();
            for (int id : ids) {
                b.append((char) id);
            }
            return b.toString();
        }

        @Override
        public int vocabSize() {
            return 128;
        }

        @Override
        public OptionalInt padId() {
            return OptionalInt.empty();
        }

        @Override
        public OptionalInt tokenId(String token) {
            return OptionalInt.empty();
        }
    }

    @Test
    void documentsStartWithBosOrElseEosOrNothing() {
        Chars both = new Chars(OptionalInt.of(1), OptionalInt.of(2));
        assertThat(both.documentStartId()).hasValue(1);
        assertThat(both.withDocumentStart(new int[] {65, 66})).containsExactly(1, 65, 66);
        Chars eosOnly = new Chars(OptionalInt.empty(), OptionalInt.of(2));
        assertThat(eosOnly.documentStartId()).hasValue(2);
        assertThat(eosOnly.withDocumentStart(new int[] {65})).containsExactly(2, 65);
        Chars none = new Chars(OptionalInt.empty(), OptionalInt.empty());
        assertThat(none.documentStartId()).isEmpty();
        int[] body = {65, 66};
        assertThat(none.withDocumentStart(body)).isSameAs(body);
        assertThat(none.decodeAfter(new int[] {67}, new int[] {65, 66})).isEqualTo("AB");
    }

    @Test
    void byteTokenizerIdEdges() {
        ByteTokenizer tok = ByteTokenizer.instance();
        assertThat(tok.decode(new int[] {256})).isEqualTo("<bos>").isEqualTo(ByteTokenizer.specialTokenName(256));
        assertThat(tok.decode(new int[] {'a', 260, 'b'})).isEqualTo("a<|endofthought|>b");
        assertThat(tok.decode(new int[] {255})).isEqualTo("\uFFFD");
        assertThatThrownBy(() -> tok.decode(new int[] {'a', 261})).hasMessageContaining("token id 261 at index 1")
                .hasMessageContaining("0..260");
        assertThatThrownBy(() -> tok.decode(new int[] {-1})).hasMessageContaining("token id -1");
        assertThat(ByteTokenizer.specialTokenName(260)).isEqualTo("<|endofthought|>");
        assertThat(ByteTokenizer.specialTokenName(258)).isEqualTo("<pad>");
        assertThatThrownBy(() -> ByteTokenizer.specialTokenName(255)).hasMessageContaining("256..260");
        assertThatThrownBy(() -> ByteTokenizer.specialTokenName(261)).hasMessageContaining("not a special token");
        assertThat(tok.tokenId("\u007f")).hasValue(127);
        assertThat(tok.tokenId("\u0080")).isEmpty();
        assertThat(tok.tokenId(null)).isEmpty();
        assertThat(tok.toString()).isEqualTo("ByteTokenizer[vocabSize=261]");
    }

    @Test
    void aSpecMissingASpecialTokenNamesItsExpectedId() {
        String spec = ByteTokenizer.SPEC_JSON.replace("\"<eos>\":257,", "");
        assertThat(spec).isNotEqualTo(ByteTokenizer.SPEC_JSON);
        assertThatThrownBy(() -> ByteTokenizer.fromSpecJson(spec)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lacks special token <eos> (expected id 257)");
    }
}
