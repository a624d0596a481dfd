package dev.quietstar.djl.thought;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.inject.Guice;
import com.google.inject.Key;
import com.google.inject.TypeLiteral;
import dev.quietstar.api.RewardEstimate;
import dev.quietstar.api.RewardEstimator;
import dev.quietstar.api.config.Advantage;
import dev.quietstar.api.config.InvalidConfigException;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.api.spi.QuietStarBackend;
import dev.quietstar.core.backend.Backends;
import dev.quietstar.core.inject.GuiceBackend;
import dev.quietstar.djl.DjlEngines;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The three advantage rules on hand-computed rewards, and the configuration choosing among them. */
class RewardEstimatorsTest {

    // One example, P = 3 thoughts, 2 positions, T = 1: rewards r = talk - base.
    // position 0: r = 0.3, -0.3, 0.6 ; position 1: r = -0.2, -0.1, -0.4
    private static final float[] TALK = {0.3f, -0.2f, -0.3f, -0.1f, 0.6f, -0.4f};

    @BeforeAll
    static void engine() {
        DjlEngines.pytorch();
    }

    private static float[] advantages(RewardEstimator<NDArray> e) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray talk = m.create(TALK, new Shape(1, 3, 2));
            NDArray base = m.zeros(new Shape(1, 3, 2));
            RewardEstimate<NDArray> r = e.estimate(talk, base, 3);
            assertThat(r.rewards().toFloatArray()).containsExactly(TALK);
            return r.advantages().toFloatArray();
        }
    }

    @Test
    void officialSubtractsTheMeanOfAllAndClipsAtZero() {
        float[] a = advantages(new ReinforceRewardEstimator());
        // position 0 mean 0.2: 0.1, 0 (clipped), 0.4; position 1 mean -0.2333: 0.0333, 0.1333, 0 (clipped)
        assertThat(a[0]).isCloseTo(0.1f, within(1e-6f));
        assertThat(a[2]).isZero();
        assertThat(a[4]).isCloseTo(0.4f, within(1e-6f));
        assertThat(a[1]).isCloseTo(0.2f / 6, within(1e-6f));
        assertThat(a[3]).isCloseTo(0.8f / 6, within(1e-6f));
        assertThat(a[5]).isZero();
    }

    @Test
    void leaveOneOutSubtractsTheMeanOfTheOthersWithoutClipping() {
        float[] a = advantages(new LeaveOneOutRewardEstimator());
        assertThat(a[0]).isCloseTo(0.3f - 0.15f, within(1e-6f));
        assertThat(a[2]).isCloseTo(-0.3f - 0.45f, within(1e-6f));
        assertThat(a[4]).isCloseTo(0.6f - 0.0f, within(1e-6f));
        assertThat(a[1]).isCloseTo(-0.2f + 0.25f, within(1e-6f));
        assertThat(a[3]).isCloseTo(-0.1f + 0.3f, within(1e-6f));
        assertThat(a[5]).isCloseTo(-0.4f + 0.15f, within(1e-6f));
        // The advantages of a position sum to zero: the baseline adds no net push.
        assertThat(a[0] + a[2] + a[4]).isCloseTo(0f, within(1e-6f));
    }

    @Test
    void bestOfKeepsOnlyTheBestThoughtAndOnlyWhereItHelped() {
        float[] a = advantages(new BestOfRewardEstimator());
        assertThat(a).containsExactly(0f, 0f, 0f, 0f, 1f, 0f);
    }

    @Test
    void groupRulesNeedAtLeastTwoThoughtsPerPosition() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.zeros(new Shape(1, 2, 2));
            assertThatThrownBy(() -> new BestOfRewardEstimator().estimate(x, x, 1))
                    .hasMessageContaining("thoughtsPerPosition >= 2");
            assertThatThrownBy(() -> new LeaveOneOutRewardEstimator().estimate(x, x, 1))
                    .hasMessageContaining("thoughtsPerPosition >= 2");
        }
        QuietStarConfig o = QuietStarConfig.official();
        assertThatThrownBy(() -> o.withShape(o.thoughtLength(), o.lookahead(), 1, o.sequenceLength())
                .withAdvantage(Advantage.BEST_OF)).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("advantage BEST_OF");
    }

    @Test
    void theConfigurationChoosesTheBoundEstimator() {
        QuietStarBackend backend = Backends.discover().byName("djl-pytorch").create();
        Key<RewardEstimator<NDArray>> key = Key.get(new TypeLiteral<RewardEstimator<NDArray>>() { });
        QuietStarConfig o = QuietStarConfig.official();
        assertThat(Guice.createInjector(((GuiceBackend) backend).module(o)).getInstance(key))
                .isInstanceOf(ReinforceRewardEstimator.class);
        assertThat(Guice.createInjector(((GuiceBackend) backend).module(o.withAdvantage(Advantage.LEAVE_ONE_OUT)))
                .getInstance(key)).isInstanceOf(LeaveOneOutRewardEstimator.class);
        assertThat(Guice.createInjector(((GuiceBackend) backend).module(o.withAdvantage(Advantage.BEST_OF)))
                .getInstance(key)).isInstanceOf(BestOfRewardEstimator.class);
    }
}
