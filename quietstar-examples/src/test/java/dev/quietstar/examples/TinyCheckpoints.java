package dev.quietstar.examples;

import ai.djl.Device;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.core.text.ByteTokenizer;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.model.CausalDecoder;
import dev.quietstar.djl.model.DecoderConfig;
import dev.quietstar.djl.thought.QuietStarModel;
import java.io.IOException;
import java.nio.file.Path;

/** Tiny random byte-level checkpoints for the command-line and example tests. */
public final class TinyCheckpoints {

    private TinyCheckpoints() {}

    /**
     * Saves a 2-layer, width-32 GPT-2 with thoughts of 2 tokens.
     *
     * @param folder the checkpoint folder to write
     * @param seed weights seed
     * @return the folder
     * @throws IOException when it cannot be written
     */
    public static Path save(Path folder, long seed) throws IOException {
        DjlEngines.pytorch();
        CausalDecoder d = CausalDecoder.random(DecoderConfig.gpt2(ByteTokenizer.VOCAB_SIZE, 32, 2, 4, 256),
                Device.cpu(), seed);
        try (QuietStarModel model = QuietStarModel.create(d, ByteTokenizer.instance(),
                QuietStarConfig.official().withShape(2, 2, 1, 32), seed)) {
            model.save(folder, null);
        }
        return folder;
    }
}
