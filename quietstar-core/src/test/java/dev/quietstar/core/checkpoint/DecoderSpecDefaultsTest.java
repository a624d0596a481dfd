package dev.quietstar.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The optional fields of a Llama-family config.json and their defaults, and reading it from a folder. */
class DecoderSpecDefaultsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BASE = "\"vocab_size\":32,\"hidden_size\":16,\"num_hidden_layers\":2,"
            + "\"num_attention_heads\":4,\"intermediate_size\":40,\"max_position_embeddings\":64";

    @TempDir
    Path tmp;

    private static DecoderSpec llama(String type, String extra) throws Exception {
        return DecoderSpec.fromJson(JSON.readTree("{\"model_type\":\"" + type + "\"," + BASE + extra + "}"));
    }

    @Test
    void absentOptionalFieldsTakeTheLlamaDefaults() throws Exception {
        DecoderSpec s = llama("llama", "");
        assertThat(s.kvHeads()).isEqualTo(4);
        assertThat(s.headDim()).isEqualTo(4);
        assertThat(s.ropeTheta()).isEqualTo(10000.0);
        assertThat(s.normEps()).isEqualTo(1e-6);
        assertThat(s.tieWordEmbeddings()).isFalse();
        assertThat(s.attentionBias()).isFalse();
    }

    @Test
    void presentOptionalFieldsAreRead() throws Exception {
        DecoderSpec s = llama("mistral", ",\"num_key_value_heads\":2,\"head_dim\":6,\"rope_theta\":500.0,"
                + "\"rms_norm_eps\":1e-5,\"tie_word_embeddings\":true,\"attention_bias\":true");
        assertThat(s.kvHeads()).isEqualTo(2);
        assertThat(s.headDim()).isEqualTo(6);
        assertThat(s.ropeTheta()).isEqualTo(500.0);
        assertThat(s.normEps()).isEqualTo(1e-5);
        assertThat(s.tieWordEmbeddings()).isTrue();
        assertThat(s.attentionBias()).isTrue();
        assertThat(llama("llama", ",\"tie_word_embeddings\":false,\"attention_bias\":false").attentionBias())
                .isFalse();
        assertThat(llama("qwen2", "").attentionBias()).as("qwen2 always has q/k/v biases").isTrue();
        assertThat(llama("llama", ",\"tie_word_embeddings\":null").tieWordEmbeddings()).isFalse();
    }

    /**
     * A sliding attention window was ignored: a Mistral config with {@code sliding_window} 8 computed full attention
     * over 64 positions, another model than the one the config describes. The model is now limited to the window,
     * over which windowed and full attention are the same computation.
     */
    @Test
    void aSlidingWindowLimitsThePositionsToWhereItEqualsFullAttention() throws Exception {
        assertThat(llama("mistral", ",\"sliding_window\":8").maxPositions()).isEqualTo(8);
        assertThat(llama("mistral", ",\"sliding_window\":4096").maxPositions()).isEqualTo(64);
        assertThat(llama("mistral", ",\"sliding_window\":null").maxPositions()).isEqualTo(64);
        assertThat(llama("qwen2", ",\"sliding_window\":8,\"use_sliding_window\":true").maxPositions()).isEqualTo(8);
        assertThat(llama("qwen2", ",\"sliding_window\":8,\"use_sliding_window\":false").maxPositions())
                .as("Qwen2 uses its window only when use_sliding_window is true").isEqualTo(64);
        assertThat(llama("llama", ",\"sliding_window\":8").maxPositions()).isEqualTo(64);
        assertThatThrownBy(() -> llama("mistral", ",\"sliding_window\":0"))
                .hasMessage("config.json: sliding_window must be > 0, was 0");
    }

    @Test
    void zeroSizesAndRopeScalingAreRefused() {
        assertThatThrownBy(() -> llama("llama", ",\"num_key_value_heads\":0"))
                .hasMessage("config.json: num_key_value_heads must be > 0, was 0");
        assertThatThrownBy(() -> llama("llama", ",\"rope_scaling\":{\"type\":\"yarn\",\"factor\":4}"))
                .hasMessageContaining("rope_scaling type 'yarn' is not supported");
    }

    @Test
    void readTakesTheFolderOfTheConfig() throws Exception {
        Files.writeString(tmp.resolve("config.json"), "{\"model_type\":\"llama\"," + BASE + "}");
        assertThat(DecoderSpec.read(tmp).hiddenSize()).isEqualTo(16);
        Path empty = Files.createDirectory(tmp.resolve("empty"));
        assertThatThrownBy(() -> DecoderSpec.read(empty)).hasMessageContaining("has no config.json");
    }
}
