package dev.quietstar.onnx.export;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import dev.quietstar.core.checkpoint.CheckpointInfo;
import dev.quietstar.core.checkpoint.DecoderSpec;
import dev.quietstar.core.checkpoint.FloatTensor;
import dev.quietstar.core.checkpoint.SafetensorsReader;
import dev.quietstar.core.gate.ThinkingGate;
import dev.quietstar.core.io.BoundedFiles;
import dev.quietstar.core.io.OutputFolder;
import dev.quietstar.core.io.OutputKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exports a Quiet-STaR checkpoint folder (GPT-2 or Llama family) to an ONNX folder that the {@code onnxruntime}
 * backend runs without libtorch, reading the weights through core's engine-neutral safetensors reader.
 *
 * <p>The folder written holds {@value OnnxLayout#DECODER_FILE} (the decoder, see {@link OnnxLayout} for its inputs
 * and outputs; the meta-token vectors {@code quietstar.start_embedding} / {@code quietstar.end_embedding} are
 * initializers that replace the embedding of their ids), {@value OnnxLayout#DECODER_DATA_FILE} when the weights
 * pass the external-data threshold (2 GB by default: a protobuf message cannot exceed 2 GiB),
 * {@value OnnxLayout#MIXING_HEAD_FILE} (the mixing head), and copies of {@code config.json}, {@code quietstar.json}
 * and {@code tokenizer.json}, plus the thinking gate ({@value ThinkingGate#FILE}) when the checkpoint has one.
 * Graphs use opset {@value OnnxLayout#OPSET}. The folder follows core's {@link OutputFolder} policy: it is written
 * atomically; an earlier export is replaced only with {@link Builder#replaceExisting(boolean)}; the checkpoint, a
 * folder holding it, a file and a folder of other files are refused and left untouched.
 *
 * <p>The graphs compute what the DJL decoder computes: GPT-2 blocks (LayerNorm, {@code Conv1D} weights in x out,
 * GELU-tanh, learned positions) and Llama-family blocks (RMSNorm, rotate-half RoPE at the given position ids, SwiGLU,
 * grouped-query attention by broadcasting each key/value head over its group of query heads; Qwen3's per-head q/k
 * norms, Phi-3's fused projections and partial rotary embedding; Gemma 3's scaled embeddings, 1 + w norms, sandwich
 * norms, GELU-tanh gate and a rotary table per layer kind), scaled dot-product attention with the additive mask added
 * after the 1/sqrt(head_dim) (Gemma: 1/sqrt(query_pre_attn_scalar)) scaling, and lm_head as the (tied) embedding.
 */
public final class OnnxExporter {

    private static final Logger LOG = LoggerFactory.getLogger(OnnxExporter.class);

    /** Default weight size above which weights go to an external data file: 2 GB. */
    public static final long DEFAULT_EXTERNAL_DATA_THRESHOLD_BYTES = 2_000_000_000L;

    private final Path checkpoint;
    private final Path output;
    private final long externalDataThresholdBytes;
    private final boolean replaceExisting;

    /**
     * What an export writes; exports made before the marker existed are recognised by their two graphs.
     */
    public static final OutputKind KIND = OutputKind.folder("onnx-export", "ONNX export", OnnxLayout.DECODER_FILE,
            OnnxLayout.MIXING_HEAD_FILE);

    /**
     * What an export wrote.
     *
     * @param folder the folder written
     * @param spec the decoder's architecture
     * @param weightBytes bytes of float32 weights in the decoder graph
     * @param externalData whether the decoder's weights went to {@value OnnxLayout#DECODER_DATA_FILE}
     */
    public record Result(Path folder, DecoderSpec spec, long weightBytes, boolean externalData) {}

    private OnnxExporter(Builder b) {
        this.checkpoint = b.checkpoint;
        this.output = b.output;
        this.externalDataThresholdBytes = b.externalDataThresholdBytes;
        this.replaceExisting = b.replaceExisting;
    }

    /**
     * Starts a builder.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Builder of an {@link OnnxExporter}: {@code setCheckpoint} and {@code setOutput} are required. */
    public static final class Builder {
        private Path checkpoint;
        private Path output;
        private long externalDataThresholdBytes = DEFAULT_EXTERNAL_DATA_THRESHOLD_BYTES;
        private boolean replaceExisting;

        private Builder() {}

        /**
         * Sets the checkpoint folder to export.
         *
         * @param folder a Quiet-STaR checkpoint folder
         * @return this builder
         */
        public Builder setCheckpoint(Path folder) {
            this.checkpoint = Objects.requireNonNull(folder, "checkpoint");
            return this;
        }

        /**
         * Sets the folder to write: a new or empty folder, or an earlier export when
         * {@link #replaceExisting(boolean)} is set.
         *
         * @param folder the output folder
         * @return this builder
         */
        public Builder setOutput(Path folder) {
            this.output = Objects.requireNonNull(folder, "output");
            return this;
        }

        /**
         * Sets whether an earlier export in the output folder is replaced (atomically) instead of refused; default
         * false. A folder that is not an earlier export is never replaced.
         *
         * @param replace true to replace an earlier export
         * @return this builder
         */
        public Builder replaceExisting(boolean replace) {
            this.replaceExisting = replace;
            return this;
        }

        /**
         * Sets the weight size above which the decoder's weights go to an external data file.
         *
         * @param bytes threshold in bytes, &gt;= 0 (0 always writes external data)
         * @return this builder
         */
        public Builder optExternalDataThresholdBytes(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("externalDataThresholdBytes must be >= 0, was " + bytes);
            }
            this.externalDataThresholdBytes = bytes;
            return this;
        }

        /**
         * Validates and builds the exporter.
         *
         * @return the exporter
         * @throws IllegalStateException when the checkpoint or the output is not set
         */
        public OnnxExporter build() {
            if (checkpoint == null) {
                throw new IllegalStateException("setCheckpoint(folder) is required");
            }
            if (output == null) {
                throw new IllegalStateException("setOutput(folder) is required");
            }
            return new OnnxExporter(this);
        }
    }

    /**
     * Exports the checkpoint.
     *
     * @return what was written
     * @throws IllegalArgumentException naming the missing or malformed file or tensor of the checkpoint, or an
     *     output folder the policy refuses (see the class description)
     * @throws IllegalStateException when another writer is writing the output folder
     * @throws IOException when writing fails (an existing output folder is then left as it was)
     */
    public Result export() throws IOException {
        if (!Files.isDirectory(checkpoint)) {
            throw new IllegalArgumentException("checkpoint folder " + checkpoint + " does not exist");
        }
        try (OutputFolder.Claim claim = OutputFolder.builder(output, KIND).replaceExisting(replaceExisting)
                .input("checkpoint", checkpoint).build().claim()) {
            return export(claim);
        }
    }

    private Result export(OutputFolder.Claim claim) throws IOException {
        DecoderSpec spec = DecoderSpec.read(checkpoint);
        CheckpointInfo info = CheckpointInfo.read(checkpoint);
        BoundedFiles.requireFileIn(checkpoint.resolve("tokenizer.json"), "checkpoint folder " + checkpoint
                + " has no tokenizer.json");
        CheckpointInfo.checkMetaTokenIds(info.startTokenId(), info.endTokenId(), spec.vocabSize(), checkpoint);
        Weights w = new Weights(SafetensorsReader.readFolder(checkpoint), spec.llama() ? "model." : "transformer.");
        GraphBuilder decoder = new DecoderGraph(spec, info, w).build();
        GraphBuilder head = mixingHead(spec.hiddenSize(), w);
        long bytes = decoder.initializerBytes();
        boolean external = bytes > externalDataThresholdBytes;
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(OnnxLayout.FORMAT_KEY, OnnxLayout.FORMAT_VERSION);
        meta.put("quietstar.model_type", spec.modelType());
        meta.put("quietstar.layers", Integer.toString(spec.layers()));
        meta.put(OnnxLayout.SOURCE_KEY, sourceDigest(checkpoint));
        Optional<ThinkingGate> gate = ThinkingGate.read(checkpoint);
        if (gate.isPresent()) {
            gate.get().checkHiddenSize(spec.hiddenSize());
        }
        claim.write(tmp -> {
            decoder.write(tmp.resolve(OnnxLayout.DECODER_FILE), external ? OnnxLayout.DECODER_DATA_FILE : null, meta);
            head.write(tmp.resolve(OnnxLayout.MIXING_HEAD_FILE), null, meta);
            for (String f : new String[] {"config.json", "quietstar.json", "tokenizer.json"}) {
                Files.copy(checkpoint.resolve(f), tmp.resolve(f));
            }
            // The thinking gate is a vector and a bias that core applies in Java: it travels as the same file.
            if (gate.isPresent()) {
                gate.get().write(tmp);
            }
        });
        LOG.info("exported {} ({} layers, {} MB of weights{}) to {}", checkpoint, spec.layers(), bytes >> 20,
                external ? ", external data" : "", output);
        return new Result(output, spec, bytes, external);
    }

    /** SHA-256 of the checkpoint's configuration, metadata and weight files, in name order. */
    static String sourceDigest(Path checkpoint) throws IOException {
        java.security.MessageDigest sha;
        try {
            sha = java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
        List<Path> files = new java.util.ArrayList<>(List.of(checkpoint.resolve("config.json"),
                checkpoint.resolve("quietstar.json")));
        files.addAll(SafetensorsReader.weightFiles(checkpoint));
        byte[] buffer = new byte[1 << 16];
        for (Path f : files) {
            sha.update(f.getFileName().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            try (var in = Files.newInputStream(f)) {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    sha.update(buffer, 0, n);
                }
            }
        }
        return java.util.HexFormat.of().formatHex(sha.digest());
    }

    /** The checkpoint's tensors by canonical name, checked for shape when taken. */
    static final class Weights {
        private final Map<String, FloatTensor> byName = new HashMap<>();
        private final java.util.Set<String> transposed = new java.util.HashSet<>();

        Weights(Map<String, FloatTensor> tensors, String prefix) {
            for (Map.Entry<String, FloatTensor> e : tensors.entrySet()) {
                String n = e.getKey();
                boolean canonical = n.startsWith(prefix) || n.startsWith("lm_head.") || n.startsWith("quietstar.");
                byName.put(canonical ? n : prefix + n, e.getValue());
            }
        }

        float[] take(String name, long... shape) {
            FloatTensor t = byName.get(name);
            if (t == null && transposed.contains(name)) {
                throw new IllegalStateException("tensor '" + name + "' was already taken transposed for a MatMul; "
                        + "the exporter takes each linear weight once");
            }
            if (t == null) {
                throw new IllegalArgumentException("checkpoint is missing tensor '" + name + "' with shape "
                        + Arrays.toString(shape));
            }
            if (!t.hasShape(shape)) {
                throw new IllegalArgumentException("tensor '" + name + "' has shape " + Arrays.toString(t.shape())
                        + ", expected " + Arrays.toString(shape));
            }
            return t.data();
        }

        /** A (rows, cols) torch Linear weight transposed to (cols, rows), the layout MatMul wants. */
        float[] takeTransposed(String name, int rows, int cols) {
            float[] a = take(name, rows, cols);
            // the stored layout is not needed once transposed: drop it, so the export holds most weights once
            byName.remove(name);
            transposed.add(name);
            float[] t = new float[a.length];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    t[c * rows + r] = a[r * cols + c];
                }
            }
            return t;
        }
    }

    /** The mixing head graph: w = W4 relu(W2 relu(W0 [h_base; h_thought] + b0) + b2), no bias, no sigmoid. */
    private static GraphBuilder mixingHead(int h, Weights w) {
        String p = "quietstar.mixing_head.";
        GraphBuilder g = new GraphBuilder("quietstar_mixing_head");
        g.input(OnnxLayout.BASE_HIDDEN, DataType.FLOAT, "rows", (long) h);
        g.input(OnnxLayout.THOUGHT_HIDDEN, DataType.FLOAT, "rows", (long) h);
        String w0 = g.initializer(p + "0.weight", new long[] {2L * h, h}, w.takeTransposed(p + "0.weight", h, 2 * h));
        String b0 = g.initializer(p + "0.bias", new long[] {h}, w.take(p + "0.bias", h));
        String w2 = g.initializer(p + "2.weight", new long[] {h, h}, w.takeTransposed(p + "2.weight", h, h));
        String b2 = g.initializer(p + "2.bias", new long[] {h}, w.take(p + "2.bias", h));
        String w4 = g.initializer(p + "4.weight", new long[] {h, 1}, w.takeTransposed(p + "4.weight", 1, h));
        String x = g.opAttrs("Concat", Map.of("axis", -1L), OnnxLayout.BASE_HIDDEN, OnnxLayout.THOUGHT_HIDDEN);
        x = g.op("Relu", g.op("Add", g.op("MatMul", x, w0), b0));
        x = g.op("Relu", g.op("Add", g.op("MatMul", x, w2), b2));
        g.named(OnnxLayout.MIXING_WEIGHT, "MatMul", Map.of(), x, w4);
        g.output(OnnxLayout.MIXING_WEIGHT, DataType.FLOAT, "rows", 1L);
        return g;
    }
}
