package dev.quietstar.djl;

import ai.djl.Device;
import dev.quietstar.djl.model.CausalDecoder;
import dev.quietstar.djl.model.DecoderConfig;

/**
 * A program for {@link OfflineFirstUseTest}: touches DJL first through a model class, not through the backend, and
 * prints the offline setting DJL then sees.
 */
public final class OfflineProbe {

    private OfflineProbe() {}

    /**
     * Builds a tiny random decoder and prints {@code ai.djl.offline}.
     *
     * @param args unused
     */
    public static void main(String[] args) {
        try (CausalDecoder d = CausalDecoder.random(DecoderConfig.gpt2(261, 16, 1, 2, 32), Device.cpu(), 1)) {
            System.out.println("decoder " + d.config().hiddenSize());
        }
        System.out.println("ai.djl.offline=" + System.getProperty("ai.djl.offline"));
    }
}
