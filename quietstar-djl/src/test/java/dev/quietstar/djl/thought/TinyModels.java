package dev.quietstar.djl.thought;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.core.text.ByteTokenizer;
import dev.quietstar.djl.model.CausalDecoder;
import dev.quietstar.djl.model.DecoderConfig;
import java.util.SplittableRandom;

/** Tiny Quiet-STaR models for tests. */
final class TinyModels {

    private TinyModels() {}

    static QuietStarModel gpt2(QuietStarConfig config, long seed) {
        CausalDecoder d = CausalDecoder.random(DecoderConfig.gpt2(ByteTokenizer.VOCAB_SIZE, 32, 2, 4, 64),
                Device.cpu(), seed);
        return QuietStarModel.create(d, ByteTokenizer.instance(), config, seed);
    }

    static QuietStarModel llama(QuietStarConfig config, long seed) {
        CausalDecoder d = CausalDecoder.random(DecoderConfig.llama(ByteTokenizer.VOCAB_SIZE, 32, 2, 4, 2, 64, false),
                Device.cpu(), seed);
        return QuietStarModel.create(d, ByteTokenizer.instance(), config, seed);
    }

    /** Gives the mixing head's zero-initialised last layer random values, so thoughts change predictions. */
    static void randomiseHead(QuietStarModel model, long seed) {
        Parameter p = model.mixingHead().parameters().get(MlpMixingHead.PREFIX + "4.weight");
        NDArray a = p.getArray();
        float[] d = new float[Math.toIntExact(a.size())];
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (rng.nextDouble() * 2 - 1) * 0.5f;
        }
        a.set(d);
    }

    static int[][][] randomThoughts(int rows, int len, int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int[][][] t = new int[rows][len][n];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < len; i++) {
                for (int j = 0; j < n; j++) {
                    t[r][i][j] = rng.nextInt(256); // ordinary byte tokens, never meta-tokens
                }
            }
        }
        return t;
    }

    static NDArray ids(NDManager m, int[][] rows) {
        long[] flat = new long[rows.length * rows[0].length];
        for (int r = 0; r < rows.length; r++) {
            for (int i = 0; i < rows[0].length; i++) {
                flat[r * rows[0].length + i] = rows[r][i];
            }
        }
        return m.create(flat, new ai.djl.ndarray.types.Shape(rows.length, rows[0].length));
    }
}
