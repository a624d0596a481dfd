package dev.quietstar.core.llama2c;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.quietstar.core.checkpoint.FloatTensor;
import dev.quietstar.core.checkpoint.SafetensorsWriter;
import dev.quietstar.core.io.OutputFolder;
import dev.quietstar.core.io.OutputKind;
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
     * What a conversion writes. Only the marker identifies it: any HuggingFace folder has its three files, and a
     * downloaded model must never be taken for an earlier conversion.
     */
    public static final OutputKind KIND = OutputKind.folder("llama2c-convert", "llama2.c conversion");

    /**
     * Converts a llama2.c checkpoint into a new or empty HuggingFace folder, written atomically.
     *
     * @param weights the legacy weight file
     * @param tokenizer the tokenizer file
     * @param output the folder to create; it must not exist or be empty
     * @return the model's header
     * @throws IllegalArgumentException naming the bad input file or an output folder that already has content
     * @throws IOException when writing fails; nothing is left at {@code output} then
     */
    public static Llama2cHeader convert(Path weights, Path tokenizer, Path output) throws IOException {
        return convert(weights, tokenizer, output, false);
    }

    /**
     * Converts a llama2.c checkpoint into a HuggingFace folder, written atomically under core's
     * {@link OutputFolder} policy: a new or empty folder, or an earlier conversion when {@code replaceExisting};
     * anything else (a downloaded model, a folder holding the input files) is refused and left untouched.
     *
     * @param weights the legacy weight file
     * @param tokenizer the tokenizer file
     * @param output the folder to write
     * @param replaceExisting whether an earlier conversion in {@code output} is replaced instead of refused
     * @return the model's header
     * @throws IllegalArgumentException naming the bad input file, or the output folder and why it is refused
     * @throws IllegalStateException when another writer is writing the output folder
     * @throws IOException when writing fails; the output folder is then left as it was
     */
    public static Llama2cHeader convert(Path weights, Path tokenizer, Path output, boolean replaceExisting)
            throws IOException {
        try (OutputFolder.Claim claim = OutputFolder.builder(output, KIND).replaceExisting(replaceExisting)
                .input("--weights file", weights).input("--tokenizer file", tokenizer).build().claim()) {
            Llama2cCheckpoint checkpoint = Llama2cCheckpoint.read(weights);
            Llama2cVocabulary vocabulary = Llama2cVocabulary.read(tokenizer, checkpoint.header().vocabSize());
            byte[] tokenizerJson = JSON.writeValueAsBytes(vocabulary.toTokenizerJson());
            Map<String, FloatTensor> tensors = new LinkedHashMap<>();
            for (Map.Entry<String, Llama2cCheckpoint.Tensor> e : checkpoint.tensors().entrySet()) {
                tensors.put(e.getKey(), new FloatTensor(e.getValue().shape(), e.getValue().data()));
            }
            claim.write(dir -> {
                Files.write(dir.resolve("config.json"), JSON.writeValueAsBytes(checkpoint.huggingFaceConfig()));
                SafetensorsWriter.writeFloats(dir.resolve("model.safetensors"), tensors);
                Files.write(dir.resolve("tokenizer.json"), tokenizerJson);
            });
            return checkpoint.header();
        }
    }
}
