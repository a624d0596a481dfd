package dev.quietstar.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.core.io.BoundedFiles;
import dev.quietstar.core.text.ByteTokenizer;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.model.CausalDecoder;
import dev.quietstar.djl.model.DecoderConfig;
import dev.quietstar.djl.model.Safetensors;
import dev.quietstar.djl.thought.QuietStarModel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The bad-input table of {@code docs/reliability.md}, one case per row, run through the {@code quietstar} command
 * line as a user would: every row must fail with a non-zero exit code, an error that names the field or file at
 * fault, and no stack trace.
 */
class BadInputTableTest {

    @TempDir
    static Path dir;
    private static Path checkpoint;
    private static Path data;

    /** Builds the files a row needs inside its own folder and returns the command line to run. */
    @FunctionalInterface
    interface Setup {
        List<String> args(Path rowDir) throws Exception;
    }

    @BeforeAll
    static void files() throws Exception {
        DjlEngines.pytorch();
        checkpoint = dir.resolve("tiny");
        CausalDecoder d = CausalDecoder.random(DecoderConfig.gpt2(ByteTokenizer.VOCAB_SIZE, 32, 1, 4, 64),
                Device.cpu(), 7);
        try (QuietStarModel model = QuietStarModel.create(d, ByteTokenizer.instance(),
                QuietStarConfig.official().withShape(2, 2, 1, 16), 7)) {
            model.save(checkpoint, null);
        }
        data = Files.writeString(dir.resolve("data.txt"), "12+34=46. The cat sat on the mat.\n\n"
                + "7*8=56 and 9*9=81; thinking helps.\n\nQuiet thoughts before speaking, every time.\n");
    }

    private static List<String> train(String... extra) {
        List<String> a = new ArrayList<>(List.of("train", "--data", data.toString(), "--set", "training.steps=1",
                "--set", "thoughtLength=2", "--set", "lookahead=2", "--set", "sequenceLength=16",
                "--set", "training.examplesPerStep=2", "--set", "training.microBatchExamples=2"));
        a.addAll(List.of(extra));
        return a;
    }

    private static List<String> trainInto(Path rowDir, String... extra) {
        List<String> a = train(extra);
        a.addAll(List.of("--output", rowDir.resolve("out").toString()));
        return a;
    }

    private static List<String> generate(Path model, String... extra) {
        List<String> a = new ArrayList<>(List.of("generate", "--model", model.toString(), "--prompt", "Hi"));
        a.addAll(List.of(extra));
        if (!a.contains("--max-tokens")) {
            a.addAll(List.of("--max-tokens", "2"));
        }
        return a;
    }

    /** A copy of the tiny checkpoint in the row's folder. */
    private static Path copy(Path rowDir) throws IOException {
        Path c = rowDir.resolve("ckpt");
        Files.createDirectories(c);
        try (Stream<Path> s = Files.list(checkpoint)) {
            for (Path p : s.toList()) {
                if (Files.isRegularFile(p)) {
                    Files.copy(p, c.resolve(p.getFileName()));
                }
            }
        }
        return c;
    }

    /** Replaces a checkpoint's weights file with a hand-made header and data section. */
    private static Path withWeights(Path rowDir, long headerLen, String header, int dataBytes) throws IOException {
        Path c = copy(rowDir);
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLen).put(h);
        Files.write(c.resolve("model.safetensors"), b.array());
        return c;
    }

    private static Path withWeights(Path rowDir, String header, int dataBytes) throws IOException {
        return withWeights(rowDir, header.getBytes(StandardCharsets.UTF_8).length, header, dataBytes);
    }

    /** Rewrites a checkpoint's weights after an edit of the tensor map. */
    private static Path withEditedTensors(Path rowDir, java.util.function.BiConsumer<NDManager,
            Map<String, NDArray>> edit) throws IOException {
        Path c = copy(rowDir);
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> t = new LinkedHashMap<>(Safetensors.read(m, c.resolve("model.safetensors")));
            edit.accept(m, t);
            Safetensors.write(c.resolve("model.safetensors"), t);
        }
        return c;
    }

    private static Path sparse(Path file, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {'#'}), size - 1);
        }
        return file;
    }

    private static Path probeInput(Path rowDir, String json) throws IOException {
        return Files.writeString(rowDir.resolve("probe.json"), json);
    }

    private static Arguments row(String id, String expected, Setup setup) {
        return Arguments.of(id, expected, setup);
    }

    static Stream<Arguments> rows() {
        String tensor = "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}";
        return Stream.of(
                // configuration
                row("config-missing", "does not exist", r -> trainInto(r, "--tiny", "--config",
                        r.resolve("nope.yaml").toString())),
                row("config-extension", ".json, .yaml or .yml", r -> trainInto(r, "--tiny", "--config",
                        Files.writeString(r.resolve("c.toml"), "a = 1").toString())),
                row("config-malformed", "malformed YAML in", r -> trainInto(r, "--tiny", "--config",
                        Files.writeString(r.resolve("c.yaml"), "thoughtLength: [1,\n").toString())),
                row("config-unknown-field", "unknown config field 'thoughtLenght'", r -> trainInto(r, "--tiny",
                        "--config", Files.writeString(r.resolve("c.yaml"), "thoughtLenght: 4\n").toString())),
                row("config-out-of-range", "thoughtsPerPosition must be in 1..64, was 0", r -> trainInto(r,
                        "--tiny", "--config", Files.writeString(r.resolve("c.yaml"), "thoughtsPerPosition: 0\n")
                                .toString())),
                row("config-wrong-type", "optimizer must be an object", r -> trainInto(r, "--tiny",
                        "--config", Files.writeString(r.resolve("c.json"), "{\"optimizer\": 3}").toString())),
                row("config-oversized", "more than the " + BoundedFiles.MAX_METADATA_BYTES + " accepted",
                        r -> trainInto(r, "--tiny", "--config", sparse(r.resolve("big.yaml"),
                                BoundedFiles.MAX_METADATA_BYTES + 1).toString())),
                row("config-not-utf8", "is not UTF-8 text", r -> trainInto(r, "--tiny", "--config",
                        Files.write(r.resolve("l.yaml"), new byte[] {'a', ':', ' ', (byte) 0xE9}).toString())),
                row("set-without-equals", "field=value", r -> trainInto(r, "--tiny", "--set", "thoughtLength")),
                row("set-bad-path", "dotted path of field names", r -> trainInto(r, "--tiny", "--set", ".=3")),
                row("set-bad-number", "optimizer.learningRate must be a number", r -> trainInto(r, "--tiny",
                        "--set", "optimizer.learningRate=fast")),
                row("preset-unknown", "preset must be one of [official, small-model], was huge",
                        r -> trainInto(r, "--tiny", "--preset", "huge")),
                row("sequence-too-long", "the model has 64", r -> trainInto(r, "--tiny",
                        "gpt2:hidden=32,layers=1,heads=4,positions=64", "--set", "sequenceLength=62")),
                // data
                row("data-missing", "does not exist", r -> {
                    List<String> a = trainInto(r, "--tiny");
                    a.set(2, r.resolve("nope.txt").toString());
                    return a;
                }),
                row("data-empty", "holds no documents", r -> {
                    List<String> a = trainInto(r, "--tiny");
                    a.set(2, Files.writeString(r.resolve("empty.txt"), "\n\n").toString());
                    return a;
                }),
                row("data-extension", "unknown extension", r -> {
                    List<String> a = trainInto(r, "--tiny");
                    a.set(2, Files.writeString(r.resolve("d.csv"), "a,b\n").toString());
                    return a;
                }),
                row("data-malformed-jsonl", "line 2", r -> {
                    List<String> a = trainInto(r, "--tiny");
                    a.set(2, Files.writeString(r.resolve("d.jsonl"), "{\"text\": \"ok\"}\n{\"text\": \n")
                            .toString());
                    return a;
                }),
                row("data-jsonl-no-text", "[question, label]", r -> {
                    List<String> a = trainInto(r, "--tiny");
                    a.set(2, Files.writeString(r.resolve("d.jsonl"), "{\"question\": \"q\", \"label\": 1}\n")
                            .toString());
                    return a;
                }),
                // tokenizer
                row("tokenizer-missing", "has no tokenizer.json", r -> {
                    Path c = copy(r);
                    Files.delete(c.resolve("tokenizer.json"));
                    return generate(c);
                }),
                row("tokenizer-other-type", "tokenizer spec has type 'bpe'", r -> {
                    Path c = copy(r);
                    Files.writeString(c.resolve("tokenizer.json"), "{\"type\": \"bpe\", \"version\": 1}");
                    return generate(c);
                }),
                row("tokenizer-not-json", "not valid JSON", r -> {
                    Path c = copy(r);
                    Files.writeString(c.resolve("tokenizer.json"), "{\"type\": ");
                    return generate(c);
                }),
                row("hf-folder-no-tokenizer", "tokenizer.json", r -> {
                    Path hf = Files.createDirectories(r.resolve("hf"));
                    Files.copy(checkpoint.resolve("config.json"), hf.resolve("config.json"));
                    Files.copy(checkpoint.resolve("model.safetensors"), hf.resolve("model.safetensors"));
                    return trainInto(r, "--model-hf", hf.toString());
                }),
                // checkpoint
                row("checkpoint-missing", "is not a folder", r -> generate(r.resolve("nope"))),
                row("checkpoint-no-metadata", "has no quietstar.json", r -> {
                    Path c = copy(r);
                    Files.delete(c.resolve("quietstar.json"));
                    return generate(c);
                }),
                row("checkpoint-metadata-malformed", "malformed quietstar.json", r -> {
                    Path c = copy(r);
                    Files.writeString(c.resolve("quietstar.json"), "{\"format_version\": ");
                    return generate(c);
                }),
                row("checkpoint-config-missing", "has no config.json", r -> {
                    Path c = copy(r);
                    Files.delete(c.resolve("config.json"));
                    return generate(c);
                }),
                row("weights-truncated", "is truncated", r -> {
                    Path c = copy(r);
                    byte[] w = Files.readAllBytes(c.resolve("model.safetensors"));
                    Files.write(c.resolve("model.safetensors"), java.util.Arrays.copyOf(w, w.length - 100));
                    return generate(c);
                }),
                row("weights-offsets-past-end", "needs bytes up to 16 but the data section has 8",
                        r -> generate(withWeights(r, tensor, 8))),
                row("weights-overlap", "overlap", r -> generate(withWeights(r,
                        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12))),
                row("weights-huge-shape", "4000000000000 bytes", r -> generate(withWeights(r,
                        "{\"w\":{\"dtype\":\"F32\",\"shape\":[1000000,1000000],\"data_offsets\":[0,8]}}", 8))),
                row("weights-header-length", "corrupt header length 1152921504606846976",
                        r -> generate(withWeights(r, 1L << 60, "{}", 0))),
                row("weights-unknown-dtype", "dtype 'F8_E4M3', which is not supported", r -> generate(withWeights(r,
                        "{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[4],\"data_offsets\":[0,4]}}", 4))),
                row("weights-missing-tensor", "is missing tensor 'transformer.ln_f.bias'",
                        r -> generate(withEditedTensors(r, (m, t) -> t.remove("transformer.ln_f.bias")))),
                row("weights-wrong-shape", "tensor 'transformer.ln_f.bias' has shape (31), expected (32)",
                        r -> generate(withEditedTensors(r, (m, t) -> t.put("transformer.ln_f.bias",
                                m.zeros(new ai.djl.ndarray.types.Shape(31)))))),
                row("weights-nan", "holds NaN or infinite values",
                        r -> generate(withEditedTensors(r, (m, t) -> t.put("transformer.ln_f.bias",
                                m.full(new ai.djl.ndarray.types.Shape(32), Float.NaN))))),
                row("shard-outside-folder", "names shard '../x.safetensors'", r -> {
                    Path c = copy(r);
                    Files.delete(c.resolve("model.safetensors"));
                    Files.writeString(c.resolve("model.safetensors.index.json"),
                            "{\"weight_map\": {\"w\": \"../x.safetensors\"}}");
                    return generate(c);
                }),
                row("resume-without-state", "no training-state", r -> trainInto(r, "--resume", copy(r).toString())),
                // prompt
                row("prompt-empty", "prompt is empty", r -> List.of("generate", "--model", checkpoint.toString(),
                        "--prompt", "")),
                row("prompt-too-long", "longer than the model's context", r -> List.of("generate", "--model",
                        checkpoint.toString(), "--prompt", "x".repeat(80))),
                row("max-tokens-zero", "maxNewTokens must be > 0", r -> generate(checkpoint, "--max-tokens", "0")),
                row("max-tokens-too-many", "lower maxNewTokens to at most", r -> generate(checkpoint,
                        "--max-tokens", "60")),
                row("top-p-out-of-range", "topP", r -> generate(checkpoint, "--top-p", "2")),
                // command line
                row("unknown-option", "Unknown options: '--speed'", r -> generate(checkpoint, "--speed", "3")),
                row("missing-required-option", "Missing required option: '--prompt", r -> List.of("generate",
                        "--model", checkpoint.toString())),
                row("not-a-number", "Invalid value for option '--max-tokens'", r -> generate(checkpoint,
                        "--max-tokens", "many")),
                row("two-starting-models", "mutually exclusive", r -> trainInto(r, "--tiny", "--init",
                        checkpoint.toString())),
                row("probe-input-missing", "does not exist", r -> List.of("probe", "--model", checkpoint.toString(),
                        "--input", r.resolve("nope.json").toString())),
                row("probe-input-malformed", "malformed probe input", r -> List.of("probe", "--model",
                        checkpoint.toString(), "--input", probeInput(r, "{\"input_ids\": [[1, 2]").toString())),
                row("probe-input-unknown-key", "pad", r -> List.of("probe", "--model", checkpoint.toString(),
                        "--input", probeInput(r, "{\"input_ids\": [[1,2,3,4]], \"thought_ids\": [], \"pad\": 0}")
                                .toString())),
                row("probe-leading-pad", "input_ids[0][0] is pad_id 258", r -> List.of("probe", "--model",
                        checkpoint.toString(), "--input", probeInput(r, "{\"input_ids\": [[258,72,101,108,108]], "
                                + "\"thought_ids\": [[[1,2],[1,2],[1,2],[1,2],[1,2]]], \"pad_id\": 258}")
                                .toString())),
                row("eval-unknown-setting", "unknown evaluation setting 'sometimes'", r -> List.of("eval",
                        "--model", checkpoint.toString(), "--data", data.toString(), "--settings", "sometimes")),
                row("report-metrics-not-a-file", "--metrics", r -> List.of("report", "--model",
                        checkpoint.toString(), "--text", "Hi there", "--metrics", r.toString(), "--output",
                        r.resolve("r.html").toString())));
    }

    /** Appends the row's first error line to target/bad-input-table.md, the source of the table in the docs. */
    private static synchronized void record(String id, String err) throws IOException {
        Path table = Path.of("target", "bad-input-table.md");
        String first = err.lines().findFirst().orElse("").replace(dir.toString(), "<tmp>").replace("|", "\\|");
        Files.writeString(table, "| " + id + " | `" + first + "` |\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void failsWithAClearErrorAndNoStackTrace(String id, String expected, Setup setup) throws Exception {
        Path rowDir = Files.createDirectories(dir.resolve("rows").resolve(id));
        List<String> args = setup.args(rowDir);
        CliRun r = CliRun.of(args.toArray(new String[0]));
        record(id, r.err());
        assertThat(r.exitCode()).as("exit code of %s; stderr: %s", args, r.err()).isNotZero();
        assertThat(r.err()).as("stderr of %s", id).contains(expected);
        assertThat(r.err()).as("no stack trace for %s", id).doesNotContain("\tat ").doesNotContain("Exception");
        // nothing half-written appears where the output would go
        Path out = rowDir.resolve("out");
        if (Files.isDirectory(out.resolve("checkpoints"))) {
            try (Stream<Path> s = Files.list(out.resolve("checkpoints"))) {
                assertThat(s.toList()).as("checkpoints of a failed run").isEmpty();
            }
        }
    }

    @org.junit.jupiter.api.Test
    void aDefectRatherThanABadInputIsReportedAsAnInternalErrorWithoutAStackTrace() {
        assertThat(QuietStarCommand.userMessage(new NullPointerException()))
                .startsWith("internal error (NullPointerException)").contains("-Dquietstar.stacktrace=true");
        assertThat(QuietStarCommand.userMessage(new IllegalArgumentException("data file x does not exist")))
                .isEqualTo("data file x does not exist");
        assertThat(QuietStarCommand.userMessage(new IllegalStateException(""))).startsWith("internal error");
    }
}
