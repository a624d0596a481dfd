package dev.quietstar.examples.bench;

import dev.quietstar.core.llama2c.Llama2cCheckpoint;
import dev.quietstar.core.llama2c.Llama2cHeader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;

/**
 * Writes random llama2.c legacy (version 0) weight files, the benchmark's stand-ins for models of a given shape.
 *
 * <p>The layout is the one llama2.c's legacy export writes and {@link Llama2cCheckpoint} reads: the seven-integer
 * header (vocabulary negative for an untied classifier), the token embedding, then per-layer stacks of rms_att, wq,
 * wk, wv, wo, rms_ffn, w1, w2, w3, then rms_final, the RoPE tables (cosines, then sines, seq_len x head_size/2
 * each) and, untied only, the classifier. Matrices are uniform in +-0.02 from a fixed seed, norms are 1. The
 * embedding rows of ids 1 and 2 (BOS and EOS of the llama2.c tokenizer) are zero, so their logits are exactly 0
 * while some of the other 510 are positive: greedy decoding never picks them, and no run ends early.
 */
final class Llama2cWriter {

    /** Half-width of the uniform distribution of the random matrices. */
    static final float SCALE = 0.02f;

    private Llama2cWriter() {}

    /**
     * Writes a random model unless the file already holds one of this shape (a complete file of the size the header
     * implies); the file is written to a temporary name and moved into place, so an interrupted write is redone.
     *
     * @param file the {@code .bin} file
     * @param shape the model's shape
     * @param seed the random seed
     * @return the file
     * @throws IOException when the file cannot be written
     */
    static Path ensureRandom(Path file, Llama2cHeader shape, long seed) throws IOException {
        if (Files.isRegularFile(file)) {
            try {
                if (Llama2cCheckpoint.readHeader(file).equals(shape)) {
                    return file;
                }
            } catch (IllegalArgumentException e) {
                // A broken file: written again below.
            }
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        writeRandom(tmp, shape, seed);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return file;
    }

    /**
     * Writes a random model of a shape.
     *
     * @param file the file to (over)write
     * @param h the shape
     * @param seed the random seed
     * @throws IOException when the file cannot be written
     */
    static void writeRandom(Path file, Llama2cHeader h, long seed) throws IOException {
        SplittableRandom rng = new SplittableRandom(seed);
        long d = h.dim();
        long l = h.layers();
        long kv = h.kvDim();
        long hid = h.hiddenDim();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            Sink out = new Sink(ch);
            ByteBuffer header = ByteBuffer.allocate(Llama2cHeader.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (int v : new int[] {h.dim(), h.hiddenDim(), h.layers(), h.heads(), h.kvHeads(),
                h.sharedClassifier() ? h.vocabSize() : -h.vocabSize(), h.seqLen()}) {
                header.putInt(v);
            }
            out.bytes(header.flip());
            for (int row = 0; row < h.vocabSize(); row++) {
                boolean silent = row == 1 || row == 2;
                for (int c = 0; c < h.dim(); c++) {
                    out.put(silent ? 0f : uniform(rng));
                }
            }
            out.constant(l * d, 1f); // rms_att
            out.random(l * d * d, rng); // wq
            out.random(2 * l * kv * d, rng); // wk, wv
            out.random(l * d * d, rng); // wo
            out.constant(l * d, 1f); // rms_ffn
            out.random(3 * l * hid * d, rng); // w1, w2, w3
            out.constant(d, 1f); // rms_final
            int head = h.headSize();
            for (int sine = 0; sine < 2; sine++) {
                for (int t = 0; t < h.seqLen(); t++) {
                    for (int i = 0; i < head / 2; i++) {
                        double angle = t / Math.pow(10000.0, 2.0 * i / head);
                        out.put((float) (sine == 0 ? Math.cos(angle) : Math.sin(angle)));
                    }
                }
            }
            if (!h.sharedClassifier()) {
                out.random((long) h.vocabSize() * d, rng);
            }
            out.flush();
        }
    }

    private static float uniform(SplittableRandom rng) {
        return (float) ((rng.nextDouble() * 2 - 1) * SCALE);
    }

    /** Little-endian float32 output through a 1 MiB buffer. */
    private static final class Sink {
        private final FileChannel ch;
        private final ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);

        Sink(FileChannel ch) {
            this.ch = ch;
        }

        void put(float v) throws IOException {
            if (!buf.hasRemaining()) {
                flush();
            }
            buf.putFloat(v);
        }

        void random(long n, SplittableRandom rng) throws IOException {
            for (long i = 0; i < n; i++) {
                put(uniform(rng));
            }
        }

        void constant(long n, float v) throws IOException {
            for (long i = 0; i < n; i++) {
                put(v);
            }
        }

        void bytes(ByteBuffer b) throws IOException {
            flush();
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }

        void flush() throws IOException {
            buf.flip();
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            buf.clear();
        }
    }
}
