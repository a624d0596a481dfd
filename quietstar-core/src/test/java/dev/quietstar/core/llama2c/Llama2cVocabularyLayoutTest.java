package dev.quietstar.core.llama2c;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A hand-made llama2.c tokenizer file: the special layout, length boundaries and the order of the merges. */
class Llama2cVocabularyLayoutTest {

    @TempDir
    Path dir;

    /** The mandatory 259 pieces (unk, BOS, EOS, bytes) with score 0. */
    private static List<String> layout() {
        List<String> p = new ArrayList<>();
        p.add("<unk>");
        p.add("\n<s>\n");
        p.add("\n</s>\n");
        for (int b = 0; b < 256; b++) {
            p.add(String.format("<0x%02X>", b));
        }
        return p;
    }

    private Path file(int maxLength, List<String> pieces, float[] extraScores) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(maxLength).array());
        for (int id = 0; id < pieces.size(); id++) {
            byte[] b = pieces.get(id).getBytes(StandardCharsets.UTF_8);
            float score = id < 259 ? 0f : extraScores[id - 259];
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(score).putInt(b.length).array());
            out.write(b);
        }
        Path f = Files.createTempFile(dir, "tok", ".bin");
        Files.write(f, out.toByteArray());
        return f;
    }

    @Test
    void mergesAreOrderedByTheMergedPiecesScoreThenId() throws Exception {
        List<String> p = layout();
        p.add("a"); // 259
        p.add("b"); // 260
        p.add("ab"); // 261, score -0.5
        p.add("ba"); // 262, score -0.1: best, so first although its id is larger
        p.add("aba"); // 263, splits a|ba and ab|a
        Llama2cVocabulary v = Llama2cVocabulary.read(file(6, p, new float[] {-1, -2, -0.5f, -0.1f, -4}), 264);
        assertThat(v.size()).isEqualTo(264);
        assertThat(v.score(261)).isEqualTo(-0.5f);
        assertThat(v.score(262)).isEqualTo(-0.1f);
        JsonNode json = v.toTokenizerJson();
        List<String> merges = new ArrayList<>();
        json.path("model").path("merges").forEach(m -> merges.add(m.asText()));
        assertThat(merges).containsExactly("b a", "a b", "a ba", "ab a");
        JsonNode added = json.path("added_tokens");
        assertThat(added).hasSize(3);
        assertThat(added.get(0).path("content").asText()).isEqualTo("<unk>");
        assertThat(added.get(1).path("content").asText()).isEqualTo("<s>");
        assertThat(added.get(2).path("id").asInt()).isEqualTo(2);
        assertThat(json.path("model").path("vocab").path("aba").asInt()).isEqualTo(263);
    }

    @Test
    void theSmallestVocabularyAndTheLongestPieceAreAccepted() throws Exception {
        assertThat(Llama2cVocabulary.read(file(6, layout(), new float[0]), 259).size()).isEqualTo(259);
        assertThatThrownBy(() -> Llama2cVocabulary.read(file(6, layout(), new float[0]), 258))
                .hasMessageContaining("at least 259 tokens");
        // "<0x00>" is 6 bytes: a max_token_length of 6 fits it, 5 does not
        assertThatThrownBy(() -> Llama2cVocabulary.read(file(5, layout(), new float[0]), 259))
                .hasMessageContaining("has byte length 6, outside 0..5");
        assertThatThrownBy(() -> Llama2cVocabulary.read(file(65537, layout(), new float[0]), 259))
                .hasMessageContaining("max_token_length must be in 1..65536, was 65537");
        Path truncated = dir.resolve("three.bin");
        Files.write(truncated, new byte[3]);
        assertThatThrownBy(() -> Llama2cVocabulary.read(truncated, 259)).hasMessageContaining("truncated: 3 bytes");
    }

    @Test
    void everyPlaceOfTheSpecialLayoutIsChecked() throws Exception {
        for (int id : new int[] {1, 2, 3, 3 + 0x41, 258}) {
            List<String> p = layout();
            p.set(id, "zz");
            assertThatThrownBy(() -> Llama2cVocabulary.read(file(6, p, new float[0]), 259))
                    .as("token %d", id).hasMessageContaining("token " + id + " must be");
        }
        List<String> empty = layout();
        empty.add("");
        assertThatThrownBy(() -> Llama2cVocabulary.read(file(6, empty, new float[] {0}), 260))
                .hasMessageContaining("token 259 is empty");
        List<String> dup = layout();
        dup.add("x");
        dup.add("x");
        assertThatThrownBy(() -> Llama2cVocabulary.read(file(6, dup, new float[] {0, 0}), 261))
                .hasMessageContaining("tokens 259 and 260 are the same piece 'x'");
        List<String> mark = layout();
        mark.add("\u2581x");
        assertThatThrownBy(() -> Llama2cVocabulary.read(file(6, mark, new float[] {0}), 260))
                .hasMessageContaining("U+2581");
        List<String> nonFinite = layout();
        nonFinite.add("y");
        assertThatThrownBy(() -> Llama2cVocabulary.read(file(6, nonFinite, new float[] {Float.NaN}), 260))
                .hasMessageContaining("token 259 has a non-finite score");
    }
}
