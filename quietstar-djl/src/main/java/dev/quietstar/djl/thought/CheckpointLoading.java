package dev.quietstar.djl.thought;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quietstar.core.gate.ThinkingGate;
import dev.quietstar.core.io.BoundedFiles;
import dev.quietstar.core.text.ByteTokenizer;
import dev.quietstar.core.text.TextTokenizer;
import dev.quietstar.djl.model.CausalDecoder;
import dev.quietstar.djl.model.HfTextTokenizer;
import dev.quietstar.djl.model.HuggingFaceModels;
import dev.quietstar.djl.model.Safetensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Reading a checkpoint folder into a {@link QuietStarModel} (see {@link QuietStarModel#load}): quietstar.json, the
 * tokenizer, the decoder's weights, the meta-tokens, the mixing head and the thinking gate, each checked against the
 * others before anything is returned, so a bad folder fails with its name and nothing stays loaded.
 */
final class CheckpointLoading {

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

    private CheckpointLoading() {}

    static QuietStarModel load(Path folder, Device device) {
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException("checkpoint folder " + folder + " does not exist");
        }
        Path metaFile = folder.resolve("quietstar.json");
        BoundedFiles.requireFileIn(metaFile, "checkpoint folder " + folder
                + " has no quietstar.json: it is not a Quiet-STaR checkpoint (or it is incomplete)");
        QuietStarModel.Metadata meta;
        try {
            meta = JSON.readValue(BoundedFiles.readUtf8(metaFile, BoundedFiles.MAX_METADATA_BYTES, "quietstar.json"),
                    QuietStarModel.Metadata.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("malformed quietstar.json in " + folder + ": " + e.getMessage(), e);
        }
        if (meta.formatVersion() != QuietStarModel.FORMAT_VERSION) {
            throw new IllegalArgumentException("quietstar.json in " + folder + " has format_version "
                    + meta.formatVersion() + "; this library reads version " + QuietStarModel.FORMAT_VERSION);
        }
        if (!meta.metaTokensInitialised()) {
            throw new IllegalArgumentException("quietstar.json in " + folder + " says the meta-tokens were never "
                    + "initialised; the checkpoint is incomplete");
        }
        var decoderConfig = HuggingFaceModels.readConfig(folder);
        dev.quietstar.core.checkpoint.CheckpointInfo.checkMetaTokenIds(meta.startTokenId(), meta.endTokenId(),
                decoderConfig.vocabSize(), folder);
        TextTokenizer tok = loadTokenizer(folder, meta);
        try {
            dev.quietstar.core.checkpoint.CheckpointInfo.checkTokenizerFits(tok.vocabSize(),
                    folder.resolve("tokenizer.json").toString(), decoderConfig.vocabSize(),
                    folder.resolve("config.json"));
        } catch (IllegalArgumentException e) {
            if (tok instanceof HfTextTokenizer hf) {
                hf.close();
            }
            throw e;
        }
        CausalDecoder decoder = null;
        try (NDManager tmp = NDManager.newBaseManager(device)) {
            Map<String, NDArray> tensors = Safetensors.readFolder(tmp, folder);
            NDArray start = tensors.get(MetaTokens.START_NAME);
            NDArray end = tensors.get(MetaTokens.END_NAME);
            Shape h = new Shape(decoderConfig.hiddenSize());
            for (String name : new String[] {MetaTokens.START_NAME, MetaTokens.END_NAME}) {
                NDArray a = tensors.get(name);
                if (a == null) {
                    throw new IllegalArgumentException("checkpoint is missing tensor '" + name + "' with shape " + h);
                }
                if (!a.getShape().equals(h)) {
                    throw new IllegalArgumentException("tensor '" + name + "' has shape " + a.getShape()
                            + ", expected " + h);
                }
            }
            // the arrays were read for this decoder alone: it takes them over instead of copying them
            decoder = CausalDecoder.adopt(decoderConfig, device, tensors);
            NDManager m = decoder.manager();
            MlpMixingHead head = MlpMixingHead.restore(m, decoderConfig.hiddenSize(), tensors);
            MetaTokens mt = MetaTokens.restore(m, start, end, meta.startTokenId(), meta.endTokenId(),
                    meta.config().metaTokenScale());
            QuietStarModel model = new QuietStarModel(decoder, mt, head, tok, meta.config(), m);
            model.setOrigin(folder);
            model.checkFinite();
            Optional<ThinkingGate> gate = ThinkingGate.read(folder);
            if (gate.isPresent()) {
                gate.get().checkHiddenSize(decoderConfig.hiddenSize());
                model.setThinkingGate(gate.get());
            }
            return model;
        } catch (RuntimeException e) {
            if (decoder != null) {
                decoder.close();
            }
            String message = e.getMessage();
            if ((e instanceof IllegalArgumentException || e instanceof IllegalStateException) && message != null
                    && !message.contains(folder.toString())) {
                // name the checkpoint: a tensor name alone does not say which folder is at fault
                throw new IllegalArgumentException("checkpoint " + folder + ": " + message, e);
            }
            throw e;
        }
    }

    private static TextTokenizer loadTokenizer(Path folder, QuietStarModel.Metadata meta) {
        Path file = folder.resolve("tokenizer.json");
        BoundedFiles.requireFileIn(file, "checkpoint folder " + folder + " has no tokenizer.json");
        if ("byte-level".equals(meta.tokenizerType())) {
            try {
                return ByteTokenizer.fromSpecJson(BoundedFiles.readUtf8(file, BoundedFiles.MAX_METADATA_BYTES,
                        "tokenizer file"));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
            }
        }
        if ("huggingface".equals(meta.tokenizerType())) {
            return HfTextTokenizer.load(file, meta.appendedTokens() == null ? Map.of() : meta.appendedTokens());
        }
        throw new IllegalArgumentException("quietstar.json: tokenizer_type must be byte-level or huggingface, was "
                + meta.tokenizerType());
    }
}
