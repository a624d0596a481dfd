package dev.quietstar.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.quietstar.api.Reasoner;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.infer.DjlReasoner;
import dev.quietstar.djl.model.Safetensors;
import dev.quietstar.examples.TinyCheckpoints;
import dev.quietstar.onnx.export.OnnxExporter;
import dev.quietstar.onnx.infer.OnnxReasoner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A checkpoint whose token embedding was scaled by 1e30 holds only finite weights, so it loads; but every forward
 * pass overflows and its logits are NaN. Generation and evaluation used to sample from those NaN logits and exit 0
 * with text and metrics made of them, on both backends; now both stop with an error naming the cause and the model.
 */
class NonFiniteOutputTest {

    @TempDir
    static Path dir;
    private static Path checkpoint;
    private static Path export;
    private static Path questions;

    @BeforeAll
    static void corruptCheckpointAndExport() throws Exception {
        DjlEngines.pytorch();
        Path healthy = TinyCheckpoints.save(dir.resolve("healthy"), 5);
        checkpoint = Files.createDirectories(dir.resolve("huge-embedding"));
        for (String f : List.of("config.json", "quietstar.json", "tokenizer.json")) {
            Files.copy(healthy.resolve(f), checkpoint.resolve(f));
        }
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> t = new LinkedHashMap<>(Safetensors.read(m, healthy.resolve("model.safetensors")));
            t.put("transformer.wte.weight", t.get("transformer.wte.weight").mul(1e30f));
            Safetensors.write(checkpoint.resolve("model.safetensors"), t);
        }
        export = OnnxExporter.builder().setCheckpoint(checkpoint).setOutput(dir.resolve("huge-embedding-onnx"))
                .build().export().folder();
        questions = Files.writeString(dir.resolve("q.jsonl"),
                "{\"question\":\"What is 2+3?\",\"answer\":\"2+3=5 #### 5\"}\n");
    }

    private static Path model(String backend) {
        return backend.equals("onnxruntime") ? export : checkpoint;
    }

    private static void assertRefused(CliRun run, Path model) {
        assertThat(run.exitCode()).as(run.out() + run.err()).isNotZero();
        assertThat(run.err()).contains("the model produced NaN values in its")
                .contains("weights or config.json").contains("check " + model)
                .doesNotContain("internal error").doesNotContain("\tat ");
    }

    @ParameterizedTest
    @ValueSource(strings = {"djl-pytorch", "onnxruntime"})
    void generationRefusesNanLogits(String backend) {
        Path model = model(backend);
        assertRefused(CliRun.of("generate", "--backend", backend, "--model", model.toString(), "--prompt", "Hi",
                "--max-tokens", "2"), model);
    }

    @ParameterizedTest
    @ValueSource(strings = {"djl-pytorch", "onnxruntime"})
    void evaluationRefusesNanLogits(String backend) {
        Path model = model(backend);
        assertRefused(CliRun.of("eval", "--backend", backend, "--model", model.toString(), "--data",
                questions.toString(), "--output", dir.resolve("eval-" + backend).toString()), model);
        assertThat(dir.resolve("eval-" + backend).resolve("summary.json")).doesNotExist();
    }

    @Test
    void scoringRefusesNanOnBothBackends() throws Exception {
        // DJL scores through its own parallel path, not a decoder step; ONNX through core's scorer.
        try (Reasoner djl = DjlReasoner.open(checkpoint, Device.cpu())) {
            assertThatThrownBy(() -> djl.score("Hello")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("NaN values").hasMessageContaining("check " + checkpoint);
        }
        try (Reasoner onnx = OnnxReasoner.open(export)) {
            assertThatThrownBy(() -> onnx.score("Hello")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("NaN values").hasMessageContaining("check " + export);
        }
    }
}
