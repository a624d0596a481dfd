package com.example.consumer;

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
}
