package dev.quietstar.djl.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.quietstar.core.llama2c.Llama2cCheckpoint;
import dev.quietstar.core.llama2c.Llama2cVocabulary;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Brings llama2.c checkpoints into the DJL backend: loads a legacy weight file and its tokenizer file directly as a
 * decoder and tokenizer, with the same tensors core's {@link dev.quietstar.core.llama2c.Llama2cConverter} writes into
 * a standard HuggingFace Llama folder.
 *
 * <p>The converted folder holds {@code config.json} (model_type llama, grouped-query heads, RMSNorm epsilon, RoPE
 * theta, tied embeddings, max positions), {@code model.safetensors} in HuggingFace tensor names with the query and
 * key rows in rotate-half order, and a {@code tokenizer.json} that encodes exactly as llama2.c does; any tool that
 * reads HuggingFace Llama folders reads it, and so does {@link HuggingFaceModels}.
 */
public final class Llama2cImport {

    static {
        // Offline mode and DJL's cache folder are set before this class can touch DJL (see DjlEngines#configure).
        dev.quietstar.djl.DjlEngines.configure();
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Llama2cImport() {}

    /**
     * Loads a llama2.c weight file as a decoder, with the same tensors a converted folder holds.
     *
     * @param weights the legacy weight file
     * @param device where the weights go
     * @return the decoder
     * @throws IllegalArgumentException naming the file and what is wrong with it
     */
    public static CausalDecoder loadDecoder(Path weights, Device device) {
        Llama2cCheckpoint checkpoint = Llama2cCheckpoint.read(weights);
        DecoderConfig config = DecoderConfig.fromHuggingFace(checkpoint.huggingFaceConfig());
        try (NDManager manager = NDManager.newBaseManager(device)) {
            return CausalDecoder.fromTensors(config, device, arrays(manager, checkpoint));
        }
    }

    /**
     * Loads a llama2.c tokenizer file as a HuggingFace tokenizer (converted in memory).
     *
     * @param tokenizer the tokenizer file
     * @param vocabSize tokens of the model it belongs to (the weight file's header gives it)
     * @return the tokenizer
     * @throws IllegalArgumentException naming the file and what is wrong with it
     */
    public static HfTextTokenizer loadTokenizer(Path tokenizer, int vocabSize) {
        Llama2cVocabulary vocabulary = Llama2cVocabulary.read(tokenizer, vocabSize);
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(vocabulary.toTokenizerJson());
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the converted tokenizer: " + e.getMessage(), e);
        }
        return HfTextTokenizer.fromJson(json, tokenizer + " (converted from llama2.c)", Map.of());
    }

    private static Map<String, NDArray> arrays(NDManager manager, Llama2cCheckpoint checkpoint) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, Llama2cCheckpoint.Tensor> e : checkpoint.tensors().entrySet()) {
            out.put(e.getKey(), manager.create(e.getValue().data(), new Shape(e.getValue().shape())));
        }
        return out;
    }
}
