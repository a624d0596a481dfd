package dev.quietstar.core.llama2c;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quietstar.core.io.BoundedFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The weights of a llama2.c legacy (version 0) export, read into HuggingFace Llama tensor names and layouts.
 *
 * <p>The file is a {@link Llama2cHeader} followed by float32 tensors: token embedding, then per-layer stacks of
 * rms_att, wq, wk, wv, wo, rms_ffn, w1, w2, w3, then rms_final, the RoPE tables (skipped) and, for an untied
 * model, the classifier. Matrices are out x in, as torch {@code Linear} stores them, so they map one to one onto
 * HuggingFace's {@code q_proj}, {@code k_proj}, ... with one exception: llama2.c rotates interleaved pairs
 * (2i, 2i+1) of each head while HuggingFace rotates halves (i, i + head/2), so the rows of wq and wk are permuted
 * within each head, as llama2.c's own HuggingFace export does. w1, w2 and w3 are the gate, down and up
 * projections.
 *
 * <p>The header is validated and the file's size must equal the size the header implies before any tensor is
 * allocated, so a truncated file or one with absurd dimensions fails fast with a message naming the file.
 */
public final class Llama2cCheckpoint {

    /** The magic number ({@code "ak42"} little-endian) that starts version 1 and later llama2.c files. */
    static final int MAGIC = 0x616b3432;

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One tensor: its shape and its row-major float32 data.
     *
     * @param shape dimensions
     * @param data values, {@code product(shape)} of them
     */
    public record Tensor(long[] shape, float[] data) {
        /** Checks the data matches the shape. */
        public Tensor {
            Objects.requireNonNull(shape, "shape");
            Objects.requireNonNull(data, "data");
            long n = 1;
            for (long s : shape) {
                n *= s;
            }
            if (n != data.length) {
                throw new IllegalArgumentException("tensor data has " + data.length + " values, shape needs " + n);
            }
        }
    }

    private final Path file;
    private final Llama2cHeader header;
    private final Map<String, Tensor> tensors;

    private Llama2cCheckpoint(Path file, Llama2cHeader header, Map<String, Tensor> tensors) {
        this.file = file;
        this.header = header;
        this.tensors = Collections.unmodifiableMap(tensors);
    }

    /**
     * Reads only the header of a legacy llama2.c weight file and checks the file's size against it.
     *
     * @param file the {@code .bin} file
     * @return the header
     * @throws IllegalArgumentException naming the file and the problem (missing, not legacy, bad header, wrong
     *     size)
     */
    public static Llama2cHeader readHeader(Path file) {
        BoundedFiles.requireRegularFile(file, "llama2.c weight file", "pass the model's .bin file");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return header(file, ch);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("llama2.c weight file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read llama2.c weight file " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a legacy llama2.c weight file.
     *
     * @param file the {@code .bin} file
     * @return the checkpoint with its tensors in HuggingFace names
     * @throws IllegalArgumentException naming the file and the problem (missing, not legacy, bad header, wrong
     *     size)
     */
    public static Llama2cCheckpoint read(Path file) {
        BoundedFiles.requireRegularFile(file, "llama2.c weight file", "pass the model's .bin file");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Llama2cHeader h = header(file, ch);
            long tensorLimit = Integer.MAX_VALUE - 8L;
            long largest = Math.max(Math.max((long) h.vocabSize() * h.dim(), (long) h.dim() * h.dim()),
                    (long) h.hiddenDim() * h.dim());
            if (largest > tensorLimit) {
                throw new IllegalArgumentException("llama2.c weight file " + file + " has a tensor of " + largest
                        + " values, more than one Java array holds; convert it with llama2.c's own tools");
            }
            Reader r = new Reader(ch, Llama2cHeader.BYTES);
            int d = h.dim();
            int kv = h.kvDim();
            int hid = h.hiddenDim();
            int layers = h.layers();
            Map<String, Tensor> t = new LinkedHashMap<>();
            t.put("model.embed_tokens.weight", r.tensor(h.vocabSize(), d));
            float[][] rmsAtt = r.stack(layers, d);
            float[][] wq = r.stack(layers, d * d);
            float[][] wk = r.stack(layers, kv * d);
            float[][] wv = r.stack(layers, kv * d);
            float[][] wo = r.stack(layers, d * d);
            float[][] rmsFfn = r.stack(layers, d);
            float[][] w1 = r.stack(layers, hid * d);
            float[][] w2 = r.stack(layers, d * hid);
            float[][] w3 = r.stack(layers, hid * d);
            for (int l = 0; l < layers; l++) {
                String p = "model.layers." + l + ".";
                t.put(p + "input_layernorm.weight", new Tensor(new long[] {d}, rmsAtt[l]));
                t.put(p + "self_attn.q_proj.weight",
                        new Tensor(new long[] {d, d}, interleavedToHalves(wq[l], h.heads(), h.headSize(), d)));
                t.put(p + "self_attn.k_proj.weight",
                        new Tensor(new long[] {kv, d}, interleavedToHalves(wk[l], h.kvHeads(), h.headSize(), d)));
                t.put(p + "self_attn.v_proj.weight", new Tensor(new long[] {kv, d}, wv[l]));
                t.put(p + "self_attn.o_proj.weight", new Tensor(new long[] {d, d}, wo[l]));
                t.put(p + "post_attention_layernorm.weight", new Tensor(new long[] {d}, rmsFfn[l]));
                t.put(p + "mlp.gate_proj.weight", new Tensor(new long[] {hid, d}, w1[l]));
                t.put(p + "mlp.down_proj.weight", new Tensor(new long[] {d, hid}, w2[l]));
                t.put(p + "mlp.up_proj.weight", new Tensor(new long[] {hid, d}, w3[l]));
            }
            t.put("model.norm.weight", r.tensor(d));
            r.skipFloats((long) h.seqLen() * h.headSize());
            if (!h.sharedClassifier()) {
                t.put("lm_head.weight", r.tensor(h.vocabSize(), d));
            }
            return new Llama2cCheckpoint(file, h, t);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("llama2.c weight file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read llama2.c weight file " + file + ": " + e.getMessage(), e);
        }
    }

    private static Llama2cHeader header(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < Llama2cHeader.BYTES) {
            throw new IllegalArgumentException("llama2.c weight file " + file + " is truncated: " + size
                    + " bytes, shorter than the " + Llama2cHeader.BYTES + "-byte header");
        }
        ByteBuffer buf = ByteBuffer.allocate(Llama2cHeader.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, buf, 0);
        int[] raw = new int[7];
        for (int i = 0; i < 7; i++) {
            raw[i] = buf.getInt(i * Integer.BYTES);
        }
        if (raw[0] == MAGIC) {
            throw new IllegalArgumentException("llama2.c weight file " + file + " is a version " + raw[1]
                    + " export (it starts with the magic 'ak42'); only legacy version 0 files are supported, "
                    + "re-export it with llama2.c's export.py --version 0");
        }
        Llama2cHeader h;
        try {
            h = Llama2cHeader.fromRaw(raw);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("llama2.c weight file " + file + ": " + e.getMessage(), e);
        }
        long expected = h.expectedFileBytes();
        if (size != expected) {
            throw new IllegalArgumentException("llama2.c weight file " + file + " has " + size + " bytes but its "
                    + "header " + h + " implies " + expected + (size < expected ? ": the file is truncated"
                            : ": the file has trailing data or a wrong header"));
        }
        return h;
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        BoundedFiles.readFully(ch, buf, position);
        buf.flip();
    }

    /**
     * Reorders the rows of a query or key projection from llama2.c's interleaved RoPE pairs to HuggingFace's
     * rotate-half layout: within each head, HuggingFace row {@code j * head/2 + i} is llama2.c row {@code 2i + j}.
     *
     * @param w the llama2.c matrix, {@code heads * headSize} rows of {@code cols}
     * @param heads heads in the matrix
     * @param headSize rows per head (even)
     * @param cols columns
     * @return the HuggingFace matrix
     */
    static float[] interleavedToHalves(float[] w, int heads, int headSize, int cols) {
        float[] out = new float[w.length];
        int half = headSize / 2;
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < half; i++) {
                for (int j = 0; j < 2; j++) {
                    int src = (h * headSize + 2 * i + j) * cols;
                    int dst = (h * headSize + j * half + i) * cols;
                    System.arraycopy(w, src, out, dst, cols);
                }
            }
        }
        return out;
    }

    /**
     * The file this checkpoint was read from.
     *
     * @return the file
     */
    public Path file() {
        return file;
    }

    /**
     * The validated header.
     *
     * @return the header
     */
    public Llama2cHeader header() {
        return header;
    }

    /**
     * The tensors in HuggingFace Llama names ({@code model.embed_tokens.weight}, {@code model.layers.0...},
     * {@code model.norm.weight}, and {@code lm_head.weight} only for an untied classifier), in a stable order.
     *
     * @return name to tensor
     */
    public Map<String, Tensor> tensors() {
        return tensors;
    }

    /**
     * The HuggingFace {@code config.json} of this model: {@code model_type} llama, grouped-query heads, RMSNorm
     * epsilon 1e-5 and RoPE theta 10000 (llama2.c's fixed values), tied embeddings when the classifier is shared,
     * {@code max_position_embeddings} = seq_len, BOS 1 and EOS 2.
     *
     * @return the JSON object
     */
    public ObjectNode huggingFaceConfig() {
        Llama2cHeader h = header;
        ObjectNode n = JSON.createObjectNode();
        n.putArray("architectures").add("LlamaForCausalLM");
        n.put("model_type", "llama");
        n.put("vocab_size", h.vocabSize());
        n.put("hidden_size", h.dim());
        n.put("intermediate_size", h.hiddenDim());
        n.put("num_hidden_layers", h.layers());
        n.put("num_attention_heads", h.heads());
        n.put("num_key_value_heads", h.kvHeads());
        n.put("head_dim", h.headSize());
        n.put("max_position_embeddings", h.seqLen());
        n.put("rms_norm_eps", 1e-5);
        n.put("rope_theta", 10000.0);
        n.put("tie_word_embeddings", h.sharedClassifier());
        n.put("attention_bias", false);
        n.put("hidden_act", "silu");
        n.put("bos_token_id", 1);
        n.put("eos_token_id", 2);
        n.put("torch_dtype", "float32");
        return n;
    }

    /** Sequential float32 reader over the file's data section. */
    private static final class Reader {
        private final FileChannel ch;
        private long position;

        Reader(FileChannel ch, long start) {
            this.ch = ch;
            this.position = start;
        }

        float[] floats(int n) throws IOException {
            ByteBuffer buf = ByteBuffer.allocate(Math.multiplyExact(n, Float.BYTES)).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, buf, position);
            position += buf.capacity();
            float[] out = new float[n];
            buf.asFloatBuffer().get(out);
            return out;
        }

        Tensor tensor(int... shape) throws IOException {
            long[] s = new long[shape.length];
            int n = 1;
            for (int i = 0; i < shape.length; i++) {
                s[i] = shape[i];
                n = Math.multiplyExact(n, shape[i]);
            }
            return new Tensor(s, floats(n));
        }

        float[][] stack(int layers, int perLayer) throws IOException {
            float[][] out = new float[layers][];
            for (int l = 0; l < layers; l++) {
                out[l] = floats(perLayer);
            }
            return out;
        }

        void skipFloats(long n) {
            position += n * Float.BYTES;
        }
    }
}
