package dev.quietstar.examples.bench;

import ai.djl.Device;
import dev.quietstar.api.ModelSource;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.djl.thought.QuietStarModel;
import dev.quietstar.djl.train.DjlTrainerFactory;
import dev.quietstar.examples.demo.ShippedModels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Models the benchmark figures share, made once per work folder and reused by later runs. */
final class BenchModels {

    private BenchModels() {}

    /**
     * stories260K as a Quiet-STaR checkpoint (meta-tokens appended, mixing head at zero), which every backend opens:
     * the ONNX backend exports checkpoints, not plain HuggingFace folders.
     *
     * @param work the bench's work folder
     * @return the checkpoint folder
     */
    static Path storiesCheckpoint(Path work) {
        Path ckpt = work.resolve("stories260K-checkpoint");
        if (Files.isRegularFile(ckpt.resolve("quietstar.json"))) {
            return ckpt;
        }
        Path hf = work.resolve("stories260K-hf");
        if (!Files.isDirectory(hf)) {
            ShippedModels.stories260K(work.resolve("stories260K-llama2c"), hf);
        }
        try (QuietStarModel model = DjlTrainerFactory.openModel(new ModelSource.HuggingFace(hf),
                QuietStarConfig.official(), Device.cpu())) {
            model.save(ckpt, null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + ckpt, e);
        }
        return ckpt;
    }
}
