package dev.quietstar.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/**
 * Reading a {@code gemma3_text} config.json as transformers' {@code Gemma3TextConfig} does: its defaults, both
 * spellings of its two rotary settings, the layer kinds and the window that bounds the positions, the fields refused
 * by name, and the round trip through {@link DecoderSpec#toJson()} that a saved checkpoint depends on.
 */
class GemmaSpecTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BASE = "\"model_type\":\"gemma3_text\",\"vocab_size\":32,\"hidden_size\":16,"
            + "\"num_hidden_layers\":7,\"num_attention_heads\":4,\"intermediate_size\":40";

    private static DecoderSpec gemma(String extra) throws Exception {
        return DecoderSpec.fromJson(JSON.readTree("{" + BASE + extra + "}"));
    }

    @Test
    void absentFieldsTakeGemma3TextConfigsDefaults() throws Exception {
        DecoderSpec s = gemma("");
        assertThat(s.llama()).isTrue();
        assertThat(s.headDim()).as("Gemma3TextConfig's head_dim").isEqualTo(256);
        assertThat(s.kvHeads()).as("Gemma3TextConfig's num_key_value_heads").isEqualTo(4);
        assertThat(s.tieWordEmbeddings()).isTrue();
        assertThat(s.attentionBias()).isFalse();
        assertThat(s.normEps()).isEqualTo(1e-6);
        assertThat(s.qkNorm()).isTrue();
        assertThat(s.ropeTheta()).isEqualTo(1e6);
        assertThat(s.ropeScaling()).isEqualTo(RopeScaling.NONE);
        assertThat(s.gemma().localRopeTheta()).isEqualTo(1e4);
        assertThat(s.gemma().queryPreAttnScalar()).isEqualTo(256);
        assertThat(s.gemma().slidingWindow()).isEqualTo(4096);
        assertThat(s.maxPositions()).as("131072 positions, bounded by the 4096 window").isEqualTo(4096);
        // every sixth layer is full attention
        assertThat(s.gemma().slidingLayers()).containsExactly(true, true, true, true, true, false, true);
        assertThat(s.attentionScoreDivisor()).isEqualTo(16.0);
        assertThat(s.embeddingScale()).isEqualTo((float) Math.sqrt(16));
        assertThat(s.normWeightOffset()).isEqualTo(1f);
        assertThat(s.sandwichNorms()).isTrue();
        assertThat(s.geluTanhMlp()).isTrue();
        assertThat(s.outputProjectionBias()).isFalse();
        assertThat(gemma(",\"attention_bias\":true").outputProjectionBias())
                .as("Gemma3Attention passes attention_bias to o_proj too").isTrue();
    }

    @Test
    void otherTypesKeepTheirArithmetic() throws Exception {
        DecoderSpec llama = DecoderSpec.llama(32, 16, 2, 4, 4, 64, false);
        assertThat(llama.gemma()).isNull();
        assertThat(llama.embeddingScale()).isEqualTo(1f);
        assertThat(llama.normWeightOffset()).isEqualTo(0f);
        assertThat(llama.attentionScoreDivisor()).isEqualTo(2.0);
        assertThat(llama.sandwichNorms()).isFalse();
        assertThat(llama.geluTanhMlp()).isFalse();
        assertThat(llama.slidingLayer(0)).isFalse();
        assertThat(llama.rotaryInverseFrequencies(1)).isEqualTo(llama.rotaryInverseFrequencies());
    }

    /** Gemma 3 270M / 1B: 18 or 26 layers, window 512, explicit layer_types as recent files carry them. */
    @Test
    void layerTypesGiveEachLayerItsKindAndTheWindowBoundsThePositions() throws Exception {
        DecoderSpec s = gemma(",\"head_dim\":8,\"max_position_embeddings\":32768,\"sliding_window\":512,"
                + "\"layer_types\":[\"sliding_attention\",\"full_attention\",\"sliding_attention\","
                + "\"sliding_attention\",\"sliding_attention\",\"sliding_attention\",\"full_attention\"],"
                + "\"query_pre_attn_scalar\":8,\"rope_local_base_freq\":10000.0,\"rope_theta\":1000000.0");
        assertThat(s.maxPositions()).isEqualTo(512);
        assertThat(s.slidingLayer(0)).isTrue();
        assertThat(s.slidingLayer(1)).isFalse();
        assertThat(s.slidingLayer(6)).isFalse();
        float[] local = s.rotaryInverseFrequencies(0);
        float[] global = s.rotaryInverseFrequencies(1);
        assertThat((double) local[1]).isCloseTo(1 / Math.pow(1e4, 2.0 / 8), Offset.offset(1e-7));
        assertThat((double) global[1]).isCloseTo(1 / Math.pow(1e6, 2.0 / 8), Offset.offset(1e-8));
        assertThat(global).isEqualTo(s.rotaryInverseFrequencies());
        DecoderSpec allFull = gemma(",\"layer_types\":[\"full_attention\",\"full_attention\",\"full_attention\","
                + "\"full_attention\",\"full_attention\",\"full_attention\",\"full_attention\"],"
                + "\"max_position_embeddings\":8192,\"sliding_window\":null");
        assertThat(allFull.maxPositions()).as("no layer slides: the window bounds nothing").isEqualTo(8192);
        assertThat(gemma(",\"sliding_window_pattern\":2").gemma().slidingLayers())
                .containsExactly(true, false, true, false, true, false, true);
        assertThat(gemma(",\"max_position_embeddings\":100,\"sliding_window\":512").maxPositions()).isEqualTo(100);
    }

    /** Gemma 3 4B and larger scale the full layers' frequencies linearly by 8; the sliding layers keep theirs. */
    @Test
    void ropeScalingAppliesToTheFullLayersOnlyInEitherSpelling() throws Exception {
        DecoderSpec v4 = gemma(",\"head_dim\":8,\"rope_scaling\":{\"rope_type\":\"linear\",\"factor\":8.0},"
                + "\"sliding_window_pattern\":2");
        assertThat(v4.ropeScaling()).isEqualTo(new RopeScaling("linear", 8.0, 0, 0, 0));
        assertThat(v4.gemma().localRopeScaling()).isEqualTo(RopeScaling.NONE);
        assertThat((double) v4.rotaryInverseFrequencies(1)[1]).isCloseTo(1 / Math.pow(1e6, 2.0 / 8) / 8,
                Offset.offset(1e-8));
        assertThat((double) v4.rotaryInverseFrequencies(0)[1]).isCloseTo(1 / Math.pow(1e4, 2.0 / 8),
                Offset.offset(1e-7));
        DecoderSpec v5 = gemma(",\"head_dim\":8,\"sliding_window_pattern\":2,\"rope_parameters\":{"
                + "\"full_attention\":{\"rope_type\":\"linear\",\"factor\":8.0,\"rope_theta\":1000000.0},"
                + "\"sliding_attention\":{\"rope_type\":\"default\",\"rope_theta\":10000.0}}");
        assertThat(v5).isEqualTo(v4);
        DecoderSpec partial = gemma(",\"rope_theta\":500.0,\"rope_local_base_freq\":50.0,"
                + "\"rope_parameters\":{\"full_attention\":{\"rope_type\":\"default\"}}");
        assertThat(partial.ropeTheta()).as("a layer type without a base keeps rope_theta").isEqualTo(500.0);
        assertThat(partial.gemma().localRopeTheta()).as("an absent layer type keeps rope_local_base_freq")
                .isEqualTo(50.0);
        DecoderSpec localScaled = gemma(",\"rope_parameters\":{\"sliding_attention\":{\"rope_type\":\"linear\","
                + "\"factor\":2.0,\"rope_theta\":10000.0}}");
        assertThat(localScaled.gemma().localRopeScaling().factor()).isEqualTo(2.0);
        assertThat(DecoderSpec.fromJson(localScaled.toJson())).isEqualTo(localScaled);
        assertThatThrownBy(() -> gemma(",\"rope_parameters\":{\"rope_type\":\"default\",\"rope_theta\":1.0}"))
                .hasMessageContaining("one object per layer type").hasMessageContaining("'rope_type'");
        assertThatThrownBy(() -> gemma(",\"rope_scaling\":{\"rope_type\":\"yarn\",\"factor\":8.0}"))
                .hasMessageContaining("'yarn' is not supported");
        assertThatThrownBy(() -> gemma(",\"rope_scaling\":{\"rope_type\":\"linear\",\"factor\":8.0},"
                + "\"rope_parameters\":{\"full_attention\":{\"rope_type\":\"default\"}}"))
                .hasMessageContaining("both rope_scaling and rope_parameters");
    }

    @Test
    void whatGemmaWouldComputeOtherwiseIsRefusedByName() throws Exception {
        assertThatThrownBy(() -> gemma(",\"final_logit_softcapping\":30.0"))
                .hasMessageContaining("final_logit_softcapping 30.0 is not implemented");
        assertThatThrownBy(() -> gemma(",\"attn_logit_softcapping\":50.0"))
                .hasMessageContaining("attn_logit_softcapping 50.0 is not implemented");
        assertThatThrownBy(() -> gemma(",\"use_bidirectional_attention\":true"))
                .hasMessageContaining("use_bidirectional_attention");
        assertThatThrownBy(() -> gemma(",\"hidden_activation\":\"gelu\""))
                .hasMessageContaining("hidden_activation 'gelu' is not implemented");
        assertThatThrownBy(() -> gemma(",\"partial_rotary_factor\":0.5"))
                .hasMessageContaining("partial_rotary_factor");
        assertThatThrownBy(() -> gemma(",\"layer_types\":[\"full_attention\"]"))
                .hasMessageContaining("layer_types names 1 layers, num_hidden_layers is 7");
        assertThatThrownBy(() -> gemma(",\"layer_types\":[\"full_attention\",\"chunked_attention\",\"full_attention\","
                + "\"full_attention\",\"full_attention\",\"full_attention\",\"full_attention\"]"))
                .hasMessageContaining("chunked_attention");
        assertThatThrownBy(() -> gemma(",\"sliding_window\":null"))
                .hasMessageContaining("sliding_window must be > 0 when layer_types has sliding_attention layers");
        assertThatThrownBy(() -> gemma(",\"sliding_window\":0")).hasMessageContaining("sliding_window must be > 0");
        assertThatThrownBy(() -> gemma(",\"query_pre_attn_scalar\":0"))
                .hasMessageContaining("query_pre_attn_scalar must be a finite number > 0");
        assertThatThrownBy(() -> gemma(",\"_sliding_window_pattern\":4"))
                .hasMessageContaining("_sliding_window_pattern 4 disagrees with sliding_window_pattern 6");
        assertThat(gemma(",\"final_logit_softcapping\":null,\"attn_logit_softcapping\":null,"
                + "\"use_bidirectional_attention\":false,\"hidden_activation\":\"gelu_pytorch_tanh\","
                + "\"_sliding_window_pattern\":6").layers()).isEqualTo(7);
        for (String type : List.of("gemma2", "gemma", "gemma3")) {
            assertThatThrownBy(() -> DecoderSpec.fromJson(JSON.readTree("{\"model_type\":\"" + type + "\"}")))
                    .hasMessageContaining("model_type " + type + " is not implemented");
        }
        assertThatThrownBy(() -> new DecoderSpec(true, "llama", 32, 16, 2, 4, 4, 4, 40, 64, 1e4, 1e-6, false, false,
                RopeScaling.NONE, false, 4, new GemmaBlocks(4, 1e4, RopeScaling.NONE, List.of(true, false),
                        64))).hasMessageContaining("belong to gemma3_text");
    }

    @Test
    void toJsonReadsBackToTheSameSpec() throws Exception {
        DecoderSpec s = gemma(",\"head_dim\":8,\"num_key_value_heads\":1,\"tie_word_embeddings\":false,"
                + "\"attention_bias\":true,\"query_pre_attn_scalar\":12,\"sliding_window\":20,"
                + "\"max_position_embeddings\":48,\"rope_scaling\":{\"rope_type\":\"linear\",\"factor\":8.0},"
                + "\"rms_norm_eps\":1e-5");
        var json = s.toJson();
        assertThat(json.get("architectures").get(0).asText()).isEqualTo("Gemma3ForCausalLM");
        assertThat(json.get("hidden_activation").asText()).isEqualTo("gelu_pytorch_tanh");
        assertThat(DecoderSpec.fromJson(json)).isEqualTo(s);
        assertThat(DecoderSpec.fromJson(s.withVocabSize(34).toJson())).isEqualTo(s.withVocabSize(34));
        DecoderSpec unwindowed = gemma(",\"sliding_window\":null,\"sliding_window_pattern\":1");
        assertThat(DecoderSpec.fromJson(unwindowed.toJson())).isEqualTo(unwindowed);
    }
}
