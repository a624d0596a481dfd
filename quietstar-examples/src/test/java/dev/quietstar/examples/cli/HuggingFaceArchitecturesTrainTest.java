package dev.quietstar.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quietstar.core.checkpoint.FloatTensor;
import dev.quietstar.core.checkpoint.SafetensorsReader;
import dev.quietstar.core.checkpoint.SafetensorsWriter;
import dev.quietstar.core.checkpoint.StoredTensor;
import dev.quietstar.core.testing.ReferenceDecoder;
import dev.quietstar.core.testing.TinyHfFolders;
import dev.quietstar.core.text.ByteTokenizer;
import dev.quietstar.djl.model.HfTextTokenizer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What "any causal LM" promises, per architecture and through the command line only, on a tiny random HuggingFace
 * folder of each {@code model_type} (Llama with and without Llama 3.1's rope scaling, Mistral with its sliding window,
 * Qwen2, Qwen3 with and without biases, Phi-3 with whole and partial rotary, Gemma 3 in transformers 4's and 5's
 * spelling): {@code generate --model-hf --no-think} prints the reference decoder's greedy
 * continuation (core's scalar decoder written from the transformers code, decoded with the folder's tokenizer); a
 * 20-step Quiet-STaR {@code train} on the folder runs; the trained checkpoint generates with a thought before every
 * token on DJL; {@code export-onnx} exports it; and {@code generate --backend onnxruntime} on the export gives the same
 * tokens, thoughts and mixing weights. A bfloat16 copy of a fixture, sharded in two files with an index, generates
 * the greedy text of the float32 model with the rounded weights.
 */
class HuggingFaceArchitecturesTrainTest {

    private static final String PROMPT = "the cat sat";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** The tiny folder of an architecture with a word tokenizer over the model's whole vocabulary. */
    private Path folder(String arch, long seed) throws Exception {
        Path hf = TinyHfFolders.write(dir.resolve(arch), arch, seed);
        TinyHfFolders.writeWordTokenizer(hf, ByteTokenizer.VOCAB_SIZE);
        return hf;
    }

    /**
     * The reference's greedy continuation of {@link #PROMPT} as {@code generate} prints it: the prompt encoded after
     * the document-start token, at most {@code steps} tokens, ending before the end-of-text token, decoded after the
     * prompt's ids.
     */
    private static String referenceText(Path tokenizerFolder, ReferenceDecoder ref, int steps) {
        HfTextTokenizer tok = HfTextTokenizer.load(tokenizerFolder, Map.of());
        int[] ids = tok.withDocumentStart(tok.encode(PROMPT));
        int[] tokens = ref.greedy(ids, steps);
        int eos = tok.eosId().orElse(-1);
        int n = 0;
        while (n < tokens.length && tokens[n] != eos) {
            n++;
        }
        return PROMPT + tok.decodeAfter(ids, Arrays.copyOf(tokens, n));
    }

    private static CliRun cli(String... args) {
        CliRun r = CliRun.of(args);
        assertThat(r.exitCode()).as("%s: %s", String.join(" ", args), r.err()).isZero();
        return r;
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "llama3", "mistral", "qwen2", "qwen3", "qwen3-biased", "phi3", "phi3-partial",
        "gemma3", "gemma3-v5"})
    void referenceGreedyTextThenTrainingThinkingExportAndOnnxRuntimeAgree(String arch) throws Exception {
        // a seed per architecture: with one seed, types whose tensors are drawn in the same order hold equal weights
        Path hf = folder(arch, 17 + arch.hashCode());
        String want = referenceText(hf, ReferenceDecoder.read(hf), 10);
        CliRun plain = cli("generate", "--model-hf", hf.toString(), "--prompt", PROMPT, "--no-think",
                "--max-tokens", "10");
        assertThat(plain.out().strip()).as("generate --model-hf --no-think, %s", arch).isEqualTo(want);
        assertThat(want).as("the continuation is not empty").isNotEqualTo(PROMPT);

        Path out = dir.resolve(arch + "-run");
        cli("train", "--model-hf", hf.toString(), "--data", TrainCommandTest.data(dir).toString(), "--output",
                out.toString(), "--preset", "small-model", "--set", "thoughtLength=2", "--set", "lookahead=2",
                "--set", "sequenceLength=12", "--set", "training.steps=20", "--set", "training.examplesPerStep=2",
                "--set", "training.microBatchExamples=2", "--set", "training.checkpointEvery=0");
        Path ckpt = out.resolve("checkpoints/step-000020");
        List<String> metrics = Files.readAllLines(out.resolve("metrics.jsonl"));
        assertThat(metrics).hasSize(20);
        for (String line : metrics) {
            assertThat(line).contains("loss").doesNotContain("NaN").doesNotContain("Infinity");
        }
        assertThat(JSON.readTree(ckpt.resolve("config.json").toFile()).get("model_type").asText())
                .isEqualTo(JSON.readTree(hf.resolve("config.json").toFile()).get("model_type").asText());

        Path onnx = dir.resolve(arch + "-onnx");
        cli("export-onnx", "--model", ckpt.toString(), "--output", onnx.toString());
        JsonNode djl = JSON.readTree(cli("generate", "--model", ckpt.toString(), "--prompt", PROMPT,
                "--max-tokens", "6", "--json").out());
        JsonNode ort = JSON.readTree(cli("generate", "--model", onnx.toString(), "--backend", "onnxruntime",
                "--prompt", PROMPT, "--max-tokens", "6", "--json").out());
        assertThat(djl.get("traces").size()).as("tokens generated with thinking").isPositive();
        assertThat(ort.get("tokenIds")).as("tokens, %s", arch).isEqualTo(djl.get("tokenIds"));
        assertThat(ort.get("text")).isEqualTo(djl.get("text"));
        for (int t = 0; t < djl.get("traces").size(); t++) {
            JsonNode a = djl.get("traces").get(t);
            JsonNode b = ort.get("traces").get(t);
            assertThat(a.get("thoughtIds").size()).as("a thought before every token").isEqualTo(2);
            assertThat(b.get("thoughtIds")).as("thought %d, %s", t, arch).isEqualTo(a.get("thoughtIds"));
            assertThat(b.get("mixingWeight").asDouble()).isCloseTo(a.get("mixingWeight").asDouble(),
                    Offset.offset(1e-4));
        }
        // and without thinking, the trained base model on both backends
        String djlPlain = cli("generate", "--model", ckpt.toString(), "--prompt", PROMPT, "--no-think",
                "--max-tokens", "8").out();
        String ortPlain = cli("generate", "--model", onnx.toString(), "--backend", "onnxruntime", "--prompt", PROMPT,
                "--no-think", "--max-tokens", "8").out();
        assertThat(ortPlain).isEqualTo(djlPlain);
        System.out.printf("architecture %-8s reference greedy '%s'; trained, thinking: '%s'%n", arch, want,
                PROMPT + djl.get("text").asText());
    }

    /**
     * Published checkpoints are bfloat16 and sharded: such a copy of a fixture loads and generates the greedy text
     * of the float32 model whose weights are the bfloat16-rounded values, as the reference computes it.
     */
    @ParameterizedTest
    @ValueSource(strings = {"llama3", "gemma3"})
    void aBfloat16ShardedCopyGeneratesTheGreedyTextOfItsRoundedWeights(String arch) throws Exception {
        Path hf = folder(arch, 23);
        Map<String, FloatTensor> weights = SafetensorsReader.readFolder(hf);
        Path bf16 = Files.createDirectories(dir.resolve(arch + "-bf16"));
        Path rounded = Files.createDirectories(dir.resolve(arch + "-rounded"));
        List<Map<String, StoredTensor>> shards = List.of(new LinkedHashMap<>(), new LinkedHashMap<>());
        Map<String, FloatTensor> roundedWeights = new LinkedHashMap<>();
        ObjectNode index = JSON.createObjectNode();
        ObjectNode map = index.putObject("weight_map");
        long total = 0;
        int k = 0;
        boolean changed = false;
        for (Map.Entry<String, FloatTensor> e : weights.entrySet()) {
            float[] values = e.getValue().data();
            ByteBuffer bytes = ByteBuffer.allocate(2 * values.length).order(ByteOrder.LITTLE_ENDIAN);
            float[] back = new float[values.length];
            for (int i = 0; i < values.length; i++) {
                short bits = toBfloat16(values[i]);
                bytes.putShort(2 * i, bits);
                back[i] = Float.intBitsToFloat((bits & 0xffff) << 16);
                changed |= back[i] != values[i];
            }
            int shard = k++ < weights.size() / 2 ? 0 : 1;
            shards.get(shard).put(e.getKey(), new StoredTensor("BF16", e.getValue().shape(), bytes));
            map.put(e.getKey(), shardName(shard));
            roundedWeights.put(e.getKey(), new FloatTensor(e.getValue().shape(), back));
            total += 2L * values.length;
        }
        assertThat(changed).as("the rounding is real").isTrue();
        index.putObject("metadata").put("total_size", total);
        for (int s = 0; s < 2; s++) {
            SafetensorsWriter.write(bf16.resolve(shardName(s)), shards.get(s));
        }
        Files.writeString(bf16.resolve("model.safetensors.index.json"), JSON.writeValueAsString(index));
        SafetensorsWriter.writeFloats(rounded.resolve("model.safetensors"), roundedWeights);
        for (Path copy : List.of(bf16, rounded)) {
            Files.copy(hf.resolve("config.json"), copy.resolve("config.json"));
            Files.copy(hf.resolve("tokenizer.json"), copy.resolve("tokenizer.json"));
        }
        assertThat(bf16.resolve("model.safetensors")).doesNotExist();

        String want = referenceText(hf, ReferenceDecoder.read(rounded), 10);
        List<String> printed = new ArrayList<>();
        for (Path model : List.of(bf16, rounded)) {
            printed.add(cli("generate", "--model-hf", model.toString(), "--prompt", PROMPT, "--no-think",
                    "--max-tokens", "10").out().strip());
        }
        assertThat(printed).as("bf16 shards, float32 of the rounded values, %s", arch).containsExactly(want, want);
        System.out.printf("bf16 shards %-8s '%s'%n", arch, want);
    }

    private static String shardName(int shard) {
        return "model-0000" + (shard + 1) + "-of-00002.safetensors";
    }

    /** float32 to bfloat16, rounding to nearest even (as PyTorch's {@code .to(torch.bfloat16)} does). */
    private static short toBfloat16(float f) {
        int bits = Float.floatToRawIntBits(f);
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }
}
