package dev.quietstar.djl.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.quietstar.core.checkpoint.SafetensorsWriter;
import dev.quietstar.core.checkpoint.StoredTensor;
import dev.quietstar.djl.DjlEngines;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HuggingFace folders whose weights are stored in bfloat16 or float16, as most published checkpoints are. The
 * engine's own transfer of a bfloat16 buffer aborted the JVM ("terminate called without an active exception", exit
 * 134); the weights are now widened to float32 on the Java side, so the model computes exactly what the float32
 * model with the rounded weights computes.
 */
class HalfPrecisionWeightsTest {

    @TempDir
    Path dir;

    @BeforeAll
    static void engine() {
        DjlEngines.pytorch();
    }

    @Test
    void bfloat16WeightsLoadAndComputeLikeTheirFloat32Values() throws IOException {
        checkHalfPrecision("BF16");
    }

    @Test
    void float16WeightsLoadAndComputeLikeTheirFloat32Values() throws IOException {
        checkHalfPrecision("F16");
    }

    private void checkHalfPrecision(String dtype) throws IOException {
        try (CausalDecoder d = TinyFixtures.noisy(TinyFixtures.qwen2(), 8);
                NDManager m = NDManager.newBaseManager()) {
            HuggingFaceModels.write(d, dir, Map.of());
            Map<String, StoredTensor> half = new LinkedHashMap<>();
            Map<String, NDArray> rounded = new LinkedHashMap<>();
            for (Map.Entry<String, Parameter> e : d.parameters().entrySet()) {
                NDArray a = e.getValue().getArray();
                float[] values = a.toFloatArray();
                ByteBuffer bytes = ByteBuffer.allocate(2 * values.length).order(ByteOrder.LITTLE_ENDIAN);
                float[] back = new float[values.length];
                for (int i = 0; i < values.length; i++) {
                    short bits = "BF16".equals(dtype) ? toBfloat16(values[i]) : toFloat16(values[i]);
                    bytes.putShort(2 * i, bits);
                    back[i] = "BF16".equals(dtype) ? Float.intBitsToFloat((bits & 0xffff) << 16)
                            : fromFloat16(bits);
                }
                half.put(e.getKey(), new StoredTensor(dtype, a.getShape().getShape(), bytes));
                rounded.put(e.getKey(), m.create(back, a.getShape()));
            }
            SafetensorsWriter.write(dir.resolve("model.safetensors"), half);
            try (CausalDecoder expected = CausalDecoder.fromTensors(d.config(), Device.cpu(), rounded);
                    CausalDecoder loaded = HuggingFaceModels.load(dir, Device.cpu())) {
                NDArray ids = m.create(new long[] {1, 2, 3, 4, 5, 6}, new Shape(1, 6));
                float[] want = expected.logits(expected.forward(ids, null).hidden()).toFloatArray();
                float[] got = loaded.logits(loaded.forward(ids, null).hidden()).toFloatArray();
                assertThat(got).containsExactly(want);
                // The rounding is real: the half-precision model is not the float32 original.
                assertThat(got).isNotEqualTo(d.logits(d.forward(ids, null).hidden()).toFloatArray());
            }
        }
    }

    /** float32 to bfloat16, rounding to nearest even (as PyTorch's {@code .to(torch.bfloat16)} does). */
    static short toBfloat16(float f) {
        int bits = Float.floatToRawIntBits(f);
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    /** IEEE half precision to float32 for finite values, computed from the definition. */
    static float fromFloat16(short bits) {
        int h = bits & 0xffff;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        double value = exp == 0 ? mant * Math.pow(2, -24) : (1 + mant / 1024.0) * Math.pow(2, exp - 15);
        return (float) ((h >>> 15) == 1 ? -value : value);
    }

    /** float32 to IEEE half precision, rounding to nearest even, for normal values of weight magnitude. */
    static short toFloat16(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        float abs = Math.abs(f);
        if (abs < 6.1035156e-5f) {
            // Subnormal half: value / 2^-24, rounded to nearest even.
            return (short) (sign | Math.round(Math.rint(abs / 5.9604645e-8f)));
        }
        int exp = ((bits >>> 23) & 0xff) - 127 + 15;
        int mant = bits & 0x7fffff;
        int half = (exp << 10) | (mant >>> 13);
        int rest = mant & 0x1fff;
        if (rest > 0x1000 || rest == 0x1000 && (half & 1) == 1) {
            half++;
        }
        return (short) (sign | half);
    }
}
