package dev.quietstar.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quietstar.examples.TinyCheckpoints;
import dev.quietstar.onnx.export.OnnxExporter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code tokenizer.json} that produces more ids than the model's {@code config.json} vocab_size is refused when
 * the model is loaded, naming both numbers and both files, on both backends. It used to load: ids past the embedding
 * table failed mid-run ("token ids must be in 0..262"), and the meta-tokens appended after the model's 261 ids took
 * ids the tokenizer already gives to ordinary words.
 */
class TokenizerLargerThanVocabularyTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int TOKENIZER_IDS = 400;

    @TempDir
    static Path dir;
    private static Path checkpoint;

    /** A WordLevel tokenizer.json with ids 0..399. */
    private static String wordLevel() throws Exception {
        ObjectNode vocab = JSON.createObjectNode();
        vocab.put("<unk>", 0);
        vocab.put("</s>", 1);
        for (int i = 2; i < TOKENIZER_IDS; i++) {
            vocab.put("w" + i, i);
        }
        return "{\"version\":\"1.0\",\"added_tokens\":[],\"normalizer\":null,"
                + "\"pre_tokenizer\":{\"type\":\"Whitespace\"},\"post_processor\":null,\"decoder\":null,"
                + "\"model\":{\"type\":\"WordLevel\",\"vocab\":" + JSON.writeValueAsString(vocab)
                + ",\"unk_token\":\"<unk>\"}}";
    }

    @BeforeAll
    static void tinyCheckpoint() throws Exception {
        checkpoint = TinyCheckpoints.save(dir.resolve("tiny"), 3);
    }

    private static void assertRefused(CliRun r, Path folder) {
        assertThat(r.exitCode()).as(r.err()).isNotZero();
        assertThat(r.err()).contains(folder.resolve("tokenizer.json") + " produces ids 0..399 (400 ids)")
                .contains(folder.resolve("config.json") + " gives the model a vocabulary of 261")
                .contains("vocab_size of at least 400").doesNotContain("internal error");
    }

    @Test
    void aHuggingFaceFolderIsRefusedForGenerationAndTraining() throws Exception {
        Path hf = Files.createDirectories(dir.resolve("hf"));
        Files.copy(checkpoint.resolve("config.json"), hf.resolve("config.json"));
        Files.copy(checkpoint.resolve("model.safetensors"), hf.resolve("model.safetensors"));
        Files.writeString(hf.resolve("tokenizer.json"), wordLevel());
        assertRefused(CliRun.of("generate", "--model-hf", hf.toString(), "--prompt", "w2 w398", "--max-tokens", "2"),
                hf);
        Path data = Files.writeString(dir.resolve("d.txt"), "w2 w3 w398 w4\n\nw5 w6\n");
        assertRefused(CliRun.of("train", "--model-hf", hf.toString(), "--data", data.toString(), "--set",
                "training.steps=1", "--set", "sequenceLength=8", "--output", dir.resolve("out").toString()), hf);
    }

    @Test
    void aCheckpointIsRefusedOnBothBackends() throws Exception {
        Path c = Files.createDirectories(dir.resolve("ckpt"));
        for (String f : new String[] {"config.json", "model.safetensors"}) {
            Files.copy(checkpoint.resolve(f), c.resolve(f));
        }
        Files.writeString(c.resolve("tokenizer.json"), wordLevel());
        ObjectNode meta = (ObjectNode) JSON.readTree(checkpoint.resolve("quietstar.json").toFile());
        meta.put("tokenizer_type", "huggingface");
        meta.putObject("appended_tokens");
        Files.writeString(c.resolve("quietstar.json"), JSON.writeValueAsString(meta));
        assertRefused(CliRun.of("generate", "--backend", "djl-pytorch", "--model", c.toString(), "--prompt", "w2",
                "--max-tokens", "2"), c);
        Path export = OnnxExporter.builder().setCheckpoint(c).setOutput(dir.resolve("export")).build().export()
                .folder();
        assertRefused(CliRun.of("generate", "--model", export.toString(), "--prompt", "w2", "--max-tokens", "2"),
                export);
    }
}
