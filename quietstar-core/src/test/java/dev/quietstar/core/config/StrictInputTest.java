package dev.quietstar.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.core.checkpoint.DecoderSpec;
import org.junit.jupiter.api.Test;

/**
 * Inputs that used to be accepted silently, or to give an internal error, and are now refused by name: fractional
 * integers and duplicate keys in configuration files, and config.json values that make every output NaN or that
 * name a computation the decoder does not implement.
 */
class StrictInputTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aFractionalIntegerOrADuplicateKeyInAConfigurationIsRefused() {
        assertThatThrownBy(() -> ConfigLoader.fromJson("{\"training\": {\"steps\": 2.9}}"))
                .hasMessageContaining("steps");
        assertThatThrownBy(() -> ConfigLoader.fromYaml("training:\n  steps: 2.9\n")).hasMessageContaining("steps");
        assertThatThrownBy(() -> ConfigLoader.fromJson("{\"thoughtLength\": 4, \"thoughtLength\": 8}"))
                .hasMessageContaining("thoughtLength");
        assertThatThrownBy(() -> ConfigLoader.fromYaml("thoughtLength: 4\nthoughtLength: 8\n"))
                .hasMessageContaining("thoughtLength");
        QuietStarConfig ok = ConfigLoader.fromJson("{\"training\": {\"steps\": 3}}");
        assertThat(ok.training().steps()).isEqualTo(3);
    }

    private static ObjectNode llama() {
        ObjectNode n = JSON.createObjectNode();
        n.put("model_type", "llama");
        n.put("vocab_size", 32);
        n.put("hidden_size", 16);
        n.put("num_hidden_layers", 1);
        n.put("num_attention_heads", 2);
        n.put("intermediate_size", 32);
        n.put("max_position_embeddings", 64);
        return n;
    }

    private static ObjectNode gpt2() {
        ObjectNode n = JSON.createObjectNode();
        n.put("model_type", "gpt2");
        n.put("vocab_size", 32);
        n.put("n_embd", 16);
        n.put("n_layer", 1);
        n.put("n_head", 2);
        n.put("n_positions", 64);
        return n;
    }

    @Test
    void configValuesThatMakeEveryOutputNanAreRefusedByName() {
        assertThat(DecoderSpec.fromJson(llama()).ropeTheta()).isEqualTo(10000.0);
        assertThatThrownBy(() -> DecoderSpec.fromJson(llama().put("rope_theta", -1.0)))
                .hasMessageContaining("rope_theta must be a finite number > 0, was -1.0");
        assertThatThrownBy(() -> DecoderSpec.fromJson(llama().put("rope_theta", Double.NaN)))
                .hasMessageContaining("rope_theta");
        assertThatThrownBy(() -> DecoderSpec.fromJson(llama().put("rms_norm_eps", 0.0)))
                .hasMessageContaining("rms_norm_eps must be a finite number > 0");
        assertThatThrownBy(() -> DecoderSpec.fromJson(gpt2().put("layer_norm_epsilon", -1e-5)))
                .hasMessageContaining("layer_norm_epsilon must be a finite number > 0");
    }

    @Test
    void aComputationTheDecoderDoesNotImplementIsRefusedNotReplaced() {
        assertThat(DecoderSpec.fromJson(gpt2().put("activation_function", "gelu_new")).hiddenSize()).isEqualTo(16);
        assertThatThrownBy(() -> DecoderSpec.fromJson(gpt2().put("activation_function", "relu")))
                .hasMessageContaining("activation_function 'relu' is not implemented");
        assertThatThrownBy(() -> DecoderSpec.fromJson(llama().put("hidden_act", "gelu")))
                .hasMessageContaining("hidden_act 'gelu' is not implemented");
        assertThatThrownBy(() -> DecoderSpec.fromJson(gpt2().put("n_head", 0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("n_head must be > 0, was 0");
        assertThatThrownBy(() -> DecoderSpec.fromJson(llama().put("num_attention_heads", 0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("num_attention_heads must be > 0");
    }
}
