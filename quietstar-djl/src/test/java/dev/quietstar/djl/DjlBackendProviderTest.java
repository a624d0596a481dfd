package dev.quietstar.djl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quietstar.api.spi.BackendProvider;
import dev.quietstar.core.testing.BaseBackendProviderTestCase;
import org.junit.jupiter.api.Test;

class DjlBackendProviderTest extends BaseBackendProviderTestCase {

    @Override
    protected BackendProvider provider() {
        return new DjlBackendProvider();
    }

    @Override
    protected String expectedName() {
        return "djl-pytorch";
    }

    @Test
    void pytorchNativesLoadOfflineFromMaven() {
        assertThat(provider().unavailableReason()).isEmpty();
        assertThat(DjlEngines.pytorch().getVersion()).startsWith("2.7.1");
    }
}
