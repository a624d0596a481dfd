package dev.quietstar.core.llama2c;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The llama2.c tokenizer reader and its tokenizer.json on the real vocabulary and on broken files. */
class Llama2cVocabularyTest {

    @TempDir
    Path dir;

    @Test
    void readsTheRealVocabularyAndWritesTheLlamaLayout() {
        Llama2cVocabulary v = Llama2cVocabulary.read(Stories260K.tokenizer(), 512);
        assertThat(v.size()).isEqualTo(512);
        assertThat(v.pieces().get(410)).isEqualTo(" ");
        assertThat(v.pieces().get(403)).isEqualTo(" Once");
        JsonNode json = v.toTokenizerJson();
        JsonNode vocab = json.path("model").path("vocab");
        assertThat(vocab.get("<s>").asInt()).isEqualTo(1);
        assertThat(vocab.get("</s>").asInt()).isEqualTo(2);
        assertThat(vocab.get("<0x41>").asInt()).isEqualTo(0x41 + 3);
        assertThat(vocab.get("\u2581Once").asInt()).isEqualTo(403);
        assertThat(json.path("model").path("byte_fallback").asBoolean()).isTrue();
        // " t" (score 0) is the best merge, so the first rule.
        assertThat(json.path("model").path("merges").get(0).asText()).isEqualTo("\u2581 t");
    }

    @Test
    void aVocabularyThatDoesNotMatchTheModelIsRejected() {
        assertThatThrownBy(() -> Llama2cVocabulary.read(Stories260K.tokenizer(), 300))
                .hasMessageContaining("bytes after its 300 tokens");
        assertThatThrownBy(() -> Llama2cVocabulary.read(Stories260K.tokenizer(), 600))
                .hasMessageContaining("truncated at token 512");
    }

    @Test
    void truncatedAndCorruptFilesAreRejectedNamingTheToken() throws IOException {
        byte[] all = Files.readAllBytes(Stories260K.tokenizer());
        Path cut = dir.resolve("cut.bin");
        Files.write(cut, Arrays.copyOf(all, all.length - 3));
        assertThatThrownBy(() -> Llama2cVocabulary.read(cut, 512)).hasMessageContaining("truncated inside token 511");

        byte[] bad = all.clone();
        // token 0: score at 4..7, length at 8..11
        ByteBuffer.wrap(bad).order(ByteOrder.LITTLE_ENDIAN).putInt(8, -7);
        Path neg = dir.resolve("neg.bin");
        Files.write(neg, bad);
        assertThatThrownBy(() -> Llama2cVocabulary.read(neg, 512)).hasMessageContaining("token 0 has byte length -7");

        byte[] header = all.clone();
        ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 0);
        Path zero = dir.resolve("zero.bin");
        Files.write(zero, header);
        assertThatThrownBy(() -> Llama2cVocabulary.read(zero, 512)).hasMessageContaining("max_token_length");
    }

    @Test
    void aVocabularyWithoutTheSpecialLayoutIsRejected() throws IOException {
        byte[] all = Files.readAllBytes(Stories260K.tokenizer());
        byte[] bad = all.clone();
        bad[12] = 'X'; // first byte of "<unk>"
        Path f = dir.resolve("unk.bin");
        Files.write(f, bad);
        assertThatThrownBy(() -> Llama2cVocabulary.read(f, 512)).hasMessageContaining("token 0 must be '<unk>'");
    }

    @Test
    void missingFileIsNamed() {
        assertThatThrownBy(() -> Llama2cVocabulary.read(dir.resolve("none.bin"), 512))
                .hasMessageContaining("none.bin").hasMessageContaining("does not exist");
    }
}
