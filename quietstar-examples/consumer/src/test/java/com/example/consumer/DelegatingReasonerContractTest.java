package com.example.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import dev.quietstar.api.ModelSource;
import dev.quietstar.api.Reasoner;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.core.backend.Backends;
import dev.quietstar.core.inject.Components;
import dev.quietstar.core.testing.BaseReasonerTestCase;

/**
 * The delegating backend with the consumer's constant-weight head passes the reasoner kit on a new tiny model (whose
 * own head outputs 0, so every change a thought makes comes from the consumer's head).
 */
class DelegatingReasonerContractTest extends BaseReasonerTestCase {

    @Override
    protected Reasoner openReasoner() {
        return Components.create(Backends.discover().byName(DelegatingBackendProvider.NAME),
                ConsumerFixtures.inference(new ConstantWeightHead(ConsumerFixtures.WEIGHT),
                        new ForcedThoughts(ForcedThoughtGenerator.TOKEN)))
                .openReasoner(new ModelSource.Tiny(ConsumerFixtures.SPEC));
    }

    @Override
    protected int thoughtLength() {
        return QuietStarConfig.official().thoughtLength();
    }

    @org.junit.jupiter.api.Test
    void everyThoughtIsTheConsumersForcedThoughtAtItsWeight() {
        try (Reasoner r = openReasoner()) {
            var result = r.generate("abc", dev.quietstar.api.GenerationOptions.defaults(4));
            assertThat(result.traces()).isNotEmpty().allSatisfy(t -> {
                assertThat(t.thoughtIds()).containsOnly(ForcedThoughtGenerator.TOKEN);
                assertThat(t.mixingWeight()).isCloseTo(ConsumerFixtures.WEIGHT, org.assertj.core.api.Assertions.within(1e-6));
            });
        }
    }
}
