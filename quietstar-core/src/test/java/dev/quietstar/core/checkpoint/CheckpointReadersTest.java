package dev.quietstar.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.core.text.ByteTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointReadersTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void readsGpt2AndLlamaConfigs() throws Exception {
        DecoderSpec gpt2 = DecoderSpec.fromJson(JSON.readTree("{\"model_type\":\"gpt2\",\"vocab_size\":261,"
                + "\"n_embd\":32,\"n_layer\":2,\"n_head\":4,\"n_positions\":128}"));
        assertThat(gpt2.llama()).isFalse();
        assertThat(gpt2.headDim()).isEqualTo(8);
        assertThat(gpt2.intermediateSize()).isEqualTo(128);
        assertThat(gpt2.tieWordEmbeddings()).isTrue();
        DecoderSpec llama = DecoderSpec.fromJson(JSON.readTree("{\"model_type\":\"llama\",\"vocab_size\":512,"
                + "\"hidden_size\":64,\"num_hidden_layers\":5,\"num_attention_heads\":8,\"num_key_value_heads\":4,"
                + "\"intermediate_size\":172,\"max_position_embeddings\":512,\"tie_word_embeddings\":true}"));
        assertThat(llama.llama()).isTrue();
        assertThat(llama.kvHeads()).isEqualTo(4);
        assertThat(llama.headDim()).isEqualTo(8);
        assertThat(llama.ropeTheta()).isEqualTo(10000.0);
    }

    @Test
    void badConfigsNameTheField() {
        assertThatThrownBy(() -> DecoderSpec.fromJson(JSON.readTree("{\"model_type\":\"bert\"}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("model_type")
                .hasMessageContaining("bert");
        assertThatThrownBy(() -> DecoderSpec.fromJson(JSON.readTree("{\"model_type\":\"gpt2\",\"vocab_size\":261}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("n_embd");
        assertThatThrownBy(() -> DecoderSpec.fromJson(JSON.readTree("{\"model_type\":\"llama\",\"vocab_size\":512,"
                + "\"hidden_size\":64,\"num_hidden_layers\":5,\"num_attention_heads\":8,\"num_key_value_heads\":3,"
                + "\"intermediate_size\":172,\"max_position_embeddings\":512}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("num_key_value_heads 3");
        assertThatThrownBy(() -> DecoderSpec.read(tmp)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("config.json");
    }

    @Test
    void whatToJsonWritesReadsBackAsTheSameSpec() throws Exception {
        DecoderSpec qwen2 = new DecoderSpec(true, "qwen2", 64, 16, 2, 4, 2, 4, 40, 32, 10000.0, 1e-6, false, true);
        for (DecoderSpec spec : new DecoderSpec[] {DecoderSpec.gpt2(261, 32, 2, 4, 128),
            DecoderSpec.llama(261, 32, 2, 4, 2, 64, false), qwen2, qwen2.withVocabSize(66)}) {
            Files.writeString(tmp.resolve("config.json"), JSON.writeValueAsString(spec.toJson()));
            assertThat(DecoderSpec.read(tmp)).isEqualTo(spec);
        }
        assertThat(DecoderSpec.llama(261, 32, 2, 4, 2, 64, false).intermediateSize()).isEqualTo(88);
        Files.writeString(tmp.resolve("config.json"), "[1, 2]");
        assertThatThrownBy(() -> DecoderSpec.read(tmp)).hasMessageContaining("must hold a JSON object");
    }

    @Test
    void readsQuietStarJsonAndTheByteLevelTokenizer() throws Exception {
        var meta = JSON.createObjectNode();
        meta.put("format_version", 1);
        meta.set("config", JSON.valueToTree(QuietStarConfig.official().withShape(3, 2, 1, 32)));
        meta.put("start_token_id", 259);
        meta.put("end_token_id", 260);
        meta.put("meta_tokens_initialised", true);
        meta.put("tokenizer_type", "byte-level");
        Files.writeString(tmp.resolve("quietstar.json"), JSON.writeValueAsString(meta));
        Files.writeString(tmp.resolve("tokenizer.json"), ByteTokenizer.instance().toSpecJson());
        CheckpointInfo info = CheckpointInfo.read(tmp);
        assertThat(info.config().thoughtLength()).isEqualTo(3);
        assertThat(info.startTokenId()).isEqualTo(259);
        assertThat(info.engineNeutralTokenizer(tmp).encode("hi")).containsExactly('h', 'i');

        meta.put("tokenizer_type", "huggingface");
        Files.writeString(tmp.resolve("quietstar.json"), JSON.writeValueAsString(meta));
        assertThatThrownBy(() -> CheckpointInfo.read(tmp).engineNeutralTokenizer(tmp))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("HuggingFace tokenizers");

        meta.put("meta_tokens_initialised", false);
        Files.writeString(tmp.resolve("quietstar.json"), JSON.writeValueAsString(meta));
        assertThatThrownBy(() -> CheckpointInfo.read(tmp)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("never initialised");
    }
}
