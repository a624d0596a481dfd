package dev.quietstar.examples.cli;

import dev.quietstar.api.ModelSource;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The model an inference command runs: a Quiet-STaR checkpoint ({@code --model}) or a plain pretrained HuggingFace
 * folder ({@code --model-hf}, for example one written by {@code quietstar convert llama2c}), which runs as the base
 * model with thinking off.
 */
final class ModelOption {

    @Option(names = "--model", paramLabel = "DIR", description = "Quiet-STaR checkpoint folder, or a folder written by export-onnx.")
    Path checkpoint;

    @Option(names = "--model-hf", paramLabel = "DIR",
            description = "Plain HuggingFace model folder (config.json, *.safetensors, tokenizer.json), run without "
                    + "thoughts.")
    Path huggingFace;

    /**
     * Whether the model is a plain pretrained one, without trained thoughts.
     *
     * @return true for {@code --model-hf}
     */
    boolean plain() {
        return huggingFace != null;
    }

    /**
     * The chosen folder, checked to exist.
     *
     * @return the source
     * @throws IllegalArgumentException naming the option when its folder does not exist
     */
    ModelSource source() {
        if (huggingFace != null) {
            requireFolder(huggingFace, "--model-hf", "a HuggingFace model folder");
            return new ModelSource.HuggingFace(huggingFace);
        }
        requireFolder(checkpoint, "--model", "a checkpoint folder");
        return new ModelSource.Checkpoint(checkpoint);
    }

    /**
     * The chosen folder.
     *
     * @return the path given
     */
    Path folder() {
        return huggingFace != null ? huggingFace : checkpoint;
    }

    private static void requireFolder(Path folder, String option, String what) {
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException(option + " " + folder + " is not a folder; pass " + what);
        }
    }
}
