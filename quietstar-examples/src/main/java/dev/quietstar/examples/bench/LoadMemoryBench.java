package dev.quietstar.examples.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quietstar.api.GenerationOptions;
import dev.quietstar.api.ModelSource;
import dev.quietstar.api.Reasoner;
import dev.quietstar.api.spi.QuietStarBackend;
import dev.quietstar.core.backend.Backends;
import dev.quietstar.core.checkpoint.DecoderSpec;
import dev.quietstar.core.checkpoint.SafetensorsWriter;
import dev.quietstar.core.checkpoint.StoredTensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * How much resident memory loading a model costs, against the size of its float32 weights: writes a random Llama
 * HuggingFace folder of a given shape (bf16 or f32, in one file or two shards with an index), then, in a fresh JVM
 * whose engine is already loaded (a tiny model is opened first), opens it on a backend and generates one token,
 * recording the resident set before the load and its peak during it ({@code VmHWM}, reset through
 * {@code /proc/self/clear_refs} first).
 *
 * <pre>
 * java -cp quietstar-examples/target/quietstar.jar dev.quietstar.examples.bench.LoadMemoryBench \
 *     [hidden layers vocab dtype shards backend folder]     (default 768 12 32000 BF16 2 djl-pytorch /tmp/load-bench)
 * </pre>
 *
 * <p>It prints one line of JSON: the weights' float32 bytes, the bytes on disk, the resident set before loading and
 * the peak, and {@code peak_increase_over_f32}, the growth of the resident set during the load divided by the
 * float32 size.
 */
public final class LoadMemoryBench {

    private LoadMemoryBench() {}

    /**
     * Runs the measurement.
     *
     * @param args optional: hidden size, layers, vocabulary, dtype (BF16 or F32), shards (1 or 2), backend, folder
     * @throws Exception when the model cannot be written or loaded
     */
    public static void main(String[] args) throws Exception {
        int hidden = args.length > 0 ? Integer.parseInt(args[0]) : 768;
        int layers = args.length > 1 ? Integer.parseInt(args[1]) : 12;
        int vocab = args.length > 2 ? Integer.parseInt(args[2]) : 32000;
        String dtype = args.length > 3 ? args[3] : "BF16";
        int shards = args.length > 4 ? Integer.parseInt(args[4]) : 2;
        String backendName = args.length > 5 ? args[5] : "djl-pytorch";
        Path folder = Path.of(args.length > 6 ? args[6] : "/tmp/load-bench");
        DecoderSpec spec = DecoderSpec.llama(vocab, hidden, layers, Math.max(1, hidden / 64),
                Math.max(1, hidden / 64), 256, false);
        if (args.length > 7 && "--measure".equals(args[7])) {
            measure(backendName, folder, dtype, shards, Long.parseLong(args[8]));
            return;
        }
        long f32Bytes = write(spec, dtype, shards, folder);
        // The load is measured in a fresh JVM, so the heap grown while writing the weights does not count.
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), LoadMemoryBench.class.getName(), args.length > 0 ? args[0]
                        : "768", Integer.toString(layers), Integer.toString(vocab), dtype, Integer.toString(shards),
                backendName, folder.toString(), "--measure", Long.toString(f32Bytes))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String[] lines = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
                .trim().split("\\R");
        String line = lines[lines.length - 1];
        if (p.waitFor() != 0) {
            throw new IllegalStateException("the measuring JVM failed (exit " + p.exitValue() + ")");
        }
        System.out.println(line);
    }

    private static void measure(String backendName, Path folder, String dtype, int shards, long f32Bytes)
            throws IOException {
        long diskBytes = 0;
        try (var files = Files.list(folder)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                diskBytes += Files.size(p);
            }
        }
        ModelSource source = new ModelSource.HuggingFace(folder);
        QuietStarBackend backend = Backends.discover().byName(backendName, source).create();
        // Load the engine and its native libraries first, with a tiny model, so that only the model's load counts.
        try (Reasoner warm = backend.openReasoner(new ModelSource.Tiny(
                new dev.quietstar.api.TinyModelSpec("llama", 261, 16, 1, 2, 32, 1)))) {
            warm.generate("a", GenerationOptions.defaults(1));
        }
        System.gc();
        Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        long before = MemoryBench.residentBytes();
        long peak;
        try (Reasoner r = backend.openReasoner(source)) {
            r.generate("a", GenerationOptions.defaults(1));
            peak = TrainStepWorker.peakRssBytes();
        }
        ObjectNode out = new ObjectMapper().createObjectNode();
        out.put("backend", backendName);
        out.put("dtype", dtype);
        out.put("shards", shards);
        out.put("parameters", f32Bytes / 4);
        out.put("f32_bytes", f32Bytes);
        out.put("disk_bytes", diskBytes);
        out.put("rss_before_load", before);
        out.put("rss_peak", peak);
        out.put("peak_increase_over_f32", Math.round(1000.0 * (peak - before) / f32Bytes) / 1000.0);
        System.out.println(out);
    }

    /**
     * Writes a plain Llama folder with random weights: config.json, the weights and a small word-level tokenizer.
     *
     * @return the weights' size in float32 bytes
     */
    private static long write(DecoderSpec spec, String dtype, int shards, Path folder) throws IOException {
        Files.createDirectories(folder);
        try (var old = Files.list(folder)) {
            for (Path p : (Iterable<Path>) old::iterator) {
                Files.delete(p);
            }
        }
        Map<String, long[]> shapes = new LinkedHashMap<>();
        int h = spec.hiddenSize();
        int kv = spec.kvHeads() * spec.headDim();
        shapes.put("model.embed_tokens.weight", new long[] {spec.vocabSize(), h});
        for (int i = 0; i < spec.layers(); i++) {
            String p = "model.layers." + i + ".";
            shapes.put(p + "input_layernorm.weight", new long[] {h});
            shapes.put(p + "self_attn.q_proj.weight", new long[] {(long) spec.heads() * spec.headDim(), h});
            shapes.put(p + "self_attn.k_proj.weight", new long[] {kv, h});
            shapes.put(p + "self_attn.v_proj.weight", new long[] {kv, h});
            shapes.put(p + "self_attn.o_proj.weight", new long[] {h, (long) spec.heads() * spec.headDim()});
            shapes.put(p + "post_attention_layernorm.weight", new long[] {h});
            shapes.put(p + "mlp.gate_proj.weight", new long[] {spec.intermediateSize(), h});
            shapes.put(p + "mlp.up_proj.weight", new long[] {spec.intermediateSize(), h});
            shapes.put(p + "mlp.down_proj.weight", new long[] {h, spec.intermediateSize()});
        }
        shapes.put("model.norm.weight", new long[] {h});
        shapes.put("lm_head.weight", new long[] {spec.vocabSize(), h});
        SplittableRandom rng = new SplittableRandom(1);
        long f32Bytes = 0;
        List<String> names = List.copyOf(shapes.keySet());
        ObjectNode index = new ObjectMapper().createObjectNode();
        index.putObject("metadata");
        ObjectNode map = index.putObject("weight_map");
        for (int s = 0; s < shards; s++) {
            Map<String, StoredTensor> part = new LinkedHashMap<>();
            String file = shards == 1 ? "model.safetensors"
                    : String.format("model-%05d-of-%05d.safetensors", s + 1, shards);
            for (int i = s; i < names.size(); i += shards) {
                long[] shape = shapes.get(names.get(i));
                int n = Math.toIntExact(shape.length == 1 ? shape[0] : shape[0] * shape[1]);
                boolean norm = names.get(i).contains("norm");
                int width = "BF16".equals(dtype) ? 2 : 4;
                ByteBuffer b = ByteBuffer.allocate(n * width).order(ByteOrder.LITTLE_ENDIAN);
                for (int k = 0; k < n; k++) {
                    float v = norm ? 1f : (float) (0.02 * (rng.nextDouble() * 2 - 1));
                    if (width == 2) {
                        b.putShort((short) (Float.floatToRawIntBits(v) >>> 16));
                    } else {
                        b.putFloat(v);
                    }
                }
                b.flip();
                part.put(names.get(i), new StoredTensor(dtype, shape, b));
                map.put(names.get(i), file);
                f32Bytes += 4L * n;
            }
            SafetensorsWriter.write(folder.resolve(file), part);
        }
        if (shards > 1) {
            Files.writeString(folder.resolve("model.safetensors.index.json"), index.toString());
        }
        Files.writeString(folder.resolve("config.json"), spec.toJson().toString());
        Files.writeString(folder.resolve("tokenizer.json"), byteLevelTokenizer());
        return f32Bytes;
    }

    /** A word-level tokenizer.json of the 26 lower-case letters and an unknown token. */
    private static String byteLevelTokenizer() {
        StringBuilder vocab = new StringBuilder();
        for (int i = 0; i < 26; i++) {
            vocab.append(i == 0 ? "" : ",").append('"').append((char) ('a' + i)).append("\":").append(i);
        }
        return "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\"added_tokens\":[],\"normalizer\":null,"
                + "\"pre_tokenizer\":null,\"post_processor\":null,\"decoder\":null,\"model\":{\"type\":\"WordLevel\","
                + "\"vocab\":{" + vocab + ",\"[UNK]\":26},\"unk_token\":\"[UNK]\"}}";
    }
}
