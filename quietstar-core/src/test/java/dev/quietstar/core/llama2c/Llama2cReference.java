package dev.quietstar.core.llama2c;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A test oracle: a line-by-line Java port of llama2.c's {@code run.c} (its weight reader, its transformer forward
 * with interleaved RoPE on the unpermuted weights, its SentencePiece-BPE {@code encode} and its {@code decode}),
 * written independently of the library's converter so that the converter is checked against the original program's
 * semantics rather than against itself.
 */
public final class Llama2cReference {

    private final int dim;
    private final int hidden;
    private final int layers;
    private final int heads;
    private final int kvHeads;
    private final int vocab;
    private final int seqLen;
    private final float[] tokenEmbedding;
    private final float[] rmsAtt;
    private final float[] wq;
    private final float[] wk;
    private final float[] wv;
    private final float[] wo;
    private final float[] rmsFfn;
    private final float[] w1;
    private final float[] w2;
    private final float[] w3;
    private final float[] rmsFinal;
    private final float[] wcls;

    private final String[] pieces;
    private final float[] scores;
    private final Map<String, Integer> lookup = new HashMap<>();

    private float[] keyCache;
    private float[] valueCache;

    private Llama2cReference(Path weights, Path tokenizer) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(weights)).order(ByteOrder.LITTLE_ENDIAN);
        dim = b.getInt();
        hidden = b.getInt();
        layers = b.getInt();
        heads = b.getInt();
        kvHeads = b.getInt();
        int v = b.getInt();
        seqLen = b.getInt();
        boolean shared = v > 0;
        vocab = Math.abs(v);
        int headSize = dim / heads;
        int kvDim = dim * kvHeads / heads;
        tokenEmbedding = floats(b, vocab * dim);
        rmsAtt = floats(b, layers * dim);
        wq = floats(b, layers * dim * dim);
        wk = floats(b, layers * dim * kvDim);
        wv = floats(b, layers * dim * kvDim);
        wo = floats(b, layers * dim * dim);
        rmsFfn = floats(b, layers * dim);
        w1 = floats(b, layers * dim * hidden);
        w2 = floats(b, layers * hidden * dim);
        w3 = floats(b, layers * dim * hidden);
        rmsFinal = floats(b, dim);
        floats(b, seqLen * headSize / 2); // freq_cis_real
        floats(b, seqLen * headSize / 2); // freq_cis_imag
        wcls = shared ? tokenEmbedding : floats(b, vocab * dim);

        ByteBuffer t = ByteBuffer.wrap(Files.readAllBytes(tokenizer)).order(ByteOrder.LITTLE_ENDIAN);
        t.getInt(); // max_token_length
        pieces = new String[vocab];
        scores = new float[vocab];
        for (int i = 0; i < vocab; i++) {
            scores[i] = t.getFloat();
            byte[] bytes = new byte[t.getInt()];
            t.get(bytes);
            pieces[i] = new String(bytes, StandardCharsets.ISO_8859_1); // one char per byte: exact byte compare
            lookup.putIfAbsent(pieces[i], i);
        }
    }

    /**
     * Reads a llama2.c model and its tokenizer.
     *
     * @param weights the legacy weight file
     * @param tokenizer the tokenizer file
     * @return the reference
     * @throws IOException when a file cannot be read
     */
    public static Llama2cReference load(Path weights, Path tokenizer) throws IOException {
        return new Llama2cReference(weights, tokenizer);
    }

    private static float[] floats(ByteBuffer b, int n) {
        float[] out = new float[n];
        b.asFloatBuffer().get(out);
        b.position(b.position() + n * 4);
        return out;
    }

    /**
     * The vocabulary size.
     *
     * @return tokens
     */
    public int vocabSize() {
        return vocab;
    }

    /**
     * llama2.c's {@code encode}: optional BOS, the dummy-prefix space, UTF-8 code points with byte fallback, then
     * greedy merges of the adjacent pair with the best-scoring concatenation (leftmost on a tie).
     *
     * @param text the text
     * @param bos whether to prepend BOS (id 1)
     * @return the ids
     */
    public List<Integer> encode(String text, boolean bos) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        List<Integer> tokens = new ArrayList<>();
        if (bos) {
            tokens.add(1);
        }
        if (bytes.length > 0) {
            tokens.add(lookup.get(" "));
        }
        StringBuilder buf = new StringBuilder();
        for (int c = 0; c < bytes.length; c++) {
            if ((bytes[c] & 0xC0) != 0x80) {
                buf.setLength(0);
            }
            buf.append((char) (bytes[c] & 0xFF));
            if (c + 1 < bytes.length && (bytes[c + 1] & 0xC0) == 0x80 && buf.length() < 4) {
                continue;
            }
            Integer id = lookup.get(buf.toString());
            if (id != null) {
                tokens.add(id);
            } else {
                for (int i = 0; i < buf.length(); i++) {
                    tokens.add(buf.charAt(i) + 3);
                }
            }
            buf.setLength(0);
        }
        while (true) {
            float bestScore = -1e10f;
            int bestId = -1;
            int bestIdx = -1;
            for (int i = 0; i < tokens.size() - 1; i++) {
                Integer id = lookup.get(pieces[tokens.get(i)] + pieces[tokens.get(i + 1)]);
                if (id != null && scores[id] > bestScore) {
                    bestScore = scores[id];
                    bestId = id;
                    bestIdx = i;
                }
            }
            if (bestIdx == -1) {
                break;
            }
            tokens.set(bestIdx, bestId);
            tokens.remove(bestIdx + 1);
        }
        return tokens;
    }

    /**
     * llama2.c's {@code decode} of one token: the space after BOS is dropped and {@code <0xXX>} pieces are raw
     * bytes.
     *
     * @param prevToken the token before
     * @param token the token
     * @return its bytes
     */
    public byte[] decodePiece(int prevToken, int token) {
        String piece = pieces[token];
        if (prevToken == 1 && piece.startsWith(" ")) {
            piece = piece.substring(1);
        }
        if (piece.length() == 6 && piece.startsWith("<0x") && piece.endsWith(">")) {
            return new byte[] {(byte) Integer.parseInt(piece.substring(3, 5), 16)};
        }
        return piece.getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * llama2.c's greedy generation: the prompt with BOS, then argmax tokens until BOS or {@code steps} positions,
     * printed piece by piece (the prompt included).
     *
     * @param prompt the prompt
     * @param steps positions to run, prompt included, as llama2.c's {@code -n}
     * @return the printed text and the generated ids (after the prompt)
     */
    public Generation generateGreedy(String prompt, int steps) {
        List<Integer> promptIds = encode(prompt, true);
        reset();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        List<Integer> generated = new ArrayList<>();
        int token = promptIds.get(0);
        for (int pos = 0; pos < steps; pos++) {
            float[] logits = forward(token, pos);
            int next;
            if (pos < promptIds.size() - 1) {
                next = promptIds.get(pos + 1);
            } else {
                next = argmax(logits);
                generated.add(next);
            }
            if (next == 1) {
                break;
            }
            out.writeBytes(decodePiece(token, next));
            token = next;
        }
        return new Generation(out.toString(StandardCharsets.UTF_8), generated);
    }

    /**
     * What {@link #generateGreedy} printed and chose.
     *
     * @param text the printed text
     * @param generated the chosen ids after the prompt
     */
    public record Generation(String text, List<Integer> generated) {}

    /** Clears the key/value cache: the next forward starts a new sequence at position 0. */
    public void reset() {
        int kvDim = dim * kvHeads / heads;
        keyCache = new float[layers * seqLen * kvDim];
        valueCache = new float[layers * seqLen * kvDim];
    }

    /**
     * {@code run.c}'s {@code forward}: one token at one position, reading and extending the cache.
     *
     * @param token the token
     * @param pos its position; positions 0..pos-1 must have been fed since {@link #reset()}
     * @return the logits
     */
    public float[] forward(int token, int pos) {
        int headSize = dim / heads;
        int kvDim = dim * kvHeads / heads;
        int kvMul = heads / kvHeads;
        float[] x = new float[dim];
        System.arraycopy(tokenEmbedding, token * dim, x, 0, dim);
        float[] xb = new float[dim];
        float[] q = new float[dim];
        float[] hb = new float[hidden];
        float[] hb2 = new float[hidden];
        float[] att = new float[seqLen];
        for (int l = 0; l < layers; l++) {
            rmsnorm(xb, x, rmsAtt, l * dim);
            int loff = l * seqLen * kvDim;
            float[] k = new float[kvDim];
            float[] v = new float[kvDim];
            matmul(q, xb, wq, l * dim * dim, dim, dim);
            matmul(k, xb, wk, l * dim * kvDim, dim, kvDim);
            matmul(v, xb, wv, l * dim * kvDim, dim, kvDim);
            for (int i = 0; i < dim; i += 2) {
                int headDim = i % headSize;
                float freq = (float) (1.0 / Math.pow(10000.0f, headDim / (float) headSize));
                float val = pos * freq;
                float fcr = (float) Math.cos(val);
                float fci = (float) Math.sin(val);
                int rotn = i < kvDim ? 2 : 1;
                for (int r = 0; r < rotn; r++) {
                    float[] vec = r == 0 ? q : k;
                    float v0 = vec[i];
                    float v1 = vec[i + 1];
                    vec[i] = v0 * fcr - v1 * fci;
                    vec[i + 1] = v0 * fci + v1 * fcr;
                }
            }
            System.arraycopy(k, 0, keyCache, loff + pos * kvDim, kvDim);
            System.arraycopy(v, 0, valueCache, loff + pos * kvDim, kvDim);
            for (int h = 0; h < heads; h++) {
                int qo = h * headSize;
                for (int t = 0; t <= pos; t++) {
                    int ko = loff + t * kvDim + (h / kvMul) * headSize;
                    float score = 0f;
                    for (int i = 0; i < headSize; i++) {
                        score += q[qo + i] * keyCache[ko + i];
                    }
                    att[t] = score / (float) Math.sqrt(headSize);
                }
                softmax(att, pos + 1);
                for (int i = 0; i < headSize; i++) {
                    xb[qo + i] = 0f;
                }
                for (int t = 0; t <= pos; t++) {
                    int vo = loff + t * kvDim + (h / kvMul) * headSize;
                    for (int i = 0; i < headSize; i++) {
                        xb[qo + i] += att[t] * valueCache[vo + i];
                    }
                }
            }
            float[] xb2 = new float[dim];
            matmul(xb2, xb, wo, l * dim * dim, dim, dim);
            for (int i = 0; i < dim; i++) {
                x[i] += xb2[i];
            }
            rmsnorm(xb, x, rmsFfn, l * dim);
            matmul(hb, xb, w1, l * dim * hidden, dim, hidden);
            matmul(hb2, xb, w3, l * dim * hidden, dim, hidden);
            for (int i = 0; i < hidden; i++) {
                float val = hb[i];
                val *= 1.0f / (1.0f + (float) Math.exp(-val));
                hb[i] = val * hb2[i];
            }
            matmul(xb, hb, w2, l * dim * hidden, hidden, dim);
            for (int i = 0; i < dim; i++) {
                x[i] += xb[i];
            }
        }
        rmsnorm(x, x.clone(), rmsFinal, 0);
        float[] logits = new float[vocab];
        matmul(logits, x, wcls, 0, dim, vocab);
        return logits;
    }

    private static void rmsnorm(float[] o, float[] x, float[] weight, int off) {
        float ss = 0f;
        for (float v : x) {
            ss += v * v;
        }
        ss /= x.length;
        ss += 1e-5f;
        ss = 1.0f / (float) Math.sqrt(ss);
        for (int j = 0; j < x.length; j++) {
            o[j] = weight[off + j] * (ss * x[j]);
        }
    }

    private static void softmax(float[] x, int size) {
        float max = x[0];
        for (int i = 1; i < size; i++) {
            max = Math.max(max, x[i]);
        }
        float sum = 0f;
        for (int i = 0; i < size; i++) {
            x[i] = (float) Math.exp(x[i] - max);
            sum += x[i];
        }
        for (int i = 0; i < size; i++) {
            x[i] /= sum;
        }
    }

    /** W (d x n) @ x (n) -> xout (d), W row-major at offset. */
    private static void matmul(float[] xout, float[] x, float[] w, int off, int n, int d) {
        for (int i = 0; i < d; i++) {
            float val = 0f;
            int row = off + i * n;
            for (int j = 0; j < n; j++) {
                val += w[row + j] * x[j];
            }
            xout[i] = val;
        }
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
