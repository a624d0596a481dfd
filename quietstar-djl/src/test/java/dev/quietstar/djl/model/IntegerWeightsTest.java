package dev.quietstar.djl.model;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.quietstar.djl.DjlEngines;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Integer-typed weight tensors used to be cast to floats and run as another model; they are refused by name. */
class IntegerWeightsTest {

    @BeforeAll
    static void engine() {
        DjlEngines.pytorch();
    }

    @Test
    void anIntegerWeightTensorIsRefusedByName() {
        DecoderConfig config = DecoderConfig.gpt2(261, 16, 1, 2, 32);
        try (CausalDecoder random = CausalDecoder.random(config, Device.cpu(), 3);
                NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            random.parameters().forEach((name, p) -> tensors.put(name, p.getArray().duplicate()));
            String victim = tensors.keySet().iterator().next();
            tensors.put(victim, tensors.get(victim).toType(DataType.INT32, false));
            assertThatThrownBy(() -> CausalDecoder.fromTensors(config, Device.cpu(), tensors).close())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(victim)
                    .hasMessageContaining("must be floating point");
            tensors.values().forEach(NDArray::close);
        }
    }
}
