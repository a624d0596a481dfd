package dev.quietstar.core.infer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quietstar.api.MixingHead;
import dev.quietstar.core.testing.BaseMixingHeadTestCase;
import org.junit.jupiter.api.Test;

class ConstantMixingHeadContractTest extends BaseMixingHeadTestCase {

    @Override
    protected MixingHead<float[][]> head() {
        return new ConstantMixingHead(0.25f);
    }

    @Override
    protected int hiddenSize() {
        return 6;
    }

    @Test
    void everyRowGetsTheConfiguredWeight() {
        float[][] w = new ConstantMixingHead(0.25f).weight(new float[3][6], new float[3][6]);
        assertThat(w).isDeepEqualTo(new float[][] {{0.25f}, {0.25f}, {0.25f}});
        assertThat(new ConstantMixingHead(0.25f).weight()).isEqualTo(0.25f);
    }

    @Test
    void aWeightThatIsNotFiniteIsRefused() {
        assertThatThrownBy(() -> new ConstantMixingHead(Float.NaN)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("finite");
    }
}
