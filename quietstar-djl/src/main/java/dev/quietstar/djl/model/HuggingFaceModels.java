package dev.quietstar.djl.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.quietstar.core.checkpoint.DecoderSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Loads decoders from local HuggingFace model folders and writes decoders in that layout.
 *
 * <p>A folder holds {@code config.json} and {@code model.safetensors} (or shards with
 * {@code model.safetensors.index.json}). Tensor names may carry the {@code transformer.} / {@code model.} prefix or
 * not. Nothing is fetched from a hub: only local paths are accepted.
 */
public final class HuggingFaceModels {

    static {
        // Offline mode and DJL's cache folder are set before this class can touch DJL (see DjlEngines#configure).
        dev.quietstar.djl.DjlEngines.configure();
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private HuggingFaceModels() {}

    /**
     * Reads {@code config.json} of a folder.
     *
     * @param folder the model folder
     * @return the architecture
     * @throws IllegalArgumentException when the file is missing, malformed, or lacks a required field
     */
    public static DecoderConfig readConfig(Path folder) {
        return new DecoderConfig(DecoderSpec.read(folder));
    }

    /**
     * Loads a decoder from a local folder.
     *
     * @param folder the model folder
     * @param device where the weights go
     * @return the decoder; nothing is half-loaded on error
     */
    public static CausalDecoder load(Path folder, Device device) {
        return load(folder, device, 0);
    }

    /**
     * Loads a decoder from a local folder with a vocabulary larger than the stored one: the vocabulary matrices get
     * {@code extraTokens} more rows, each the mean of the stored rows, as {@link CausalDecoder#withVocabSize} would
     * give them, but read into place at load, so adding tokens to a model (Quiet-STaR's two meta-tokens) copies no
     * matrix and never holds two copies of one.
     *
     * @param folder the model folder
     * @param device where the weights go
     * @param extraTokens vocabulary entries to add after the stored ones (0 for none)
     * @return the decoder, its vocabulary {@code vocab_size + extraTokens}; nothing is half-loaded on error
     */
    public static CausalDecoder load(Path folder, Device device, int extraTokens) {
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException("model folder " + folder + " does not exist or is not a folder");
        }
        if (extraTokens < 0) {
            throw new IllegalArgumentException("extraTokens is " + extraTokens + "; it must be 0 or more");
        }
        DecoderConfig config = readConfig(folder);
        try (NDManager tmp = NDManager.newBaseManager(device)) {
            Map<String, NDArray> tensors = Safetensors.readFolder(tmp, folder,
                    name -> VocabularyGrowth.isVocabularyMatrix(name) ? extraTokens : 0);
            return CausalDecoder.adopt(config.withVocabSize(config.vocabSize() + extraTokens), device, tensors);
        }
    }

    /**
     * Writes {@code config.json} and {@code model.safetensors} into a folder (which must exist).
     *
     * @param decoder the decoder
     * @param folder the destination folder
     * @param extra further tensors to store in the same file (for example Quiet-STaR's), may be empty
     * @throws IOException when writing fails
     */
    public static void write(CausalDecoder decoder, Path folder, Map<String, NDArray> extra) throws IOException {
        Files.writeString(folder.resolve("config.json"), JSON.writeValueAsString(decoder.config().toHuggingFace()));
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : decoder.parameters().entrySet()) {
            tensors.put(e.getKey(), e.getValue().getArray());
        }
        tensors.putAll(extra);
        Safetensors.write(folder.resolve("model.safetensors"), tensors);
    }
}
