package dev.quietstar.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quietstar.api.GenerationOptions;
import dev.quietstar.api.GenerationResult;
import dev.quietstar.api.ThinkingPolicy;
import dev.quietstar.api.TokenTrace;
import dev.quietstar.onnx.export.OnnxExporter;
import dev.quietstar.onnx.export.OnnxLayout;
import dev.quietstar.onnx.infer.OnnxReasoner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Export and think-then-talk generation on ONNX Runtime alone: this module's test class path has no DJL. */
class OnnxReasonerTest {

    @TempDir
    Path tmp;

    private Path export(String arch, long seed, int thoughtLength) throws Exception {
        Path ckpt = tmp.resolve(arch + "-ckpt-" + seed);
        if ("llama".equals(arch)) {
            TinyCheckpointFiles.llama(ckpt, seed, thoughtLength);
        } else {
            TinyCheckpointFiles.gpt2(ckpt, seed, thoughtLength);
        }
        Path out = tmp.resolve(arch + "-onnx-" + seed);
        OnnxExporter.builder().setCheckpoint(ckpt).setOutput(out).build().export();
        return out;
    }

    @Test
    void theTestClassPathHoldsNoDjlNorLibtorch() {
        assertThatThrownBy(() -> Class.forName("ai.djl.ndarray.NDArray")).isInstanceOf(ClassNotFoundException.class);
        assertThatThrownBy(() -> Class.forName("ai.djl.pytorch.engine.PtEngine"))
                .isInstanceOf(ClassNotFoundException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama"})
    void exportWritesTheGraphsAndTheFilesBesideThem(String arch) throws Exception {
        Path out = export(arch, 1, 2);
        for (String f : new String[] {OnnxLayout.DECODER_FILE, OnnxLayout.MIXING_HEAD_FILE, "config.json",
            "quietstar.json", "tokenizer.json"}) {
            assertThat(out.resolve(f)).isRegularFile();
        }
        assertThat(out.resolve(OnnxLayout.DECODER_DATA_FILE)).doesNotExist();
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama"})
    void thinkingChangesTheDistributionAndTheTracesShowTheThoughts(String arch) throws Exception {
        Path out = export(arch, 3, 3);
        try (OnnxReasoner r = OnnxReasoner.open(out)) {
            List<TokenTrace> streamed = new ArrayList<>();
            GenerationResult result = r.generate("abc", GenerationOptions.defaults(8), streamed::add);
            assertThat(result.traces()).hasSize(8).allSatisfy(t -> {
                assertThat(t.thought()).isTrue();
                assertThat(t.thoughtIds()).hasSize(3).allSatisfy(id -> assertThat(id).isLessThan(259));
                assertThat(t.probWithThought()).isBetween(0.0, 1.0);
            });
            assertThat(streamed).containsExactlyElementsOf(result.traces());
            assertThat(result.traces()).anySatisfy(t -> assertThat(Math.abs(t.mixingWeight())).isGreaterThan(1e-3));
            GenerationResult again = r.generate("abc", GenerationOptions.defaults(8));
            assertThat(again.tokenIds()).as("a seeded call repeats").isEqualTo(result.tokenIds());
        }
    }

    @Test
    void aBatchEqualsSinglePromptsAndConcurrentCallsEqualSequentialOnes() throws Exception {
        Path out = export("llama", 4, 2);
        List<String> prompts = List.of("Hi", "Once upon a time", "1 + 2 = ");
        GenerationOptions options = GenerationOptions.defaults(6);
        try (OnnxReasoner r = OnnxReasoner.open(out)) {
            List<GenerationResult> batch = r.generateBatch(prompts, options);
            List<GenerationResult> single = new ArrayList<>();
            for (String p : prompts) {
                single.add(r.generate(p, options));
            }
            for (int i = 0; i < prompts.size(); i++) {
                assertThat(batch.get(i).tokenIds()).as("row %d", i).isEqualTo(single.get(i).tokenIds());
            }
            ExecutorService pool = Executors.newFixedThreadPool(3);
            try {
                List<Future<GenerationResult>> futures = new ArrayList<>();
                for (String p : prompts) {
                    futures.add(pool.submit(() -> r.generate(p, options)));
                }
                for (int i = 0; i < prompts.size(); i++) {
                    assertThat(futures.get(i).get().tokenIds()).isEqualTo(single.get(i).tokenIds());
                }
            } finally {
                pool.shutdown();
            }
        }
    }

    @Test
    void externalDataGivesTheSameGenerations() throws Exception {
        Path ckpt = TinyCheckpointFiles.gpt2(tmp.resolve("ckpt"), 5, 2);
        Path inline = tmp.resolve("inline");
        Path external = tmp.resolve("external");
        OnnxExporter.builder().setCheckpoint(ckpt).setOutput(inline).build().export();
        OnnxExporter.Result res = OnnxExporter.builder().setCheckpoint(ckpt).setOutput(external)
                .optExternalDataThresholdBytes(0).build().export();
        assertThat(res.externalData()).isTrue();
        assertThat(external.resolve(OnnxLayout.DECODER_DATA_FILE)).isRegularFile();
        assertThat(Files.size(external.resolve(OnnxLayout.DECODER_FILE)))
                .isLessThan(Files.size(inline.resolve(OnnxLayout.DECODER_FILE)) / 4);
        try (OnnxReasoner a = OnnxReasoner.open(inline); OnnxReasoner b = OnnxReasoner.open(external)) {
            GenerationOptions o = GenerationOptions.defaults(10);
            assertThat(b.generate("xyz", o).traces()).isEqualTo(a.generate("xyz", o).traces());
        }
    }

    @Test
    void scoringGivesOneEntryPerTokenAndRepeats() throws Exception {
        Path out = export("gpt2", 6, 2);
        try (OnnxReasoner r = OnnxReasoner.open(out)) {
            var s = r.score("hello");
            assertThat(s.tokenIds()).hasSize(5);
            assertThat(s.baseLogProbs()).allSatisfy(p -> assertThat(p).isNegative());
            assertThat(s.thoughts()).hasSize(5);
            assertThat(r.score("hello")).isEqualTo(s);
        }
    }
}
