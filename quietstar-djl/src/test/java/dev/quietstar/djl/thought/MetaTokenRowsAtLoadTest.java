package dev.quietstar.djl.thought;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.core.testing.TinyHfFolders;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.model.HfTextTokenizer;
import dev.quietstar.djl.model.HuggingFaceModels;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Opening a HuggingFace folder as a thinking model makes the meta-tokens' two rows while the vocabulary matrices are
 * read (so no matrix is copied to grow it); the model must be exactly the one that loading and then growing gives:
 * the same vocabulary matrices bit for bit, the same meta-token ids, vectors and mixing head.
 */
class MetaTokenRowsAtLoadTest {

    @TempDir
    Path dir;

    @BeforeAll
    static void engine() {
        DjlEngines.pytorch();
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama", "qwen3", "gemma3"})
    void rowsMadeAtLoadEqualRowsGrownAfterIt(String arch) throws Exception {
        Path hf = TinyHfFolders.write(dir.resolve(arch), arch, 11);
        TinyHfFolders.writeWordTokenizer(hf);
        QuietStarConfig config = QuietStarConfig.official().withShape(2, 1, 1, 8);
        try (QuietStarModel grown = QuietStarModel.create(HuggingFaceModels.load(hf, Device.cpu()),
                HfTextTokenizer.load(hf, Map.of()), config, 4);
                QuietStarModel atLoad = QuietStarModel.fromHuggingFace(hf, HfTextTokenizer.load(hf, Map.of()),
                        Device.cpu(), config, 4);
                NDManager m = NDManager.newBaseManager(Device.cpu())) {
            int v = HuggingFaceModels.readConfig(hf).vocabSize();
            assertThat(atLoad.decoder().config().vocabSize()).isEqualTo(v + 2)
                    .isEqualTo(grown.decoder().config().vocabSize());
            assertThat(atLoad.metaTokens().startId()).isEqualTo(v).isEqualTo(grown.metaTokens().startId());
            assertThat(atLoad.metaTokens().endId()).isEqualTo(v + 1).isEqualTo(grown.metaTokens().endId());
            assertThat(atLoad.tokenizer().tokenId(QuietStarModel.START_TOKEN)).hasValue(v);
            assertThat(atLoad.tokenizer().tokenId(QuietStarModel.END_TOKEN)).hasValue(v + 1);
            assertThat(atLoad.decoder().tokenEmbedding().toFloatArray())
                    .containsExactly(grown.decoder().tokenEmbedding().toFloatArray());
            assertThat(atLoad.decoder().lmHeadWeight().toFloatArray())
                    .containsExactly(grown.decoder().lmHeadWeight().toFloatArray());
            assertThat(atLoad.metaTokens().startEmbedding(m).toFloatArray())
                    .containsExactly(grown.metaTokens().startEmbedding(m).toFloatArray());
            assertThat(atLoad.metaTokens().endEmbedding(m).toFloatArray())
                    .containsExactly(grown.metaTokens().endEmbedding(m).toFloatArray());
            // the new rows are the mean of the stored ones, not left as whatever the buffer held
            float[] table = atLoad.decoder().tokenEmbedding().toFloatArray();
            int h = atLoad.decoder().config().hiddenSize();
            double mean = 0;
            for (int r = 0; r < v; r++) {
                mean += table[r * h] / v;
            }
            assertThat((double) table[v * h]).isCloseTo(mean, org.assertj.core.data.Offset.offset(1e-5));
            assertThat(table[(v + 1) * h]).isEqualTo(table[v * h]);
        }
    }
}
