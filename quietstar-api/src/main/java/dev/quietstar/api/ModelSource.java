package dev.quietstar.api;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the model to train or run comes from.
 */
public sealed interface ModelSource {

    /**
     * A checkpoint folder written by quietstar-java ({@code model.safetensors}, {@code config.json},
     * {@code quietstar.json}, ...).
     *
     * @param folder the folder
     */
    record Checkpoint(Path folder) implements ModelSource {
        /** Rejects a null folder. */
        public Checkpoint {
            Objects.requireNonNull(folder, "folder");
        }
    }

    /**
     * A local HuggingFace model folder ({@code config.json}, {@code *.safetensors}, {@code tokenizer.json}).
     *
     * @param folder the folder
     */
    record HuggingFace(Path folder) implements ModelSource {
        /** Rejects a null folder. */
        public HuggingFace {
            Objects.requireNonNull(folder, "folder");
        }
    }

    /**
     * A new tiny model with random weights and the built-in byte-level tokenizer.
     *
     * @param spec its shape
     */
    record Tiny(TinyModelSpec spec) implements ModelSource {
        /** Rejects a null spec. */
        public Tiny {
            Objects.requireNonNull(spec, "spec");
        }
    }
}
