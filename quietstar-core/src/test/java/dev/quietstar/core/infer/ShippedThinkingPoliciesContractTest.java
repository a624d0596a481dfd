package dev.quietstar.core.infer;

import static org.assertj.core.api.Assertions.assertThat;
import dev.quietstar.api.ThinkingPolicy;
import dev.quietstar.core.testing.BaseThinkingPolicyTestCase;
import java.util.List;
import org.junit.jupiter.api.Nested;

/** The policies the library ships pass the thinking-policy kit. */
class ShippedThinkingPoliciesContractTest {

    @Nested
    class AfterTriggers extends BaseThinkingPolicyTestCase {
        @Override
        protected ThinkingPolicy policy() {
            return ThinkingPolicy.afterTriggers(List.of("A: ", "= "));
        }

        @Override
        protected List<Decision> expectedDecisions() {
            return List.of(new Decision("Q: 1+1\nA: ", 0, Double.NaN, true),
                    new Decision("x = ", 3, Double.NaN, true),
                    new Decision("Q: 1+1\nA: 2", 1, Double.NaN, false),
                    new Decision("", 0, Double.NaN, false));
        }
    }

    @Nested
    class Adaptive extends BaseThinkingPolicyTestCase {
        @Override
        protected ThinkingPolicy policy() {
            return ThinkingPolicy.adaptive(0.1);
        }

        @Override
        protected List<Decision> expectedDecisions() {
            return List.of(new Decision("abc", 0, 0.2, true), new Decision("abc", 5, 0.1, false),
                    new Decision("", 0, -3, false), new Decision("x", 1, 7, true));
        }
    }

    @Nested
    class ParsedOnce extends BaseThinkingPolicyTestCase {
        @Override
        protected ThinkingPolicy policy() {
            return ThinkingPolicies.parse("once", "A: ");
        }

        @Override
        protected List<Decision> expectedDecisions() {
            return List.of(new Decision("Q\nA: ", 0, Double.NaN, true), new Decision("Q\nA: 4", 1, Double.NaN, false));
        }
    }

    @org.junit.jupiter.api.Test
    void theConstantPoliciesAlwaysOrNeverThink() {
        for (String text : List.of("", "Q: A: ", "abc")) {
            assertThat(ThinkingPolicy.everyToken().thinkBeforeNext(text, 3)).isTrue();
            assertThat(ThinkingPolicy.never().thinkBeforeNext(text, 3, 99.0)).isFalse();
        }
        assertThat(ThinkingPolicy.everyToken().usesGate()).isFalse();
        assertThat(ThinkingPolicy.adaptive(0).usesGate()).isTrue();
    }
}
