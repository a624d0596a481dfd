package dev.quietstar.djl.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.thought.QuietStarModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Local HuggingFace folders: sharded weights, tokenizer.json, meta-token vocabulary growth, atomic saves. */
class HuggingFaceImportTest {

    @TempDir
    Path dir;

    @BeforeAll
    static void engine() {
        DjlEngines.pytorch();
    }

    /** A word-level tokenizer.json with 64 entries, written by hand in the HuggingFace format. */
    static void writeTokenizer(Path folder) throws IOException {
        StringBuilder vocab = new StringBuilder();
        String[] words = {"[UNK]", "<s>", "</s>", "<pad>", "---", "the", "cat", "sat", "on", "mat", "a", "dog"};
        for (int i = 0; i < 64; i++) {
            String w = i < words.length ? words[i] : "w" + i;
            vocab.append(i == 0 ? "" : ",").append('"').append(w).append("\":").append(i);
        }
        String json = "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\"added_tokens\":["
                + "{\"id\":1,\"content\":\"<s>\",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,"
                + "\"normalized\":false,\"special\":true}],"
                + "\"normalizer\":null,\"pre_tokenizer\":{\"type\":\"Whitespace\"},\"post_processor\":null,"
                + "\"decoder\":null,\"model\":{\"type\":\"WordLevel\",\"vocab\":{" + vocab + "},"
                + "\"unk_token\":\"[UNK]\"}}";
        Files.writeString(folder.resolve("tokenizer.json"), json);
    }

    @Test
    void shardedWeightsWithAnIndexLoadLikeASingleFile() throws IOException {
        try (CausalDecoder d = TinyFixtures.noisy(TinyFixtures.qwen2(), 8);
                NDManager m = NDManager.newBaseManager()) {
            HuggingFaceModels.write(d, dir, Map.of());
            Files.delete(dir.resolve("model.safetensors"));
            Map<String, NDArray> first = new LinkedHashMap<>();
            Map<String, NDArray> second = new LinkedHashMap<>();
            StringBuilder index = new StringBuilder("{\"metadata\":{},\"weight_map\":{");
            int i = 0;
            for (Map.Entry<String, Parameter> e : d.parameters().entrySet()) {
                boolean one = i++ % 2 == 0;
                (one ? first : second).put(e.getKey(), e.getValue().getArray());
                index.append(i == 1 ? "" : ",").append('"').append(e.getKey()).append("\":\"")
                        .append(one ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors")
                        .append('"');
            }
            Safetensors.write(dir.resolve("model-00001-of-00002.safetensors"), first);
            Safetensors.write(dir.resolve("model-00002-of-00002.safetensors"), second);
            Files.writeString(dir.resolve("model.safetensors.index.json"), index.append("}}").toString());
            try (CausalDecoder r = HuggingFaceModels.load(dir, Device.cpu())) {
                NDArray ids = m.create(new long[] {1, 2, 3, 4}, new Shape(1, 4));
                assertThat(r.logits(r.forward(ids, null).hidden()).toFloatArray())
                        .containsExactly(d.logits(d.forward(ids, null).hidden()).toFloatArray());
            }
        }
    }

    @Test
    void tokenizerJsonLoadsFromALocalPathAndTheVocabularyGrowsByTwoMetaTokens() throws IOException {
        writeTokenizer(dir);
        try (HfTextTokenizer tok = HfTextTokenizer.load(dir, Map.of())) {
            assertThat(tok.encode("the cat sat")).containsExactly(5, 6, 7);
            assertThat(tok.decode(new int[] {5, 6})).contains("the").contains("cat");
            assertThat(tok.vocabSize()).isEqualTo(64);
            assertThat(tok.bosId()).hasValue(1);
            assertThat(tok.tokenId("---")).hasValue(4);
        }
        // A GPT-2 of 64 rows learns two more: the meta-tokens, initialised from "---".
        CausalDecoder d = TinyFixtures.noisy(DecoderConfig.gpt2(64, 16, 2, 4, 64), 2);
        HfTextTokenizer tok = HfTextTokenizer.load(dir, Map.of());
        tok.close();
        try (QuietStarModel model = QuietStarModel.create(d, HfTextTokenizer.load(dir, Map.of()),
                QuietStarConfig.official().withShape(2, 2, 1, 16), 1)) {
            assertThat(model.decoder().config().vocabSize()).isEqualTo(66);
            assertThat(model.metaTokens().startId()).isEqualTo(64);
            assertThat(model.metaTokens().endId()).isEqualTo(65);
            assertThat(model.tokenizer().decode(new int[] {5, 64, 65})).contains(QuietStarModel.START_TOKEN)
                    .contains(QuietStarModel.END_TOKEN);
            try (NDManager m = NDManager.newBaseManager()) {
                // initialised from the embedding of "---" (id 4), stored scaled
                float[] start = model.metaTokens().startEmbedding(m).toFloatArray();
                float[] dash = model.decoder().tokenEmbedding().get(4).toFloatArray();
                for (int i = 0; i < start.length; i++) {
                    assertThat(start[i]).isCloseTo(dash[i], org.assertj.core.data.Offset.offset(1e-5f));
                }
            }
            Path ckpt = dir.resolve("ckpt");
            model.save(ckpt, null);
            try (QuietStarModel back = QuietStarModel.load(ckpt, Device.cpu())) {
                assertThat(back.tokenizer().encode("the mat")).containsExactly(5, 9);
                assertThat(back.metaTokens().startId()).isEqualTo(64);
                assertThat(back.decoder().config().vocabSize()).isEqualTo(66);
            }
        }
    }

    @Test
    void aFailedSaveLeavesThePreviousCheckpointIntact() throws IOException {
        try (QuietStarModel model = QuietStarModel.create(TinyFixtures.noisy(
                DecoderConfig.gpt2(dev.quietstar.core.text.ByteTokenizer.VOCAB_SIZE, 16, 1, 4, 64), 3),
                dev.quietstar.core.text.ByteTokenizer.instance(), QuietStarConfig.official(), 3)) {
            Path ckpt = dir.resolve("ckpt");
            model.save(ckpt, null);
            byte[] before = Files.readAllBytes(ckpt.resolve("model.safetensors"));
            assertThatThrownBy(() -> model.save(ckpt, tmp -> {
                throw new IOException("disk full (simulated)");
            })).isInstanceOf(IOException.class).hasMessageContaining("disk full");
            assertThat(Files.readAllBytes(ckpt.resolve("model.safetensors"))).isEqualTo(before);
            try (var files = Files.list(dir)) {
                assertThat(files.map(p -> p.getFileName().toString())).containsExactly("ckpt");
            }
            try (QuietStarModel back = QuietStarModel.load(ckpt, Device.cpu())) {
                assertThat(back.config()).isEqualTo(QuietStarConfig.official());
            }
            // A checkpoint missing a Quiet-STaR tensor is refused by name.
            Files.delete(ckpt.resolve("quietstar.json"));
            assertThatThrownBy(() -> QuietStarModel.load(ckpt, Device.cpu()))
                    .hasMessageContaining("has no quietstar.json");
        }
    }
}
