package dev.quietstar.djl.thought;

import static org.assertj.core.api.Assertions.assertThat;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.quietstar.api.RewardEstimator;
import dev.quietstar.core.testing.BaseRewardEstimatorTestCase;
import dev.quietstar.djl.DjlEngines;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;

/** The three reward estimators the DJL backend ships pass core's reward-estimator kit. */
class ShippedRewardEstimatorsContractTest {

    @BeforeAll
    static void engine() {
        DjlEngines.pytorch();
    }

    /** The kit on NDArrays, each test in its own manager. */
    abstract static class OnNdArrays extends BaseRewardEstimatorTestCase<NDArray> {
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
        protected NDArray array(float[] values, long... shape) {
            return manager.create(values, new Shape(shape));
        }

        @Override
        protected float[] values(NDArray array) {
            return array.toFloatArray();
        }
    }

    @Nested
    class Official extends OnNdArrays {
        @Override
        protected RewardEstimator<NDArray> estimator() {
            return new ReinforceRewardEstimator();
        }
    }

    @Nested
    class LeaveOneOut extends OnNdArrays {
        @Override
        protected RewardEstimator<NDArray> estimator() {
            return new LeaveOneOutRewardEstimator();
        }
    }

    @Nested
    class BestOf extends OnNdArrays {
        @Override
        protected RewardEstimator<NDArray> estimator() {
            return new BestOfRewardEstimator();
        }
    }

    @org.junit.jupiter.api.Test
    void withOneThoughtPerPositionTheOfficialRuleSubtractsNothing() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray talk = m.create(new float[] {1f, -2f, 0.5f}, new Shape(1, 1, 3));
            NDArray base = m.zeros(new Shape(1, 1, 3));
            assertThat(new ReinforceRewardEstimator().estimate(talk, base, 1).advantages().toFloatArray())
                    .containsExactly(1f, 0f, 0.5f);
        }
    }
}
