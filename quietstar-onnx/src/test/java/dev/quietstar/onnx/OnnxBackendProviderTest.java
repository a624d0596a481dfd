package dev.quietstar.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OrtEnvironment;
import dev.quietstar.api.spi.BackendProvider;
import dev.quietstar.core.testing.BaseBackendProviderTestCase;
import org.junit.jupiter.api.Test;

class OnnxBackendProviderTest extends BaseBackendProviderTestCase {

    @Override
    protected BackendProvider provider() {
        return new OnnxBackendProvider();
    }

    @Override
    protected String expectedName() {
        return "onnxruntime";
    }

    @Test
    void onnxRuntimeNativesLoadFromItsJar() {
        assertThat(provider().unavailableReason()).isEmpty();
        assertThat(OrtEnvironment.getEnvironment().getVersion()).startsWith("1.23");
    }
}
