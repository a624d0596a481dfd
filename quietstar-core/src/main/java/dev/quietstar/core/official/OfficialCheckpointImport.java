package dev.quietstar.core.official;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.core.checkpoint.CheckpointInfo;
import dev.quietstar.core.checkpoint.DecoderSpec;
import dev.quietstar.core.checkpoint.FloatTensor;
import dev.quietstar.core.checkpoint.SafetensorsReader;
import dev.quietstar.core.checkpoint.SafetensorsWriter;
import dev.quietstar.core.checkpoint.StoredTensor;
import dev.quietstar.core.io.BoundedFiles;
import dev.quietstar.core.io.OutputFolder;
import dev.quietstar.core.io.OutputKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Imports a checkpoint saved by the paper's code (Zelikman et al., 2024; the {@code quiet-star} repository's
 * {@code modeling_mistral.py}, e.g. the released {@code ezelikman/quietstar-8-ahead}) as a checkpoint of this
 * library, so that it thinks with its own learned thoughts on either backend.
 *
 * <p>The official layout is a Mistral model plus three extra parameter sets:
 * <ul>
 *   <li>{@code start_embedding} and {@code end_embedding}, each [2, H] and stored divided by the embedding scale
 *       (100): row 0 times the scale is the vector fed for the start- / end-of-thought token (row 1 holds the log
 *       standard deviation of a sampling option inference does not use);
 *   <li>{@code talk_head.0.{0,2,4}}: the mixing head, Linear(2H, H), ReLU, Linear(H, H), ReLU, Linear(H, 1) without
 *       bias, applied to concat[h_base, h_thought]; its output w mixes the hidden states before {@code lm_head}
 *       (the "weighted, concatenated, complex" talk head of the released model);
 *   <li>the tokenizer's {@code <|startthought|>} and {@code <|endthought|>}, added after Mistral's vocabulary.
 * </ul>
 *
 * <p>This library's checkpoint holds the same mixing head under {@code quietstar.mixing_head.*}, the two vectors as
 * used under {@code quietstar.start_embedding} / {@code quietstar.end_embedding}, and {@code quietstar.json} with
 * the official inference settings ({@link #officialConfig}). Decoder tensors are copied as stored (bf16 stays bf16);
 * the work is done one weight file at a time, so the largest shard is the most held in memory.
 */
public final class OfficialCheckpointImport {

    private static final Logger LOG = LoggerFactory.getLogger(OfficialCheckpointImport.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** The official start-of-thought token. */
    public static final String START_TOKEN = "<|startthought|>";
    /** The official end-of-thought token. */
    public static final String END_TOKEN = "<|endthought|>";
    /** The official {@code embedding_scale}. */
    public static final double EMBEDDING_SCALE = 100.0;

    /**
     * What an import writes. Only the marker identifies it: its files are those of any checkpoint of this library.
     */
    public static final OutputKind KIND = OutputKind.folder("official-import", "import of an official checkpoint");

    /** Tensor names of this library's checkpoint (the names the backends read). */
    static final String START_NAME = "quietstar.start_embedding";
    static final String END_NAME = "quietstar.end_embedding";
    static final String HEAD_PREFIX = "quietstar.mixing_head.";

    private static final String OFFICIAL_HEAD = "talk_head.0.";
    private static final String EXTRA_FILE = "quietstar-thoughts.safetensors";

    private OfficialCheckpointImport() {}

    /**
     * What was imported.
     *
     * @param output the checkpoint folder
     * @param spec the decoder
     * @param startTokenId the start-of-thought id
     * @param endTokenId the end-of-thought id
     * @param appended whether the two tokens were appended to a tokenizer that lacked them
     */
    public record Result(Path output, DecoderSpec spec, int startTokenId, int endTokenId, boolean appended) {}

    /**
     * The settings the released model thinks with: {@code n_ahead} 8 (a thought of 5 tokens between the start and
     * end tokens), one look-ahead token ({@code n_ahead_talk} 1), and the official training settings otherwise.
     *
     * @return the configuration written into {@code quietstar.json}
     */
    public static QuietStarConfig officialConfig() {
        QuietStarConfig o = QuietStarConfig.official();
        return o.withShape(5, 1, o.thoughtsPerPosition(), o.sequenceLength());
    }

    /**
     * Imports a checkpoint.
     *
     * @param model the official checkpoint folder ({@code config.json}, safetensors weights, usually
     *     {@code tokenizer.json})
     * @param tokenizerFolder the folder holding {@code tokenizer.json}, or null for {@code model}
     * @param output a new or empty checkpoint folder to write (written atomically)
     * @return what was imported
     * @throws IOException when writing fails
     * @throws IllegalArgumentException naming the file, tensor or field that does not match the official layout, or
     *     an output folder that is not new or empty
     */
    public static Result convert(Path model, Path tokenizerFolder, Path output) throws IOException {
        return convert(model, tokenizerFolder, output, false);
    }

    /**
     * Imports an official checkpoint under core's {@link OutputFolder} policy: the output is written atomically; an
     * earlier import there is replaced only when {@code replaceExisting}; anything else (the official checkpoint
     * itself, a folder holding it or the tokenizer, a folder of other files) is refused and left untouched.
     *
     * @param model the official checkpoint folder ({@code config.json}, safetensors weights, usually
     *     {@code tokenizer.json})
     * @param tokenizerFolder the folder holding {@code tokenizer.json}, or null for {@code model}
     * @param output the checkpoint folder to write
     * @param replaceExisting whether an earlier import in {@code output} is replaced instead of refused
     * @return what was imported
     * @throws IOException when writing fails; the output folder is then left as it was
     * @throws IllegalArgumentException naming the file, tensor or field that does not match the official layout, or
     *     the output folder and why it is refused
     * @throws IllegalStateException when another writer is writing the output folder
     */
    public static Result convert(Path model, Path tokenizerFolder, Path output, boolean replaceExisting)
            throws IOException {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(output, "output");
        if (!Files.isDirectory(model)) {
            throw new IllegalArgumentException("--model " + model + " is not a folder; pass the folder of the "
                    + "official checkpoint (config.json and *.safetensors)");
        }
        Path tokFolder = tokenizerFolder == null ? model : tokenizerFolder;
        Path tokenizerFile = tokFolder.resolve("tokenizer.json");
        if (!Files.isRegularFile(tokenizerFile)) {
            throw new IllegalArgumentException("no tokenizer.json in " + tokFolder + "; pass --tokenizer with the "
                    + "folder of the model's tokenizer.json (Mistral's, with or without the thought tokens)");
        }
        DecoderSpec spec = DecoderSpec.read(model);
        if (!"mistral".equals(spec.modelType())) {
            throw new IllegalArgumentException("config.json in " + model + " has model_type '" + spec.modelType()
                    + "'; the official Quiet-STaR checkpoints are Mistral models (model_type mistral)");
        }
        byte[] tokenizerBytes = BoundedFiles.readUtf8(tokenizerFile, BoundedFiles.MAX_TOKENIZER_BYTES,
                "tokenizer file").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Ids ids = metaTokenIds(tokenizerBytes, tokenizerFile);
        CheckpointInfo.checkMetaTokenIds(ids.start(), ids.end(), spec.vocabSize(), model);
        List<Path> files = SafetensorsReader.weightFiles(model);
        int h = spec.hiddenSize();
        QuietStarConfig config = officialConfig();
        try (OutputFolder.Claim claim = OutputFolder.builder(output, KIND).replaceExisting(replaceExisting)
                .input("--model checkpoint", model).input("--tokenizer folder", tokenizerFolder).build().claim()) {
            write(claim, model, files, spec, ids, tokenizerBytes, config, h);
        }
        LOG.info("imported the official checkpoint {} into {} (thought tokens {} and {})", model, output, ids.start(),
                ids.end());
        return new Result(output, spec, ids.start(), ids.end(), ids.appended());
    }

    private static void write(OutputFolder.Claim claim, Path model, List<Path> files, DecoderSpec spec, Ids ids,
            byte[] tokenizerBytes, QuietStarConfig config, int h) throws IOException {
        claim.write(tmp -> {
            Map<String, StoredTensor> extra = new LinkedHashMap<>();
            Map<String, String> index = new LinkedHashMap<>();
            for (Path f : files) {
                Map<String, StoredTensor> kept = new LinkedHashMap<>();
                for (Map.Entry<String, StoredTensor> e : SafetensorsReader.readStored(f).entrySet()) {
                    String name = e.getKey();
                    StoredTensor t = e.getValue();
                    if (name.equals("start_embedding") || name.equals("end_embedding")) {
                        extra.put(name.equals("start_embedding") ? START_NAME : END_NAME,
                                metaVector(f, name, t, h));
                    } else if (name.startsWith(OFFICIAL_HEAD)) {
                        extra.put(HEAD_PREFIX + name.substring(OFFICIAL_HEAD.length()), headTensor(f, name, t, h));
                    } else {
                        kept.put(name, t);
                    }
                }
                String out = files.size() == 1 ? "model-00001.safetensors" : f.getFileName().toString();
                SafetensorsWriter.write(tmp.resolve(out), kept);
                kept.keySet().forEach(n -> index.put(n, out));
            }
            for (String needed : List.of(START_NAME, END_NAME, HEAD_PREFIX + "0.weight", HEAD_PREFIX + "0.bias",
                    HEAD_PREFIX + "2.weight", HEAD_PREFIX + "2.bias", HEAD_PREFIX + "4.weight")) {
                if (!extra.containsKey(needed)) {
                    String official = needed.startsWith(HEAD_PREFIX)
                            ? OFFICIAL_HEAD + needed.substring(HEAD_PREFIX.length())
                            : needed.substring("quietstar.".length());
                    throw new IllegalArgumentException("official checkpoint " + model + " has no tensor '" + official
                            + "'; it is not in the layout of the paper's code (start_embedding, end_embedding, "
                            + "talk_head.0.{0,2,4} of a weighted, concatenated talk head)");
                }
            }
            SafetensorsWriter.write(tmp.resolve(EXTRA_FILE), extra);
            extra.keySet().forEach(n -> index.put(n, EXTRA_FILE));
            ObjectNode idx = JSON.createObjectNode();
            idx.putObject("metadata");
            ObjectNode map = idx.putObject("weight_map");
            index.forEach(map::put);
            Files.writeString(tmp.resolve("model.safetensors.index.json"), JSON.writeValueAsString(idx));
            Files.writeString(tmp.resolve("config.json"), JSON.writeValueAsString(spec.toJson()));
            Files.write(tmp.resolve("tokenizer.json"), tokenizerBytes);
            ObjectNode meta = JSON.createObjectNode();
            meta.put("format_version", CheckpointInfo.FORMAT_VERSION);
            meta.set("config", JSON.valueToTree(config));
            meta.put("start_token_id", ids.start());
            meta.put("end_token_id", ids.end());
            meta.put("meta_tokens_initialised", true);
            meta.put("tokenizer_type", "huggingface");
            ObjectNode appended = meta.putObject("appended_tokens");
            if (ids.appended()) {
                appended.put(START_TOKEN, ids.start());
                appended.put(END_TOKEN, ids.end());
            }
            Files.writeString(tmp.resolve("quietstar.json"), JSON.writeValueAsString(meta));
        });
    }

    /** The vector fed for a thought token: row 0 of the official [2, H] parameter times the embedding scale. */
    private static StoredTensor metaVector(Path file, String name, StoredTensor t, int h) {
        if (!Arrays.equals(t.shape(), new long[] {2, h})) {
            throw new IllegalArgumentException("official checkpoint file " + file + ": tensor '" + name
                    + "' has shape " + Arrays.toString(t.shape()) + ", expected [2, " + h + "] (the paper's code "
                    + "stores [mean, log std] rows)");
        }
        float[] all = SafetensorsReader.toFloat(file.toString(), name, t).data();
        float[] used = new float[h];
        for (int i = 0; i < h; i++) {
            used[i] = (float) (all[i] * EMBEDDING_SCALE);
        }
        return StoredTensor.of(new FloatTensor(new long[] {h}, used));
    }

    /** One talk-head tensor, checked against the weighted, concatenated head's shapes and widened to float32. */
    private static StoredTensor headTensor(Path file, String name, StoredTensor t, int h) {
        String rest = name.substring(OFFICIAL_HEAD.length());
        long[] expected = switch (rest) {
            case "0.weight" -> new long[] {h, 2L * h};
            case "0.bias", "2.bias" -> new long[] {h};
            case "2.weight" -> new long[] {h, h};
            case "4.weight" -> new long[] {1, h};
            default -> null;
        };
        if (expected == null) {
            throw new IllegalArgumentException("official checkpoint file " + file + ": tensor '" + name + "' is not "
                    + "part of the talk head this library runs (Linear 2H->H, ReLU, Linear H->H, ReLU, Linear H->1 "
                    + "without bias: use_complex_talk_head, use_concat_talk_head and use_weighted_talk_head)");
        }
        if (!Arrays.equals(t.shape(), expected)) {
            throw new IllegalArgumentException("official checkpoint file " + file + ": tensor '" + name
                    + "' has shape " + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(expected)
                    + " for a weighted talk head on width " + h + " (a talk head with a vocabulary-sized output is "
                    + "not supported)");
        }
        return StoredTensor.of(SafetensorsReader.toFloat(file.toString(), name, t));
    }

    private record Ids(int start, int end, boolean appended) {}

    /**
     * The thought tokens' ids: the tokenizer's own when it has them (the official tokenizer adds them), else the two
     * ids after its vocabulary, as the paper's code appends them.
     */
    private static Ids metaTokenIds(byte[] tokenizerJson, Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(tokenizerJson);
        } catch (IOException e) {
            throw new IllegalArgumentException("tokenizer file " + file + " is not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("tokenizer file " + file + " must hold a JSON object");
        }
        Map<String, Integer> vocab = new LinkedHashMap<>();
        JsonNode v = root.path("model").path("vocab");
        if (v.isObject()) {
            v.properties().forEach(e -> vocab.put(e.getKey(), e.getValue().asInt()));
        } else if (v.isArray()) {
            for (int i = 0; i < v.size(); i++) {
                vocab.put(v.get(i).get(0).asText(), i);
            }
        } else {
            throw new IllegalArgumentException("tokenizer file " + file + " has no model.vocab");
        }
        for (JsonNode t : root.path("added_tokens")) {
            vocab.put(t.path("content").asText(), t.path("id").asInt());
        }
        Integer start = vocab.get(START_TOKEN);
        Integer end = vocab.get(END_TOKEN);
        if (start != null && end != null) {
            return new Ids(start, end, false);
        }
        if (start != null || end != null) {
            throw new IllegalArgumentException("tokenizer file " + file + " has only one of " + START_TOKEN + " and "
                    + END_TOKEN + "; give the official tokenizer (both) or Mistral's (neither)");
        }
        int base = vocab.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        return new Ids(base, base + 1, true);
    }
}
