package com.example.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import dev.quietstar.api.spi.BackendProvider;
import dev.quietstar.core.testing.BaseBackendProviderTestCase;

class DelegatingBackendProviderTest extends BaseBackendProviderTestCase {

    @Override
    protected BackendProvider provider() {
        return new DelegatingBackendProvider();
    }

    @Override
    protected String expectedName() {
        return DelegatingBackendProvider.NAME;
    }

    @org.junit.jupiter.api.Test
    void itDescribesItselfAsItsDelegateAndIsNeverPreferredToIt() {
        BackendProvider delegating = provider();
        BackendProvider djl = dev.quietstar.core.backend.Backends.discover().byName("djl-pytorch");
        assertThat(delegating.capabilities()).isEqualTo(djl.capabilities());
        assertThat(delegating.rank()).isLessThan(djl.rank());
        assertThat(dev.quietstar.core.backend.Backends.discover().select(dev.quietstar.api.spi.Capability.TRAIN)
                .name()).isEqualTo("djl-pytorch");
    }
}
