package dev.quietstar.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** {@code rope_scaling} as HuggingFace transformers defines it, read from config.json and applied to frequencies. */
class RopeScalingTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BASE = "{\"model_type\":\"llama\",\"vocab_size\":32,\"hidden_size\":16,"
            + "\"num_hidden_layers\":2,\"num_attention_heads\":2,\"intermediate_size\":40,"
            + "\"max_position_embeddings\":64,\"rope_theta\":10000.0";

    private static DecoderSpec spec(String ropeScaling) throws Exception {
        return DecoderSpec.fromJson(JSON.readTree(BASE + ",\"rope_scaling\":" + ropeScaling + "}"));
    }

    /**
     * Llama 3.1's rule, transcribed step by step from the vectorised form of transformers'
     * {@code _compute_llama3_parameters} (where/masks over the whole vector), as an oracle independent of the
     * branch-per-frequency form the library uses.
     */
    private static double[] llama3Reference(int dim, double base, double factor, double low, double high,
            double oldContext) {
        int n = dim / 2;
        double[] invFreq = new double[n];
        for (int i = 0; i < n; i++) {
            invFreq[i] = 1.0 / Math.pow(base, (double) (2 * i) / dim);
        }
        double lowFreqWavelen = oldContext / low;
        double highFreqWavelen = oldContext / high;
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            double wavelen = 2 * Math.PI / invFreq[i];
            double llama = wavelen > lowFreqWavelen ? invFreq[i] / factor : invFreq[i];
            double smooth = (oldContext / wavelen - low) / (high - low);
            double smoothed = (1 - smooth) * llama / factor + smooth * llama;
            boolean medium = !(wavelen < highFreqWavelen) && !(wavelen > lowFreqWavelen);
            out[i] = medium ? smoothed : llama;
        }
        return out;
    }

    @Test
    void llama3ScalingMatchesTransformersRuleInAllThreeBands() throws Exception {
        // head_dim 64, base 10000, original context 64: wavelengths from 6.3 to about 47 000 cover the kept band
        // (< 16), the interpolated band (16..64) and the divided band (> 64).
        DecoderSpec s = DecoderSpec.fromJson(JSON.readTree("{\"model_type\":\"llama\",\"vocab_size\":32,"
                + "\"hidden_size\":128,\"num_hidden_layers\":1,\"num_attention_heads\":2,\"intermediate_size\":40,"
                + "\"max_position_embeddings\":256,\"rope_theta\":10000.0,\"rope_scaling\":{\"rope_type\":\"llama3\","
                + "\"factor\":8.0,\"low_freq_factor\":1.0,\"high_freq_factor\":4.0,"
                + "\"original_max_position_embeddings\":64}}"));
        float[] got = s.rotaryInverseFrequencies();
        double[] want = llama3Reference(64, 10000.0, 8, 1, 4, 64);
        assertThat(got).hasSize(32);
        int kept = 0;
        int divided = 0;
        int between = 0;
        for (int i = 0; i < got.length; i++) {
            assertThat((double) got[i]).as("frequency %d", i).isCloseTo(want[i], org.assertj.core.data.Offset
                    .offset(1e-7 * want[i] + 1e-12));
            double plain = 1.0 / Math.pow(10000.0, 2.0 * i / 64);
            if (Math.abs(got[i] - plain) < 1e-6 * plain) {
                kept++;
            } else if (Math.abs(got[i] - plain / 8) < 1e-6 * plain) {
                divided++;
            } else {
                between++;
            }
        }
        assertThat(kept).as("kept").isPositive();
        assertThat(divided).as("divided").isPositive();
        assertThat(between).as("interpolated").isPositive();
    }

    @Test
    void linearDividesEveryFrequencyAndDynamicKeepsThemWithinTheModelsPositions() throws Exception {
        float[] plain = spec("null").rotaryInverseFrequencies();
        float[] linear = spec("{\"type\":\"linear\",\"factor\":4.0}").rotaryInverseFrequencies();
        float[] dynamic = spec("{\"rope_type\":\"dynamic\",\"factor\":2.0}").rotaryInverseFrequencies();
        for (int i = 0; i < plain.length; i++) {
            assertThat(linear[i]).isEqualTo((float) ((1.0 / Math.pow(10000.0, 2.0 * i / 8)) / 4));
        }
        assertThat(dynamic).containsExactly(plain);
        assertThat(spec("{\"rope_type\":\"default\"}").ropeScaling()).isEqualTo(RopeScaling.NONE);
    }

    @Test
    void theScalingIsWrittenBackAndReadAgain() throws Exception {
        DecoderSpec s = spec("{\"rope_type\":\"llama3\",\"factor\":32.0,\"low_freq_factor\":1.0,"
                + "\"high_freq_factor\":4.0,\"original_max_position_embeddings\":8192}");
        DecoderSpec again = DecoderSpec.fromJson(s.toJson());
        assertThat(again).isEqualTo(s);
        assertThat(again.rotaryInverseFrequencies()).containsExactly(s.rotaryInverseFrequencies());
        assertThat(DecoderSpec.fromJson(spec("null").toJson()).ropeScaling()).isEqualTo(RopeScaling.NONE);
    }

    @Test
    void unsupportedTypesAndFieldsAreRefusedByName() {
        assertThatThrownBy(() -> spec("{\"rope_type\":\"yarn\",\"factor\":4.0}"))
                .hasMessageContaining("rope_scaling type 'yarn' is not supported")
                .hasMessageContaining("[default, linear, dynamic, llama3]");
        assertThatThrownBy(() -> spec("{\"rope_type\":\"longrope\",\"short_factor\":[1.0]}"))
                .hasMessageContaining("'longrope' is not supported");
        assertThatThrownBy(() -> spec("{\"rope_type\":\"linear\",\"factor\":4.0,\"attention_factor\":2.0}"))
                .hasMessageContaining("rope_scaling field 'attention_factor' is not implemented");
        assertThatThrownBy(() -> spec("{\"rope_type\":\"linear\"}"))
                .hasMessageContaining("rope_scaling.factor is required");
        assertThatThrownBy(() -> spec("{\"rope_type\":\"linear\",\"factor\":0}"))
                .hasMessageContaining("rope_scaling.factor must be a finite number > 0");
        assertThatThrownBy(() -> spec("{\"rope_type\":\"llama3\",\"factor\":8.0,\"low_freq_factor\":4.0,"
                + "\"high_freq_factor\":1.0,\"original_max_position_embeddings\":8192}"))
                .hasMessageContaining("low_freq_factor < high_freq_factor");
        assertThatThrownBy(() -> spec("{\"factor\":8.0}")).hasMessageContaining("needs a 'rope_type'");
        assertThatThrownBy(() -> spec("3")).hasMessageContaining("rope_scaling must be an object or null");
    }
}
