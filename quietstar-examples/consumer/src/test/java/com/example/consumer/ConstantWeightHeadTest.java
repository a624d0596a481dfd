package com.example.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quietstar.api.MixingHead;
import dev.quietstar.core.testing.BaseMixingHeadTestCase;
import org.junit.jupiter.api.Test;

class ConstantWeightHeadTest extends BaseMixingHeadTestCase {

    @Override
    protected MixingHead<float[][]> head() {
        return new ConstantWeightHead(0.3f);
    }

    @Override
    protected int hiddenSize() {
        return 8;
    }

    @Test
    void countsItsCalls() {
        ConstantWeightHead head = new ConstantWeightHead(0.3f);
        head.weight(new float[2][8], new float[2][8]);
        head.weight(new float[1][8], new float[1][8]);
        assertThat(head.calls()).isEqualTo(2);
    }
}
