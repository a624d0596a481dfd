package dev.quietstar.core.infer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quietstar.api.AdaptiveThinking;
import dev.quietstar.api.ThinkingPolicy;
import org.junit.jupiter.api.Test;

class ThinkingPoliciesTest {

    @Test
    void adaptiveThresholdSemantics() {
        ThinkingPolicy always = ThinkingPolicy.adaptive(Double.NEGATIVE_INFINITY);
        ThinkingPolicy never = ThinkingPolicy.adaptive(Double.POSITIVE_INFINITY);
        ThinkingPolicy mid = ThinkingPolicy.adaptive(0.05);
        for (double gain : new double[] {-1e30, -0.2, 0.0, 0.05, 0.0500001, 3.0, 1e30}) {
            assertThat(always.thinkBeforeNext("x", 0, gain)).as("-inf, gain %s", gain).isTrue();
            assertThat(never.thinkBeforeNext("x", 0, gain)).as("+inf, gain %s", gain).isFalse();
            assertThat(mid.thinkBeforeNext("x", 0, gain)).as("0.05, gain %s", gain).isEqualTo(gain > 0.05);
        }
        assertThat(mid.usesGate()).isTrue();
        assertThat(ThinkingPolicy.everyToken().usesGate()).isFalse();
        assertThat(ThinkingPolicy.never().thinkBeforeNext("x", 0, 5.0)).isFalse();
    }

    @Test
    void adaptiveWithoutAPredictionFailsClearly() {
        assertThatThrownBy(() -> ThinkingPolicy.adaptive(0).thinkBeforeNext("x", 0))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("gate");
        assertThatThrownBy(() -> ThinkingPolicy.adaptive(0).thinkBeforeNext("x", 0, Double.NaN))
                .hasMessageContaining("NaN");
        assertThatThrownBy(() -> ThinkingPolicy.adaptive(Double.NaN)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("NaN");
    }

    @Test
    void parsesEveryForm() {
        assertThat(ThinkingPolicies.parse("adaptive", "A: ")).isEqualTo(new AdaptiveThinking(0.0));
        assertThat(ThinkingPolicies.parse("adaptive:0.25", "A: ")).isEqualTo(new AdaptiveThinking(0.25));
        assertThat(ThinkingPolicies.parse("ADAPTIVE:-inf", "A: "))
                .isEqualTo(new AdaptiveThinking(Double.NEGATIVE_INFINITY));
        assertThat(ThinkingPolicies.parse("adaptive:inf", "A: "))
                .isEqualTo(new AdaptiveThinking(Double.POSITIVE_INFINITY));
        assertThat(ThinkingPolicies.parse("every", "A: ").thinkBeforeNext("q", 3)).isTrue();
        assertThat(ThinkingPolicies.parse("never", "A: ").thinkBeforeNext("q", 3)).isFalse();
        ThinkingPolicy once = ThinkingPolicies.parse("once", "A: ");
        assertThat(once.thinkBeforeNext("Q: 1+1\nA: ", 0)).isTrue();
        assertThat(once.thinkBeforeNext("Q: 1+1\nA: 2", 1)).isFalse();
        assertThat(ThinkingPolicies.adaptiveThreshold("every")).isNull();
    }

    @Test
    void malformedSpecsNameTheAllowedForms() {
        assertThatThrownBy(() -> ThinkingPolicies.parse("adaptive:x", "A: "))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'x'")
                .hasMessageContaining("adaptive:0.05");
        assertThatThrownBy(() -> ThinkingPolicies.parse("adaptive:NaN", "A: ")).hasMessageContaining("NaN");
        assertThatThrownBy(() -> ThinkingPolicies.parse("sometimes", "A: "))
                .hasMessageContaining("every, never, once or adaptive[:threshold]");
    }
}
