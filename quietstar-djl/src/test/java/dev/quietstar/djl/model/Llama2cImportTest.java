package dev.quietstar.djl.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.quietstar.api.GenerationOptions;
import dev.quietstar.api.GenerationResult;
import dev.quietstar.api.ModelSource;
import dev.quietstar.api.Reasoner;
import dev.quietstar.api.ThinkingPolicy;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.core.llama2c.Llama2cConverter;
import dev.quietstar.core.llama2c.Llama2cReference;
import dev.quietstar.core.llama2c.Stories260K;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.infer.DjlReasoner;
import dev.quietstar.djl.thought.QuietStarModel;
import dev.quietstar.djl.train.DjlTrainerFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real pretrained stories260K model through the library, pinned to llama2.c's own program: the converted
 * tokenizer encodes as llama2.c's {@code encode} on generated strings, the converted folder's logits equal
 * {@code run.c}'s forward, greedy generation equals the text llama2.c's C runtime writes, and a Quiet-STaR
 * checkpoint of the model reloads bitwise.
 */
class Llama2cImportTest {

    @TempDir
    static Path shared;

    static Path converted;
    static Llama2cReference reference;

    @BeforeAll
    static void convert() throws IOException {
        DjlEngines.pytorch();
        converted = shared.resolve("s260");
        Llama2cConverter.convert(Stories260K.weights(), Stories260K.tokenizer(), converted);
        reference = Llama2cReference.load(Stories260K.weights(), Stories260K.tokenizer());
    }

    @Test
    void convertedFolderHoldsAStandardLlamaWithGroupedQueryHeads() {
        assertThat(converted.resolve("config.json")).exists();
        assertThat(converted.resolve("model.safetensors")).exists();
        assertThat(converted.resolve("tokenizer.json")).exists();
        DecoderConfig c = HuggingFaceModels.readConfig(converted);
        assertThat(c.architecture()).isEqualTo(Architecture.LLAMA);
        assertThat(c.heads()).isEqualTo(8);
        assertThat(c.kvHeads()).isEqualTo(4);
        assertThat(c.headDim()).isEqualTo(8);
        assertThat(c.intermediateSize()).isEqualTo(172);
        assertThat(c.maxPositions()).isEqualTo(512);
        assertThat(c.normEps()).isEqualTo(1e-5);
        assertThat(c.tieWordEmbeddings()).isTrue();
    }

    /** Strings of words, digits, punctuation, whitespace runs and characters in and out of the vocabulary. */
    static List<String> generatedStrings(int count, long seed) {
        String[] words = {"Once", "upon", "a", "time", "Lily", "Timmy", "ball", "park", "the", "and", "happy",
            "played", "mom", "dog", "said", "big", "red", "sun", "tree", "xylophone", "quizzical", "Zebra", "HELLO"};
        String[] punct = {".", ",", "!", "?", ";", ":", "'", "\"", "-", "(", ")", "[", "]", "{", "}", "...", "%",
            "\\", "|", "~", "<", ">", "#", "@", "&", "*", "+", "=", "/", "_", "^", "`", "$"};
        String[] unicode = {"é", "ü", "ñ", "ß", "ç", "中", "文", "日本語", "Привет", "😀", "🚀", "∑", "™", "€", "â",
            "\u200a", "Ω", "ø", "Æ", "ä", "😀😀", "ﬁ", "°", "½", "\u00a0"};
        String[] spaces = {" ", " ", " ", "  ", "   ", "\n", "\n\n", "\t", " \n "};
        SplittableRandom rng = new SplittableRandom(seed);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            StringBuilder b = new StringBuilder();
            int parts = 1 + rng.nextInt(12);
            for (int p = 0; p < parts; p++) {
                int kind = rng.nextInt(10);
                if (kind < 4) {
                    b.append(words[rng.nextInt(words.length)]);
                } else if (kind == 4) {
                    b.append(rng.nextInt(100000));
                } else if (kind == 5) {
                    b.append(punct[rng.nextInt(punct.length)]);
                } else if (kind == 6) {
                    b.append(unicode[rng.nextInt(unicode.length)]);
                } else if (kind == 7) {
                    for (int k = 1 + rng.nextInt(6); k > 0; k--) {
                        b.append((char) ('a' + rng.nextInt(26)));
                    }
                } else if (kind == 8) {
                    b.appendCodePoint(0x4E00 + rng.nextInt(0x5000)); // CJK: absent, byte fallback
                } else {
                    b.append(spaces[rng.nextInt(spaces.length)]);
                }
                if (rng.nextInt(3) > 0) {
                    b.append(' ');
                }
            }
            out.add(b.toString());
        }
        return out;
    }

    @Test
    void tokenizerJsonEncodesExactlyAsLlama2cOnTwelveHundredStringsAndRoundTrips() {
        List<String> strings = generatedStrings(1200, 20261203L);
        strings.addAll(List.of("Once upon a time", "x", " leading", "trailing ", "  two", "\n", "é", "😀",
                "a\u0000b", Stories260K.GREEDY_TEXT));
        try (HfTextTokenizer fromFile = HfTextTokenizer.load(converted, Map.of());
                HfTextTokenizer inMemory = Llama2cImport.loadTokenizer(Stories260K.tokenizer(), 512)) {
            int byteFallbacks = 0;
            for (String s : strings) {
                List<Integer> expected = reference.encode(s, false);
                int[] actual = fromFile.encode(s);
                assertThat(Arrays.stream(actual).boxed().toList()).as("encode(%s)", s).isEqualTo(expected);
                assertThat(inMemory.encode(s)).as("in-memory encode(%s)", s).isEqualTo(actual);
                assertThat(fromFile.decode(actual)).as("decode(encode(%s))", s).isEqualTo(s);
                byteFallbacks += Arrays.stream(actual).anyMatch(id -> id >= 3 && id < 259) ? 1 : 0;
            }
            assertThat(strings).hasSizeGreaterThanOrEqualTo(1000);
            assertThat(byteFallbacks).as("strings that needed byte fallback").isGreaterThan(100);
            assertThat(fromFile.bosId()).hasValue(1);
            assertThat(fromFile.eosId()).hasValue(2);
        }
    }

    @Test
    void longTextsKeepEveryToken() {
        String longText = String.join(" ", java.util.Collections.nCopies(120, Stories260K.GREEDY_TEXT));
        try (HfTextTokenizer tok = HfTextTokenizer.load(converted, Map.of())) {
            int[] ids = tok.encode(longText);
            assertThat(ids.length).as("no truncation at the tokenizer's 512-token model length").isGreaterThan(5000);
            assertThat(Arrays.stream(ids).boxed().toList()).isEqualTo(reference.encode(longText, false));
        }
    }

    @Test
    void convertedFolderAndDirectLoadGiveLlama2csLogits() {
        int[] ids = reference.encode(Stories260K.GREEDY_TEXT, true).stream().mapToInt(Integer::intValue).toArray();
        int n = ids.length;
        reference.reset();
        float[][] expected = new float[n][];
        for (int pos = 0; pos < n; pos++) {
            expected[pos] = reference.forward(ids[pos], pos);
        }
        try (CausalDecoder folder = HuggingFaceModels.load(converted, Device.cpu());
                CausalDecoder direct = Llama2cImport.loadDecoder(Stories260K.weights(), Device.cpu());
                NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray input = m.create(Arrays.stream(ids).asLongStream().toArray(), new Shape(1, n));
            float[] a = folder.logits(folder.forward(input, null).hidden()).toFloatArray();
            float[] b = direct.logits(direct.forward(input, null).hidden()).toFloatArray();
            assertThat(b).as("direct llama2.c load vs converted folder").containsExactly(a);
            double worst = 0;
            for (int pos = 0; pos < n; pos++) {
                for (int v = 0; v < 512; v++) {
                    worst = Math.max(worst, Math.abs(a[pos * 512 + v] - expected[pos][v]));
                }
            }
            assertThat(worst).as("max |logit difference| vs run.c over %d positions", n).isLessThanOrEqualTo(5e-5);
        }
    }

    @Test
    void greedyGenerationEqualsTheTextOfLlama2csCRuntime() {
        Llama2cReference.Generation expected = reference.generateGreedy(Stories260K.PROMPT, 80);
        assertThat(expected.text()).startsWith(Stories260K.GREEDY_TEXT);
        int tokens = expected.generated().size();
        try (Reasoner r = DjlReasoner.owning(DjlTrainerFactory.openModel(new ModelSource.HuggingFace(converted),
                QuietStarConfig.official(), Device.cpu()))) {
            GenerationResult g = r.generate(Stories260K.PROMPT,
                    GenerationOptions.defaults(tokens).withThinking(ThinkingPolicy.never()));
            assertThat(g.tokenIds()).isEqualTo(expected.generated());
            assertThat(Stories260K.PROMPT + g.text()).isEqualTo(expected.text());
            StringBuilder pieces = new StringBuilder(Stories260K.PROMPT);
            g.traces().forEach(t -> pieces.append(t.text()));
            assertThat(pieces.toString()).as("per-token texts keep their spaces").isEqualTo(expected.text());
        }
    }

    @Test
    void llama2cSourceOpensDirectlyAndGeneratesTheSameTokens() {
        try (Reasoner viaFolder = DjlReasoner.owning(DjlTrainerFactory.openModel(
                        new ModelSource.HuggingFace(converted), QuietStarConfig.official(), Device.cpu()));
                Reasoner direct = DjlReasoner.owning(DjlTrainerFactory.openModel(
                        new ModelSource.Llama2c(Stories260K.weights(), Stories260K.tokenizer()),
                        QuietStarConfig.official(), Device.cpu()))) {
            GenerationOptions options = GenerationOptions.defaults(30);
            assertThat(direct.generate("The cat", options).tokenIds())
                    .isEqualTo(viaFolder.generate("The cat", options).tokenIds());
        }
    }

    @Test
    void quietStarCheckpointOfTheRealModelReloadsBitwise() throws IOException {
        Path ckpt = shared.resolve("qs-ckpt");
        try (QuietStarModel model = DjlTrainerFactory.openModel(new ModelSource.HuggingFace(converted),
                QuietStarConfig.smallModel(), Device.cpu())) {
            model.save(ckpt, dir -> { });
            try (QuietStarModel back = QuietStarModel.load(ckpt, Device.cpu())) {
                assertThat(back.parameters().keySet()).isEqualTo(model.parameters().keySet());
                for (Map.Entry<String, Parameter> e : model.parameters().entrySet()) {
                    float[] before = e.getValue().getArray().toFloatArray();
                    float[] after = back.parameters().get(e.getKey()).getArray().toFloatArray();
                    assertThat(Arrays.equals(before, after)).as("%s bitwise", e.getKey()).isTrue();
                }
                assertThat(back.decoder().config()).isEqualTo(model.decoder().config());
                assertThat(back.decoder().config().vocabSize()).isEqualTo(514);
                assertThat(back.metaTokens().startId()).isEqualTo(512);
                assertThat(back.tokenizer().encode(Stories260K.GREEDY_TEXT))
                        .isEqualTo(model.tokenizer().encode(Stories260K.GREEDY_TEXT));
                assertThat(back.config()).isEqualTo(model.config());
            }
        }
    }

    @Test
    void convertRefusesToOverwriteAFolderWithContent() throws IOException {
        Path busy = shared.resolve("busy");
        Files.createDirectories(busy);
        Files.writeString(busy.resolve("keep.txt"), "mine");
        assertThatThrownBy(() -> Llama2cConverter.convert(Stories260K.weights(), Stories260K.tokenizer(), busy))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("holds files but no llama2.c conversion").hasMessageContaining("left as it is");
        assertThat(Files.readString(busy.resolve("keep.txt"))).isEqualTo("mine");
    }

    @Test
    void badInputFilesFailBeforeAnythingIsWritten() throws IOException {
        Path out = shared.resolve("never");
        Path truncated = shared.resolve("cut.bin");
        byte[] all = Files.readAllBytes(Stories260K.weights());
        Files.write(truncated, Arrays.copyOf(all, 1000));
        assertThatThrownBy(() -> Llama2cConverter.convert(truncated, Stories260K.tokenizer(), out))
                .hasMessageContaining("truncated");
        assertThatThrownBy(() -> Llama2cConverter.convert(Stories260K.weights(), Stories260K.weights(), out))
                .hasMessageContaining("tokenizer file");
        assertThat(out).doesNotExist();
    }
}
