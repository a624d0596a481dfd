package dev.quietstar.djl.thought;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.core.gate.ThinkingGate;
import dev.quietstar.core.text.ByteTokenizer;
import dev.quietstar.djl.model.HfTextTokenizer;
import dev.quietstar.djl.model.HuggingFaceModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Writes the files of a {@link QuietStarModel} checkpoint into a folder (docs/training.md). */
final class CheckpointFiles {

    private CheckpointFiles() {}

    /**
     * Writes weights, configuration, metadata, tokenizer and thinking gate.
     *
     * @param model the model
     * @param gate its thinking gate, or null
     * @param tmp an existing empty folder
     * @param savedConfig the configuration recorded in {@code quietstar.json}
     * @param json the mapper of {@code quietstar.json}
     * @throws IOException when writing fails
     */
    static void write(QuietStarModel model, ThinkingGate gate, Path tmp, QuietStarConfig savedConfig,
            ObjectMapper json) throws IOException {
        Map<String, NDArray> quietstar = new LinkedHashMap<>();
        try (NDManager scope = model.manager().newSubManager()) {
            quietstar.put(MetaTokens.START_NAME, model.metaTokens().startEmbedding(scope));
            quietstar.put(MetaTokens.END_NAME, model.metaTokens().endEmbedding(scope));
            model.mixingHead().parameters().forEach((k, v) -> quietstar.put(k, v.getArray()));
            HuggingFaceModels.write(model.decoder(), tmp, quietstar);
        }
        String type;
        Map<String, Integer> appended = Map.of();
        if (model.tokenizer() instanceof ByteTokenizer b) {
            type = "byte-level";
            Files.writeString(tmp.resolve("tokenizer.json"), b.toSpecJson());
        } else if (model.tokenizer() instanceof HfTextTokenizer hf) {
            type = "huggingface";
            appended = hf.appended();
            Files.write(tmp.resolve("tokenizer.json"), hf.json());
        } else {
            throw new IOException("cannot save a tokenizer of type " + model.tokenizer().getClass().getName());
        }
        MetaTokens meta = model.metaTokens();
        QuietStarModel.Metadata metadata = new QuietStarModel.Metadata(QuietStarModel.FORMAT_VERSION, savedConfig,
                meta.startId(), meta.endId(), true, type, appended);
        Files.writeString(tmp.resolve("quietstar.json"), json.writeValueAsString(metadata));
        if (gate != null) {
            gate.write(tmp);
        }
    }
}
