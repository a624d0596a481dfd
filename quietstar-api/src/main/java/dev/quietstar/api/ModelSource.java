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
     * A checkpoint in the llama2.c project's own formats: a legacy (version 0) weight export and its tokenizer
     * file, read directly (no converted folder needed).
     *
     * @param weights the weight file, for example {@code stories260K.bin}
     * @param tokenizer the tokenizer file, for example {@code tok512.bin}
     */
    record Llama2c(Path weights, Path tokenizer) implements ModelSource {
        /** Rejects null paths. */
        public Llama2c {
            Objects.requireNonNull(weights, "weights");
            Objects.requireNonNull(tokenizer, "tokenizer");
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
