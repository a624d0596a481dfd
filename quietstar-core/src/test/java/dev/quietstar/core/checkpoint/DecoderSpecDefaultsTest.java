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
        DecoderSpec s = llama("llama", ",\"num_key_value_heads\":2,\"head_dim\":6,\"rope_theta\":500.0,"
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
        assertThat(llama("mistral", ",\"attention_bias\":true").attentionBias())
                .as("MistralAttention creates no biases whatever the file says").isFalse();
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

    /**
     * transformers' LlamaAttention passes {@code attention_bias} to o_proj as well as to q/k/v; the library gave
     * o_proj no bias and ignored the checkpoint's {@code o_proj.bias}. Qwen2 has q/k/v biases only.
     */
    @Test
    void attentionBiasGivesLlamasOutputProjectionABiasButNotQwen2s() throws Exception {
        assertThat(llama("llama", ",\"attention_bias\":true").outputProjectionBias()).isTrue();
        assertThat(llama("llama", "").outputProjectionBias()).isFalse();
        assertThat(llama("qwen2", ",\"attention_bias\":true").outputProjectionBias()).isFalse();
        assertThat(llama("mistral", ",\"attention_bias\":true").outputProjectionBias()).isFalse();
    }

    @Test
    void fieldsThatWouldChangeTheComputationAreRefusedByName() throws Exception {
        assertThat(llama("llama", ",\"mlp_bias\":false").layers()).isEqualTo(2);
        assertThatThrownBy(() -> llama("llama", ",\"mlp_bias\":true")).hasMessageContaining("mlp_bias");
        String gpt2 = "{\"model_type\":\"gpt2\",\"vocab_size\":32,\"n_embd\":16,\"n_layer\":1,\"n_head\":4,"
                + "\"n_positions\":16";
        assertThat(DecoderSpec.fromJson(JSON.readTree(gpt2 + ",\"scale_attn_weights\":true,"
                + "\"scale_attn_by_inverse_layer_idx\":false,\"tie_word_embeddings\":true}")).layers()).isEqualTo(1);
        assertThatThrownBy(() -> DecoderSpec.fromJson(JSON.readTree(gpt2 + ",\"tie_word_embeddings\":false}")))
                .hasMessageContaining("tie_word_embeddings");
        assertThatThrownBy(() -> DecoderSpec.fromJson(JSON.readTree(gpt2 + ",\"scale_attn_weights\":false}")))
                .hasMessageContaining("scale_attn_weights");
        assertThatThrownBy(() -> DecoderSpec.fromJson(JSON.readTree(gpt2
                + ",\"scale_attn_by_inverse_layer_idx\":true}")))
                .hasMessageContaining("scale_attn_by_inverse_layer_idx");
    }

    /**
     * transformers 5 writes {@code rope_parameters} (with {@code rope_theta} inside) instead of {@code rope_theta} and
     * {@code rope_scaling}; such a file used to run at the default base 10000 without a word.
     */
    @Test
    void ropeParametersAreReadLikeRopeThetaAndRopeScaling() throws Exception {
        DecoderSpec plain = llama("qwen2", ",\"rope_parameters\":{\"rope_type\":\"default\",\"rope_theta\":1000000.0}");
        assertThat(plain.ropeTheta()).isEqualTo(1e6);
        assertThat(plain.ropeScaling()).isEqualTo(RopeScaling.NONE);
        DecoderSpec scaled = llama("llama", ",\"rope_parameters\":{\"rope_type\":\"llama3\",\"rope_theta\":500000.0,"
                + "\"factor\":8.0,\"low_freq_factor\":1.0,\"high_freq_factor\":4.0,"
                + "\"original_max_position_embeddings\":8192}");
        assertThat(scaled.ropeTheta()).isEqualTo(5e5);
        assertThat(scaled.ropeScaling()).isEqualTo(new RopeScaling("llama3", 8.0, 1.0, 4.0, 8192));
        assertThat(llama("llama", ",\"rope_theta\":20.0,\"rope_parameters\":{\"rope_type\":\"linear\",\"factor\":2}")
                .ropeTheta()).as("a rope_parameters without a base keeps rope_theta").isEqualTo(20.0);
        assertThatThrownBy(() -> llama("llama", ",\"rope_parameters\":{\"rope_type\":\"yarn\",\"factor\":4}"))
                .hasMessageContaining("'yarn' is not supported");
        assertThatThrownBy(() -> llama("llama", ",\"rope_parameters\":{\"rope_type\":\"linear\",\"factor\":2},"
                + "\"rope_scaling\":{\"rope_type\":\"linear\",\"factor\":2}"))
                .hasMessageContaining("both rope_scaling and rope_parameters");
    }

    @Test
    void qwen3HasPerHeadNormsItsOwnHeadDimDefaultAndQwen2sWindowRule() throws Exception {
        DecoderSpec s = llama("qwen3", "");
        assertThat(s.qkNorm()).isTrue();
        assertThat(s.headDim()).as("Qwen3Config's head_dim default, whatever the width").isEqualTo(128);
        assertThat(s.attentionBias()).isFalse();
        assertThat(s.tieWordEmbeddings()).isFalse();
        assertThat(s.normEps()).isEqualTo(1e-6);
        assertThat(llama("qwen3", ",\"head_dim\":8").headDim()).isEqualTo(8);
        assertThat(llama("llama", "").qkNorm()).isFalse();
        DecoderSpec biased = llama("qwen3", ",\"attention_bias\":true");
        assertThat(biased.attentionBias()).isTrue();
        assertThat(biased.outputProjectionBias()).as("Qwen3Attention biases o_proj too").isTrue();
        assertThat(llama("qwen3", ",\"use_sliding_window\":true,\"sliding_window\":16,\"max_window_layers\":1")
                .maxPositions()).isEqualTo(16);
        assertThat(llama("qwen3", ",\"use_sliding_window\":false,\"sliding_window\":16").maxPositions())
                .isEqualTo(64);
        assertThat(llama("qwen3", ",\"layer_types\":[\"full_attention\",\"sliding_attention\"]").layers())
                .isEqualTo(2);
        assertThatThrownBy(() -> llama("qwen3", ",\"layer_types\":[\"full_attention\",\"chunked_attention\"]"))
                .hasMessageContaining("layer_types entry \"chunked_attention\" is not implemented");
        DecoderSpec again = DecoderSpec.fromJson(biased.toJson());
        assertThat(again).isEqualTo(biased);
        assertThat(biased.toJson().get("architectures").get(0).asText()).isEqualTo("Qwen3ForCausalLM");
        assertThatThrownBy(() -> new DecoderSpec(true, "qwen3", 32, 16, 2, 4, 4, 4, 40, 64, 1e4, 1e-6, false, false))
                .hasMessageContaining("q_norm");
        assertThatThrownBy(() -> new DecoderSpec(true, "llama", 32, 16, 2, 4, 4, 4, 40, 64, 1e4, 1e-6, false, false,
                RopeScaling.NONE, true)).hasMessageContaining("q_norm");
    }

    @Test
    void phi3ReadsPartialRotaryItsWindowAndRefusesWhatItDoesNotImplement() throws Exception {
        DecoderSpec s = llama("phi3", "");
        assertThat(s.fusedProjections()).isTrue();
        assertThat(s.rotaryDim()).isEqualTo(s.headDim());
        assertThat(s.normEps()).as("Phi3Config's rms_norm_eps default").isEqualTo(1e-5);
        assertThat(s.attentionBias()).isFalse();
        assertThat(s.maxPositions()).as("Phi3Config has no window by default").isEqualTo(64);
        assertThat(llama("phi3", ",\"sliding_window\":47").maxPositions()).isEqualTo(47);
        assertThat(llama("phi3", ",\"sliding_window\":null").maxPositions()).isEqualTo(64);
        assertThat(llama("llama", "").fusedProjections()).isFalse();
        // Phi-4-mini: partial_rotary_factor 0.75 of a head of 128 rotates 96 values
        DecoderSpec partial = llama("phi3", ",\"head_dim\":128,\"partial_rotary_factor\":0.75");
        assertThat(partial.rotaryDim()).isEqualTo(96);
        assertThat(partial.rotaryInverseFrequencies()).hasSize(48);
        assertThat((double) partial.rotaryInverseFrequencies()[1]).isCloseTo(1 / Math.pow(10000, 2.0 / 96),
                org.assertj.core.data.Offset.offset(1e-7));
        assertThat(DecoderSpec.fromJson(partial.toJson())).isEqualTo(partial);
        DecoderSpec odd = new DecoderSpec(true, "phi3", 32, 16, 2, 4, 4, 30, 40, 64, 1e4, 1e-5, false, false,
                RopeScaling.NONE, false, 22);
        assertThat(DecoderSpec.fromJson(odd.toJson())).as("22 of 30 read back as transformers computes it")
                .isEqualTo(odd);
        assertThat(llama("phi3", ",\"rope_parameters\":{\"rope_type\":\"default\",\"rope_theta\":10000.0,"
                + "\"partial_rotary_factor\":0.5}").rotaryDim()).isEqualTo(2);
        assertThat(partial.toJson().get("architectures").get(0).asText()).isEqualTo("Phi3ForCausalLM");
        assertThatThrownBy(() -> llama("phi3", ",\"rope_scaling\":{\"type\":\"longrope\",\"short_factor\":[1],"
                + "\"long_factor\":[1]}")).hasMessageContaining("'longrope' is not supported");
        assertThatThrownBy(() -> llama("phi3", ",\"rope_scaling\":{\"type\":\"linear\",\"factor\":2}"))
                .hasMessageContaining("not a Phi-3 rope type");
        assertThatThrownBy(() -> llama("llama", ",\"partial_rotary_factor\":0.5"))
                .hasMessageContaining("partial_rotary_factor 0.5 is not implemented for llama");
        assertThatThrownBy(() -> llama("phi3", ",\"partial_rotary_factor\":0.3"))
                .as("int(4 * 0.3) = 1 is odd").hasMessageContaining("must be even");
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
