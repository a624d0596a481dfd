package dev.quietstar.examples.fresh;

import ai.djl.Device;
import dev.quietstar.api.GenerationOptions;
import dev.quietstar.api.ModelSource;
import dev.quietstar.api.Reasoner;
import dev.quietstar.api.TinyModelSpec;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.api.spi.Capability;
import dev.quietstar.core.backend.Backends;
import dev.quietstar.djl.model.CausalDecoder;
import dev.quietstar.djl.model.HfTextTokenizer;
import dev.quietstar.djl.model.HuggingFaceModels;
import dev.quietstar.djl.model.Llama2cImport;
import dev.quietstar.djl.thought.QuietStarModel;
import dev.quietstar.djl.train.DjlTrainerFactory;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * Programs that each start with a different public entry point of the library, for {@link OfflineEntryPointsTest}.
 * Each is the first code of its JVM to touch the library, so whatever that class's static initialiser sets up (or
 * fails to) is what DJL sees. Only the library's own classes and DJL's {@code Device} are used before the entry
 * point, the way a user's program would.
 */
public final class EntryPoints {

    private EntryPoints() {}

    /**
     * Runs one entry point and prints a line that shows it worked.
     *
     * @param args the entry point's name, then its inputs
     * @throws Exception when the entry point fails (the JVM exits non-zero)
     */
    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "backend" -> {
                // Discovery through ServiceLoader, then a backend that can train opens a checkpoint and generates.
                try (Reasoner r = Backends.discover().select(Capability.TRAIN).create()
                        .openReasoner(Path.of(args[1]))) {
                    System.out.println("backend generated " + r.generate("Q: 1", GenerationOptions.defaults(2))
                            .tokenIds().size() + " tokens");
                }
            }
            case "llama2c" -> {
                try (CausalDecoder d = Llama2cImport.loadDecoder(Path.of(args[1]), Device.cpu())) {
                    HfTextTokenizer t = Llama2cImport.loadTokenizer(Path.of(args[2]), d.config().vocabSize());
                    System.out.println("llama2c vocab " + d.config().vocabSize() + " ids "
                            + Arrays.toString(t.encode("Once upon a time")));
                }
            }
            case "open-model" -> {
                TinyModelSpec spec = new TinyModelSpec("gpt2", 261, 16, 1, 2, 32, 1L);
                try (QuietStarModel m = DjlTrainerFactory.openModel(new ModelSource.Tiny(spec),
                        QuietStarConfig.smallModel(), Device.cpu())) {
                    System.out.println("open-model hidden " + m.decoder().config().hiddenSize());
                }
            }
            case "hf-import" -> {
                Path folder = Path.of(args[1]);
                try (CausalDecoder d = HuggingFaceModels.load(folder, Device.cpu())) {
                    HfTextTokenizer t = HfTextTokenizer.load(folder, Map.of());
                    System.out.println("hf-import layers " + d.config().layers() + " ids "
                            + Arrays.toString(t.encode("Once upon a time")));
                }
            }
            case "onnx" -> {
                try (Reasoner r = Backends.discover().byName("onnxruntime").create().openReasoner(Path.of(args[1]))) {
                    System.out.println("onnx generated " + r.generate("Q: 1", GenerationOptions.defaults(2))
                            .tokenIds().size() + " tokens");
                }
            }
            default -> throw new IllegalArgumentException("unknown entry point " + args[0]);
        }
    }
}
