package com.example.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.quietstar.api.RewardEstimator;
import dev.quietstar.core.testing.BaseRewardEstimatorTestCase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

class CountingRewardEstimatorTest extends BaseRewardEstimatorTestCase<NDArray> {

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    @Override
    protected RewardEstimator<NDArray> estimator() {
        return new CountingRewardEstimator();
    }

    @Override
    protected NDArray array(float[] values, long... shape) {
        return manager.create(values, new Shape(shape));
    }

    @Override
    protected float[] values(NDArray array) {
        return array.toFloatArray();
    }

    @org.junit.jupiter.api.Test
    void countsEveryCall() {
        CountingRewardEstimator estimator = new CountingRewardEstimator();
        NDArray zeros = manager.zeros(new Shape(1, 2, 3));
        estimator.estimate(zeros, zeros, 2);
        estimator.estimate(zeros, zeros, 2);
        assertThat(estimator.calls()).isEqualTo(2);
    }
}
