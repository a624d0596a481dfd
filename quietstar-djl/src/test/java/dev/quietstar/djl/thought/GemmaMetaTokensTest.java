package dev.quietstar.djl.thought;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.core.testing.TinyHfFolders;
import dev.quietstar.core.text.ByteTokenizer;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.model.HuggingFaceModels;
import java.nio.file.Path;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gemma multiplies looked-up embeddings by sqrt(H) before the first block. The Quiet-STaR meta-token vectors take the
 * place of a looked-up and scaled row: they start as the scaled mean of their initialisation tokens' rows, so a fresh
 * meta-token enters the decoder like those tokens would, and they are fed as they are, never scaled again.
 */
class GemmaMetaTokensTest {

    @TempDir
    Path dir;

    @BeforeAll
    static void engine() {
        DjlEngines.pytorch();
    }

    @Test
    void metaTokensStartAsTheScaledMeanEmbeddingAndEnterTheFirstBlockUnscaled() throws Exception {
        Path hf = TinyHfFolders.write(dir.resolve("gemma"), "gemma3", 3);
        QuietStarConfig config = QuietStarConfig.official().withShape(2, 1, 1, 8);
        try (QuietStarModel model = QuietStarModel.create(HuggingFaceModels.load(hf, Device.cpu()),
                ByteTokenizer.instance(), config, 1);
                NDManager m = NDManager.newBaseManager(Device.cpu())) {
            float scale = model.decoder().embeddingScale();
            assertThat(scale).isEqualTo((float) Math.sqrt(32));
            int[] init = ByteTokenizer.instance().encode(config.metaTokenInit());
            NDArray table = model.decoder().tokenEmbedding();
            float[] mean = new float[32];
            for (int id : init) {
                float[] row = table.get(id).toFloatArray();
                for (int k = 0; k < 32; k++) {
                    mean[k] += row[k] / init.length;
                }
            }
            float[] start = model.metaTokens().startEmbedding(m).toFloatArray();
            for (int k = 0; k < 32; k++) {
                assertThat((double) start[k]).isCloseTo(mean[k] * scale, Offset.offset(1e-5));
            }
            // what enters the first block: a looked-up token is scaled, the meta-token's vector is not
            long[] ids = {init[0], ByteTokenizer.START_OF_THOUGHT};
            float[] fed = model.inputEmbeddings(m.create(ids, new Shape(1, 2))).toFloatArray();
            float[] row = table.get(init[0]).toFloatArray();
            for (int k = 0; k < 32; k++) {
                assertThat((double) fed[k]).isCloseTo(row[k] * scale, Offset.offset(1e-6));
                assertThat((double) fed[32 + k]).isCloseTo(start[k], Offset.offset(1e-6));
            }
        }
    }
}
