package dev.quietstar.onnx.infer;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.quietstar.core.checkpoint.CheckpointInfo;
import dev.quietstar.core.checkpoint.DecoderSpec;
import dev.quietstar.core.io.BoundedFiles;
import dev.quietstar.core.text.TextTokenizer;
import dev.quietstar.onnx.export.OnnxLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An exported folder loaded into ONNX Runtime sessions and checked against the layout of {@link OnnxLayout}: the
 * opset, every input and output name, element type, rank and fixed dimension, against {@code config.json}; and
 * every float initializer finite (see {@code OnnxModelFiles}). A folder whose path ONNX Runtime's binding cannot
 * hand to native code (a character outside the Basic Multilingual Plane) is loaded from the files' bytes, or through
 * a temporary link when the weights are in an external data file.
 *
 * <p>Thread safety: the sessions serve concurrent runs; {@link #close()} must not overlap with them.
 */
public final class ExportedModel implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ExportedModel.class);

    private final Path folder;
    private final DecoderSpec spec;
    private final CheckpointInfo info;
    private final OrtEnvironment environment;
    private final OrtSession decoder;
    private final OrtSession mixingHead;
    private final String provider;

    private ExportedModel(Path folder, DecoderSpec spec, CheckpointInfo info, OrtEnvironment environment,
            OrtSession decoder, OrtSession mixingHead, String provider) {
        this.folder = folder;
        this.spec = spec;
        this.info = info;
        this.environment = environment;
        this.decoder = decoder;
        this.mixingHead = mixingHead;
        this.provider = provider;
    }

    /**
     * Whether a folder looks like an export (it holds {@value OnnxLayout#DECODER_FILE}).
     *
     * @param folder the folder
     * @return true when it holds the decoder graph
     */
    public static boolean isExport(Path folder) {
        return Files.isRegularFile(folder.resolve(OnnxLayout.DECODER_FILE));
    }

    /**
     * Refuses graphs of different exports in one folder (a {@code model.onnx} copied over from elsewhere): both graphs
     * carry the digest of the checkpoint they were made from, and the decoder's layer count and model type must be
     * those of the folder's {@code config.json}. Exports written before the digest existed carry none and are only
     * checked for the rest.
     */
    private static void checkSameExport(Path folder, OrtSession decoder, OrtSession head, DecoderSpec spec)
            throws OrtException {
        Map<String, String> d = decoder.getMetadata().getCustomMetadata();
        Map<String, String> h = head.getMetadata().getCustomMetadata();
        String ds = d.get(OnnxLayout.SOURCE_KEY);
        String hs = h.get(OnnxLayout.SOURCE_KEY);
        if (ds != null && hs != null && !ds.equals(hs)) {
            throw new IllegalArgumentException(folder + ": " + OnnxLayout.DECODER_FILE + " and "
                    + OnnxLayout.MIXING_HEAD_FILE + " come from different exports; export the checkpoint again into "
                    + "an empty folder");
        }
        String layers = d.get("quietstar.layers");
        String type = d.get("quietstar.model_type");
        if ((layers != null && !layers.equals(Integer.toString(spec.layers())))
                || (type != null && !type.equals(spec.modelType()))) {
            throw new IllegalArgumentException(folder + ": " + OnnxLayout.DECODER_FILE + " is a " + type + " of "
                    + layers + " layers but config.json describes a " + spec.modelType() + " of " + spec.layers()
                    + "; the files come from different exports, export the checkpoint again into an empty folder");
        }
    }

    /**
     * Loads and validates an exported folder.
     *
     * @param folder the folder written by {@link dev.quietstar.onnx.export.OnnxExporter}
     * @param settings session settings
     * @return the loaded model
     * @throws IllegalArgumentException naming the missing file, the wrong opset, a float initializer that holds NaN
     *     or infinity (with its file), or the input or output that does not match the layout
     */
    public static ExportedModel open(Path folder, OnnxRuntimeSettings settings) {
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException("ONNX model folder " + folder + " does not exist");
        }
        Path decoderFile = folder.resolve(OnnxLayout.DECODER_FILE);
        Path headFile = folder.resolve(OnnxLayout.MIXING_HEAD_FILE);
        for (Path f : new Path[] {decoderFile, headFile}) {
            BoundedFiles.requireFileIn(f, "ONNX model folder " + folder + " has no " + f.getFileName()
                    + "; export a checkpoint with: quietstar export-onnx --model CKPT --output " + folder);
        }
        DecoderSpec spec = DecoderSpec.read(folder);
        CheckpointInfo info = CheckpointInfo.read(folder);
        CheckpointInfo.checkMetaTokenIds(info.startTokenId(), info.endTokenId(), spec.vocabSize(), folder);
        // A path ONNX Runtime's binding cannot pass to native code is loaded from bytes, or through a link.
        boolean nativeSafe = OnnxModelFiles.nativeSafe(folder);
        byte[] decoderBytes = nativeSafe ? null : readModel(decoderFile);
        byte[] headBytes = nativeSafe ? null : readModel(headFile);
        OnnxModelFiles.Scan decoderScan = decoderBytes == null ? OnnxModelFiles.scan(decoderFile)
                : OnnxModelFiles.scan(decoderFile, decoderBytes);
        OnnxModelFiles.Scan headScan = headBytes == null ? OnnxModelFiles.scan(headFile)
                : OnnxModelFiles.scan(headFile, headBytes);
        checkOpset(decoderFile, decoderScan.opset());
        checkOpset(headFile, headScan.opset());
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession d = null;
        OrtSession h = null;
        Path link = null;
        try {
            String[] provider = new String[1];
            if (nativeSafe) {
                d = env.createSession(decoderFile.toString(), options(settings, provider));
                h = env.createSession(headFile.toString(), options(settings, new String[1]));
            } else if (decoderScan.externalData() || headScan.externalData()) {
                // External weights are found next to the model's path, so bytes alone cannot carry them.
                link = nativeSafeLink(folder);
                d = env.createSession(link.resolve(OnnxLayout.DECODER_FILE).toString(),
                        options(settings, provider));
                h = env.createSession(link.resolve(OnnxLayout.MIXING_HEAD_FILE).toString(),
                        options(settings, new String[1]));
            } else {
                d = env.createSession(decoderBytes, options(settings, provider));
                h = env.createSession(headBytes, options(settings, new String[1]));
            }
            checkDecoder(decoderFile, d, spec);
            checkHead(headFile, h, spec);
            checkSameExport(folder, d, h, spec);
            LOG.debug("loaded {} on {}", folder, provider[0]);
            return new ExportedModel(folder, spec, info, env, d, h, provider[0]);
        } catch (OrtException e) {
            closeQuietly(d);
            closeQuietly(h);
            throw new IllegalArgumentException("ONNX Runtime cannot load " + folder + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(d);
            closeQuietly(h);
            throw e;
        } finally {
            deleteLink(link);
        }
    }

    /** Reads a model file whose path cannot be handed to ONNX Runtime; its size is bounded by protobuf's 2 GiB. */
    private static byte[] readModel(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read ONNX model " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * A symbolic link to the folder under the temporary folder, whose path ONNX Runtime can be handed: the sessions
     * read the model and its external data through it while they are created.
     */
    private static Path nativeSafeLink(Path folder) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("quietstar-onnx-");
            if (!OnnxModelFiles.nativeSafe(dir)) {
                throw new IOException("the temporary folder " + dir + " has such characters too");
            }
            return Files.createSymbolicLink(dir.resolve("export"), folder.toAbsolutePath());
        } catch (IOException | UnsupportedOperationException e) {
            deleteLink(dir == null ? null : dir.resolve("export"));
            throw new IllegalArgumentException("ONNX model folder " + folder + " has a character outside the Basic "
                    + "Multilingual Plane (an emoji, say) in its path, which ONNX Runtime cannot open, and its "
                    + "weights are in an external data file, so they cannot be loaded from memory; a link to it "
                    + "could not be made (" + e.getMessage() + "): move or rename the folder", e);
        }
    }

    /** Deletes a link made by {@link #nativeSafeLink} and its temporary folder. */
    private static void deleteLink(Path link) {
        if (link == null) {
            return;
        }
        try {
            Files.deleteIfExists(link);
            Files.deleteIfExists(link.getParent());
        } catch (IOException e) {
            LOG.warn("could not delete the temporary link {}: {}", link, e.getMessage());
        }
    }

    private static OrtSession.SessionOptions options(OnnxRuntimeSettings s, String[] provider) throws OrtException {
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        o.setOptimizationLevel(s.optimisationLevel());
        if (s.intraOpThreads() > 0) {
            o.setIntraOpNumThreads(s.intraOpThreads());
        }
        if (!s.cpuMemoryArena()) {
            o.setCPUArenaAllocator(false);
        }
        provider[0] = "CPU";
        if (s.preferCuda() && OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
            try {
                o.addCUDA(0);
                provider[0] = "CUDA";
            } catch (OrtException e) { // GPU build without a usable GPU: stay on the CPU
                LOG.info("CUDA execution provider unavailable ({}); running on the CPU", e.getMessage());
            }
        }
        return o;
    }

    private static void checkOpset(Path file, long opset) {
        if (opset < 0) {
            throw new IllegalArgumentException("ONNX model " + file + " imports no default-domain opset; it is not"
                    + " a model this backend wrote");
        }
        if (opset < OnnxLayout.OPSET) {
            throw new IllegalArgumentException("ONNX model " + file + " uses opset " + opset + "; this backend needs"
                    + " opset >= " + OnnxLayout.OPSET + " (re-export the checkpoint)");
        }
    }

    private static void checkDecoder(Path file, OrtSession s, DecoderSpec spec) throws OrtException {
        Map<String, long[]> inputs = new LinkedHashMap<>();
        Map<String, OnnxJavaType> types = new LinkedHashMap<>();
        inputs.put(OnnxLayout.INPUT_IDS, new long[] {-1, -1});
        types.put(OnnxLayout.INPUT_IDS, OnnxJavaType.INT64);
        inputs.put(OnnxLayout.POSITION_IDS, new long[] {-1, -1});
        types.put(OnnxLayout.POSITION_IDS, OnnxJavaType.INT64);
        inputs.put(OnnxLayout.ATTENTION_MASK, new long[] {-1, 1, -1, -1});
        Map<String, long[]> outputs = new LinkedHashMap<>();
        outputs.put(OnnxLayout.HIDDEN_STATES, new long[] {-1, -1, spec.hiddenSize()});
        outputs.put(OnnxLayout.LOGITS, new long[] {-1, -1, spec.vocabSize()});
        long[] kv = {-1, spec.kvHeads(), -1, spec.headDim()};
        for (int i = 0; i < spec.layers(); i++) {
            inputs.put(OnnxLayout.pastKey(i), kv);
            inputs.put(OnnxLayout.pastValue(i), kv);
            outputs.put(OnnxLayout.presentKey(i), kv);
            outputs.put(OnnxLayout.presentValue(i), kv);
        }
        check(file, "input", s.getInputInfo(), inputs, types);
        check(file, "output", s.getOutputInfo(), outputs, Map.of());
    }

    private static void checkHead(Path file, OrtSession s, DecoderSpec spec) throws OrtException {
        long h = spec.hiddenSize();
        check(file, "input", s.getInputInfo(), Map.of(OnnxLayout.BASE_HIDDEN, new long[] {-1, h},
                OnnxLayout.THOUGHT_HIDDEN, new long[] {-1, h}), Map.of());
        check(file, "output", s.getOutputInfo(), Map.of(OnnxLayout.MIXING_WEIGHT, new long[] {-1, 1}), Map.of());
    }

    /** Expected shapes use -1 for a symbolic dimension; element types default to float. */
    private static void check(Path file, String kind, Map<String, NodeInfo> actual, Map<String, long[]> expected,
            Map<String, OnnxJavaType> types) {
        Set<String> missing = new TreeSet<>(expected.keySet());
        missing.removeAll(actual.keySet());
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("ONNX model " + file + " lacks " + kind + "(s) " + missing
                    + " (has " + actual.keySet() + "); it does not match config.json beside it or was not written by"
                    + " this exporter");
        }
        Set<String> extra = new TreeSet<>(actual.keySet());
        extra.removeAll(expected.keySet());
        if (!extra.isEmpty()) {
            throw new IllegalArgumentException("ONNX model " + file + " has unexpected " + kind + "(s) " + extra
                    + "; it does not match config.json beside it");
        }
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            if (!(actual.get(e.getKey()).getInfo() instanceof TensorInfo t)) {
                throw new IllegalArgumentException("ONNX model " + file + ": " + kind + " '" + e.getKey()
                        + "' is not a tensor");
            }
            OnnxJavaType type = types.getOrDefault(e.getKey(), OnnxJavaType.FLOAT);
            if (t.type != type) {
                throw new IllegalArgumentException("ONNX model " + file + ": " + kind + " '" + e.getKey()
                        + "' has element type " + t.type + ", expected " + type);
            }
            long[] shape = t.getShape();
            long[] want = e.getValue();
            boolean ok = shape.length == want.length;
            for (int i = 0; ok && i < want.length; i++) {
                ok = want[i] < 0 || shape[i] == want[i];
            }
            if (!ok) {
                throw new IllegalArgumentException("ONNX model " + file + ": " + kind + " '" + e.getKey()
                        + "' has shape " + Arrays.toString(shape) + ", expected " + Arrays.toString(want)
                        + " (-1: any size); it does not match config.json beside it");
            }
        }
    }

    private static void closeQuietly(OrtSession s) {
        if (s != null) {
            try {
                s.close();
            } catch (OrtException e) {
                LOG.debug("closing a session failed", e);
            }
        }
    }

    /**
     * The folder the model came from.
     *
     * @return the folder
     */
    public Path folder() {
        return folder;
    }

    /**
     * The decoder's architecture.
     *
     * @return the spec
     */
    public DecoderSpec spec() {
        return spec;
    }

    /**
     * What {@code quietstar.json} says.
     *
     * @return the info
     */
    public CheckpointInfo info() {
        return info;
    }

    /**
     * The tokenizer stored in the folder, when core can run it without an engine's tokenizer library.
     *
     * @return the tokenizer
     * @throws IllegalArgumentException when the folder's tokenizer needs the HuggingFace tokenizers library
     */
    public TextTokenizer engineNeutralTokenizer() {
        return info.engineNeutralTokenizer(folder);
    }

    /**
     * The shared environment.
     *
     * @return the environment
     */
    public OrtEnvironment environment() {
        return environment;
    }

    /**
     * The decoder session.
     *
     * @return the session
     */
    public OrtSession decoder() {
        return decoder;
    }

    /**
     * The mixing head session.
     *
     * @return the session
     */
    public OrtSession mixingHead() {
        return mixingHead;
    }

    /**
     * The execution provider the decoder runs on, {@code CPU} or {@code CUDA}.
     *
     * @return the provider
     */
    public String provider() {
        return provider;
    }

    /** Closes both sessions. */
    @Override
    public void close() {
        closeQuietly(decoder);
        closeQuietly(mixingHead);
    }
}
