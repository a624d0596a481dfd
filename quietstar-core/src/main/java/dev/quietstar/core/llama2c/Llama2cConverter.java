package dev.quietstar.core.llama2c;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.quietstar.core.checkpoint.FloatTensor;
import dev.quietstar.core.checkpoint.SafetensorsWriter;
import dev.quietstar.core.io.AtomicFolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Converts a llama2.c checkpoint (legacy weight file and tokenizer file) into a HuggingFace folder: config.json,
 * model.safetensors in HuggingFace tensor names, and tokenizer.json. Engine-neutral: every backend that reads
 * HuggingFace folders runs the result.
 */
public final class Llama2cConverter {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Llama2cConverter() {}

    /**
     * Converts a llama2.c checkpoint into a HuggingFace folder, written atomically.
     *
     * @param weights the legacy weight file
     * @param tokenizer the tokenizer file
     * @param output the folder to create; it must not exist or be empty
     * @return the model's header
     * @throws IllegalArgumentException naming the bad input file or an output folder that already has content
     * @throws IOException when writing fails; nothing is left at {@code output} then
     */
    public static Llama2cHeader convert(Path weights, Path tokenizer, Path output) throws IOException {
        if (Files.exists(output) && !isEmptyFolder(output)) {
            throw new IllegalArgumentException("output " + output + " already exists and is not an empty folder; "
                    + "choose a new folder so nothing is overwritten");
        }
        Llama2cCheckpoint checkpoint = Llama2cCheckpoint.read(weights);
        Llama2cVocabulary vocabulary = Llama2cVocabulary.read(tokenizer, checkpoint.header().vocabSize());
        byte[] tokenizerJson = JSON.writeValueAsBytes(vocabulary.toTokenizerJson());
        Map<String, FloatTensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, Llama2cCheckpoint.Tensor> e : checkpoint.tensors().entrySet()) {
            tensors.put(e.getKey(), new FloatTensor(e.getValue().shape(), e.getValue().data()));
        }
        AtomicFolder.write(output, dir -> {
            Files.write(dir.resolve("config.json"), JSON.writeValueAsBytes(checkpoint.huggingFaceConfig()));
            SafetensorsWriter.writeFloats(dir.resolve("model.safetensors"), tensors);
            Files.write(dir.resolve("tokenizer.json"), tokenizerJson);
        });
        return checkpoint.header();
    }

    private static boolean isEmptyFolder(Path p) throws IOException {
        if (!Files.isDirectory(p)) {
            return false;
        }
        try (var s = Files.list(p)) {
            return s.findAny().isEmpty();
        }
    }
}
