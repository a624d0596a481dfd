package dev.quietstar.examples.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.quietstar.api.GenerationOptions;
import dev.quietstar.api.GenerationResult;
import dev.quietstar.core.checkpoint.CheckpointInfo;
import dev.quietstar.core.checkpoint.DecoderSpec;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.infer.DjlDecoderStep;
import dev.quietstar.djl.infer.DjlReasoner;
import dev.quietstar.djl.model.CausalDecoder;
import dev.quietstar.djl.model.DecoderConfig;
import dev.quietstar.djl.model.HuggingFaceModels;
import dev.quietstar.djl.thought.QuietStarModel;
import dev.quietstar.examples.cli.CliRun;
import dev.quietstar.onnx.export.OnnxExporter;
import dev.quietstar.onnx.infer.OnnxDecoderStep;
import dev.quietstar.onnx.infer.OnnxReasoner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code convert quietstar-official} on a tiny random checkpoint written in exactly the layout of the paper's code
 * (a Mistral plus {@code start_embedding}/{@code end_embedding} [2, H] stored divided by 100 and
 * {@code talk_head.0.{0,2,4}}, and a tokenizer with {@code <|startthought|>}/{@code <|endthought|>} added). The
 * reference is the official inference step computed here from the official tensors: the base hidden state at the
 * prompt's last token, the hidden state after feeding {@code start_embedding[0] * 100}, the thought tokens and
 * {@code end_embedding[0] * 100}, {@code w = talk_head(concat[before, after])} and
 * {@code logits = lm_head((1 - w) * before + w * after)}.
 */
class OfficialCheckpointImportTest {

    private static final int VOCAB = 66;
    private static final int HIDDEN = 16;
    private static final double TOLERANCE = 1e-4;

    @TempDir
    static Path tmp;
    private static Path official;
    private static CausalDecoder decoder;
    private static Map<String, float[]> extras = new LinkedHashMap<>();

    @BeforeAll
    static void officialCheckpoint() throws Exception {
        DjlEngines.pytorch();
        DecoderSpec spec = new DecoderSpec(true, "mistral", VOCAB, HIDDEN, 2, 4, 2, 4, 40, 64, 10000.0, 1e-5, false,
                false);
        DecoderConfig config = new DecoderConfig(spec);
        SplittableRandom rng = new SplittableRandom(3);
        try (CausalDecoder shapes = CausalDecoder.random(config, Device.cpu(), 0);
                NDManager m = NDManager.newBaseManager(Device.cpu())) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            for (Map.Entry<String, Shape> e : shapes.expectedShapes().entrySet()) {
                boolean norm = e.getKey().contains("norm");
                tensors.put(e.getKey(), m.create(random(rng, (int) e.getValue().size(), norm ? 1 : 0,
                        norm ? 0.2 : 0.3), e.getValue()));
            }
            decoder = CausalDecoder.fromTensors(config, Device.cpu(), tensors);
        }
        // The official parameters: thought vectors stored divided by the scale, a talk head with a live last layer.
        extras.put("start_embedding", random(rng, 2 * HIDDEN, 0, 0.01));
        extras.put("end_embedding", random(rng, 2 * HIDDEN, 0, 0.01));
        extras.put("talk_head.0.0.weight", random(rng, HIDDEN * 2 * HIDDEN, 0, 0.3));
        extras.put("talk_head.0.0.bias", random(rng, HIDDEN, 0, 0.1));
        extras.put("talk_head.0.2.weight", random(rng, HIDDEN * HIDDEN, 0, 0.3));
        extras.put("talk_head.0.2.bias", random(rng, HIDDEN, 0, 0.1));
        extras.put("talk_head.0.4.weight", random(rng, HIDDEN, 0, 0.5));
        official = Files.createDirectories(tmp.resolve("quietstar-8-ahead"));
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            arrays.put("start_embedding", m.create(extras.get("start_embedding"), new Shape(2, HIDDEN)));
            arrays.put("end_embedding", m.create(extras.get("end_embedding"), new Shape(2, HIDDEN)));
            arrays.put("talk_head.0.0.weight", m.create(extras.get("talk_head.0.0.weight"),
                    new Shape(HIDDEN, 2 * HIDDEN)));
            arrays.put("talk_head.0.0.bias", m.create(extras.get("talk_head.0.0.bias"), new Shape(HIDDEN)));
            arrays.put("talk_head.0.2.weight", m.create(extras.get("talk_head.0.2.weight"),
                    new Shape(HIDDEN, HIDDEN)));
            arrays.put("talk_head.0.2.bias", m.create(extras.get("talk_head.0.2.bias"), new Shape(HIDDEN)));
            arrays.put("talk_head.0.4.weight", m.create(extras.get("talk_head.0.4.weight"), new Shape(1, HIDDEN)));
            HuggingFaceModels.write(decoder, official, arrays);
        }
        writeTokenizer(official, true);
    }

    private static float[] random(SplittableRandom rng, int n, double centre, double spread) {
        float[] d = new float[n];
        for (int i = 0; i < n; i++) {
            d[i] = (float) (centre + spread * (rng.nextDouble() * 2 - 1));
        }
        return d;
    }

    /** A word-level tokenizer of 64 words, with the two thought tokens added at 64 and 65 when asked. */
    private static void writeTokenizer(Path folder, boolean withThoughtTokens) throws Exception {
        StringBuilder vocab = new StringBuilder();
        for (int i = 0; i < 64; i++) {
            String w = i == 0 ? "[UNK]" : i == 1 ? "<s>" : "w" + i;
            vocab.append(i == 0 ? "" : ",").append('"').append(w).append("\":").append(i);
        }
        String added = "{\"id\":1,\"content\":\"<s>\",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,"
                + "\"normalized\":false,\"special\":true}";
        if (withThoughtTokens) {
            for (String[] t : new String[][] {{"64", "<|startthought|>"}, {"65", "<|endthought|>"}}) {
                added += ",{\"id\":" + t[0] + ",\"content\":\"" + t[1] + "\",\"single_word\":false,"
                        + "\"lstrip\":false,\"rstrip\":false,\"normalized\":false,\"special\":true}";
            }
        }
        Files.writeString(folder.resolve("tokenizer.json"), "{\"version\":\"1.0\",\"truncation\":null,"
                + "\"padding\":null,\"added_tokens\":[" + added + "],\"normalizer\":null,"
                + "\"pre_tokenizer\":{\"type\":\"Whitespace\"},\"post_processor\":null,\"decoder\":null,"
                + "\"model\":{\"type\":\"WordLevel\",\"vocab\":{" + vocab + "},\"unk_token\":\"[UNK]\"}}");
    }

    /** The official inference step (the paper code's mixing), from the official tensors. */
    private static OnnxParityTest.Forced reference(int[] prompt, long[] thought) {
        int len = prompt.length;
        int total = len + thought.length + 2;
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            long[] ids = new long[total];
            for (int i = 0; i < len; i++) {
                ids[i] = prompt[i];
            }
            for (int k = 0; k < thought.length; k++) {
                ids[len + 1 + k] = thought[k];
            }
            NDArray embeds = decoder.embed(m.create(ids, new Shape(1, total))).duplicate();
            float[] start = extras.get("start_embedding");
            float[] end = extras.get("end_embedding");
            float[] startUsed = new float[HIDDEN];
            float[] endUsed = new float[HIDDEN];
            for (int i = 0; i < HIDDEN; i++) {
                startUsed[i] = start[i] * 100f;
                endUsed[i] = end[i] * 100f;
            }
            embeds.set(new ai.djl.ndarray.index.NDIndex("0, " + len + ", :"), m.create(startUsed));
            embeds.set(new ai.djl.ndarray.index.NDIndex("0, " + (total - 1) + ", :"), m.create(endUsed));
            float[] mask = new float[total * total];
            for (int q = 0; q < total; q++) {
                for (int k = q + 1; k < total; k++) {
                    mask[q * total + k] = CausalDecoder.MASKED;
                }
            }
            NDArray positions = m.arange(0, total).toType(DataType.INT64, false).reshape(1, total);
            NDArray hidden = decoder.forward(embeds, positions, m.create(mask, new Shape(1, 1, total, total)),
                    null).hidden();
            float[] before = hidden.get("0, " + (len - 1) + ", :").toFloatArray();
            float[] after = hidden.get("0, " + (total - 1) + ", :").toFloatArray();
            double w = talkHead(before, after);
            float[] mixed = new float[HIDDEN];
            for (int i = 0; i < HIDDEN; i++) {
                mixed[i] = (float) ((1 - w) * before[i] + w * after[i]);
            }
            float[] baseLogits = decoder.logits(m.create(before, new Shape(1, 1, HIDDEN))).toFloatArray();
            float[] afterLogits = decoder.logits(m.create(after, new Shape(1, 1, HIDDEN))).toFloatArray();
            float[] mixedLogits = decoder.logits(m.create(mixed, new Shape(1, 1, HIDDEN))).toFloatArray();
            return new OnnxParityTest.Forced(before, baseLogits, afterLogits, new float[] {(float) w}, mixedLogits);
        }
    }

    /** talk_head.0: Linear(2H, H), ReLU, Linear(H, H), ReLU, Linear(H, 1) without bias, in plain loops. */
    private static double talkHead(float[] before, float[] after) {
        float[] w0 = extras.get("talk_head.0.0.weight");
        float[] b0 = extras.get("talk_head.0.0.bias");
        float[] w2 = extras.get("talk_head.0.2.weight");
        float[] b2 = extras.get("talk_head.0.2.bias");
        float[] w4 = extras.get("talk_head.0.4.weight");
        double[] in = new double[2 * HIDDEN];
        for (int i = 0; i < HIDDEN; i++) {
            in[i] = before[i];
            in[HIDDEN + i] = after[i];
        }
        double[] h1 = new double[HIDDEN];
        for (int o = 0; o < HIDDEN; o++) {
            double s = b0[o];
            for (int i = 0; i < 2 * HIDDEN; i++) {
                s += w0[o * 2 * HIDDEN + i] * in[i];
            }
            h1[o] = Math.max(0, s);
        }
        double[] h2 = new double[HIDDEN];
        for (int o = 0; o < HIDDEN; o++) {
            double s = b2[o];
            for (int i = 0; i < HIDDEN; i++) {
                s += w2[o * HIDDEN + i] * h1[i];
            }
            h2[o] = Math.max(0, s);
        }
        double out = 0;
        for (int i = 0; i < HIDDEN; i++) {
            out += w4[i] * h2[i];
        }
        return out;
    }

    private static void assertMatchesReference(OnnxParityTest.Forced got, OnnxParityTest.Forced want, String what) {
        assertThat(OnnxParityTest.maxAbsDiff(got.baseLogits(), want.baseLogits())).as("%s base logits", what)
                .isLessThan(TOLERANCE);
        assertThat(OnnxParityTest.maxAbsDiff(got.afterLogits(), want.afterLogits()))
                .as("%s logits after the thought", what).isLessThan(TOLERANCE);
        assertThat(OnnxParityTest.maxAbsDiff(got.weights(), want.weights())).as("%s mixing weight", what)
                .isLessThan(TOLERANCE);
        assertThat(OnnxParityTest.maxAbsDiff(got.mixed(), want.mixed())).as("%s mixed logits", what)
                .isLessThan(TOLERANCE);
    }

    @Test
    void theImportedModelMixesAForcedThoughtAsTheOfficialCodeDoesOnBothBackends() throws Exception {
        Path ckpt = tmp.resolve("imported");
        CliRun r = CliRun.of("convert", "quietstar-official", "--model", official.toString(), "--output",
                ckpt.toString());
        assertThat(r.exitCode()).as(r.err()).isEqualTo(0);
        assertThat(r.out()).contains("thoughts of 5 tokens between ids 64 and 65");
        CheckpointInfo info = CheckpointInfo.read(ckpt);
        assertThat(info.config().thoughtLength()).isEqualTo(5);
        assertThat(info.config().lookahead()).isEqualTo(1);
        assertThat(info.startTokenId()).isEqualTo(64);
        assertThat(info.endTokenId()).isEqualTo(65);
        Path onnx = tmp.resolve("imported-onnx");
        OnnxExporter.builder().setCheckpoint(ckpt).setOutput(onnx).build().export();
        int[] prompt = {1, 5, 9, 17, 33, 2};
        long[] thought = {7, 11, 13, 40, 3};
        OnnxParityTest.Forced want = reference(prompt, thought);
        assertThat(Math.abs(want.weights()[0])).as("the head's weight is far from 0").isGreaterThan(0.05f);
        try (QuietStarModel model = QuietStarModel.load(ckpt, Device.cpu());
                DjlDecoderStep djl = new DjlDecoderStep(model);
                OnnxReasoner reasoner = OnnxReasoner.open(onnx)) {
            assertMatchesReference(OnnxParityTest.forced(djl, prompt, thought, 64, 65), want, "djl-pytorch");
            assertMatchesReference(OnnxParityTest.forced(new OnnxDecoderStep(reasoner.model()), prompt, thought,
                    64, 65), want, "onnxruntime");
        }
        // It thinks: generation with visible thoughts runs on both backends and agrees.
        GenerationOptions options = GenerationOptions.defaults(6);
        try (DjlReasoner djl = DjlReasoner.open(ckpt, Device.cpu());
                OnnxReasoner ort = OnnxReasoner.open(onnx)) {
            GenerationResult a = djl.generate("w5 w9 w17", options);
            GenerationResult b = ort.generate("w5 w9 w17", options);
            assertThat(a.traces()).isNotEmpty();
            assertThat(a.traces().get(0).thoughtIds()).hasSize(5);
            assertThat(b.tokenIds()).isEqualTo(a.tokenIds());
        }
    }

    @Test
    void mistralsOwnTokenizerGetsTheThoughtTokensAppended() throws Exception {
        Path tok = Files.createDirectories(tmp.resolve("mistral-tokenizer"));
        writeTokenizer(tok, false);
        Path ckpt = tmp.resolve("imported-appended");
        CliRun r = CliRun.of("convert", "quietstar-official", "--model", official.toString(), "--tokenizer",
                tok.toString(), "--output", ckpt.toString());
        assertThat(r.exitCode()).as(r.err()).isEqualTo(0);
        assertThat(r.out()).contains("between ids 64 and 65 (appended to the tokenizer)");
        CheckpointInfo info = CheckpointInfo.read(ckpt);
        assertThat(info.appendedTokens()).containsEntry("<|startthought|>", 64).containsEntry("<|endthought|>", 65);
        try (DjlReasoner djl = DjlReasoner.open(ckpt, Device.cpu())) {
            assertThat(djl.generate("w5 w9", GenerationOptions.defaults(2)).traces()).isNotEmpty();
        }
    }

    @Test
    void theImportNeverReplacesTheOfficialCheckpointOrOtherFilesAndItsOwnOnlyWithReplace() throws Exception {
        long files;
        try (var s = Files.list(official)) {
            files = s.count();
        }
        // --output being the official checkpoint used to replace it with the import
        CliRun self = CliRun.of("convert", "quietstar-official", "--model", official.toString(), "--output",
                official.toString());
        assertThat(self.exitCode()).isEqualTo(1);
        assertThat(self.err()).contains("is the --model checkpoint being read");
        try (var s = Files.list(official)) {
            assertThat(s.count()).as("the official checkpoint is untouched").isEqualTo(files);
        }
        Path project = Files.createDirectories(tmp.resolve("import-project"));
        Files.writeString(project.resolve("notes.txt"), "keep me");
        CliRun other = CliRun.of("convert", "quietstar-official", "--model", official.toString(), "--output",
                project.toString(), "--replace");
        assertThat(other.exitCode()).isEqualTo(1);
        assertThat(other.err()).contains("holds files but no import of an official checkpoint");
        assertThat(project.resolve("notes.txt")).hasContent("keep me");

        Path ckpt = tmp.resolve("imported-twice");
        String[] convert = {"convert", "quietstar-official", "--model", official.toString(), "--output",
            ckpt.toString()};
        CliRun first = CliRun.of(convert);
        assertThat(first.exitCode()).as(first.err()).isEqualTo(0);
        CliRun again = CliRun.of(convert);
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.err()).contains("already exists and holds an earlier import").contains("pass --replace");
        String[] replace = Arrays.copyOf(convert, convert.length + 1);
        replace[convert.length] = "--replace";
        CliRun replaced = CliRun.of(replace);
        assertThat(replaced.exitCode()).as(replaced.err()).isEqualTo(0);
        assertThat(CheckpointInfo.read(ckpt).startTokenId()).isEqualTo(64);
    }

    @Test
    void aCheckpointWithoutTheOfficialTensorsIsRefusedByName() throws Exception {
        Path plain = Files.createDirectories(tmp.resolve("plain-mistral"));
        HuggingFaceModels.write(decoder, plain, Map.of());
        writeTokenizer(plain, true);
        CliRun r = CliRun.of("convert", "quietstar-official", "--model", plain.toString(), "--output",
                tmp.resolve("nope").toString());
        assertThat(r.exitCode()).isNotZero();
        assertThat(r.err()).contains("has no tensor 'start_embedding'").contains("talk_head.0.{0,2,4}");
        assertThat(tmp.resolve("nope")).doesNotExist();
    }
}
