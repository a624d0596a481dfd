package dev.quietstar.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OrtEnvironment;
import dev.quietstar.api.GenerationOptions;
import dev.quietstar.api.GenerationResult;
import dev.quietstar.api.Reasoner;
import dev.quietstar.onnx.export.OnnxExporter;
import dev.quietstar.onnx.infer.OnnxReasoner;
import dev.quietstar.onnx.infer.OnnxRuntimeSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The session settings a process sets through system properties (engine threads, ONNX Runtime's CPU memory arena):
 * turning the arena off changes where tensors are allocated, never what a generation returns, and a malformed value
 * is refused with the property's name.
 */
class OnnxSessionPropertiesTest {

    @TempDir
    Path tmp;

    @AfterEach
    void clearProperties() {
        System.clearProperty(OnnxBackend.ARENA_PROPERTY);
        System.clearProperty(OnnxBackend.THREADS_PROPERTY);
    }

    private Path export() throws Exception {
        Path ckpt = TinyCheckpointFiles.llama(tmp.resolve("ckpt"), 11, 2);
        Path out = tmp.resolve("onnx");
        OnnxExporter.builder().setCheckpoint(ckpt).setOutput(out).build().export();
        return out;
    }

    @Test
    void withoutTheArenaGenerationsAreTheSameAlsoWhenCallsRunAtOnce() throws Exception {
        Path out = export();
        List<String> prompts = List.of("Hi", "Once upon a time", "1 + 2 = ", "xyz");
        GenerationOptions options = GenerationOptions.defaults(6);
        List<GenerationResult> withArena = new ArrayList<>();
        try (OnnxReasoner r = OnnxReasoner.open(out, OnnxRuntimeSettings.defaults().withIntraOpThreads(1))) {
            for (String p : prompts) {
                withArena.add(r.generate(p, options));
            }
        }
        OnnxRuntimeSettings noArena = OnnxRuntimeSettings.defaults().withIntraOpThreads(1).withCpuMemoryArena(false);
        assertThat(noArena.cpuMemoryArena()).isFalse();
        try (OnnxReasoner r = OnnxReasoner.open(out, noArena)) {
            ExecutorService pool = Executors.newFixedThreadPool(prompts.size());
            try {
                List<Future<GenerationResult>> futures = new ArrayList<>();
                for (String p : prompts) {
                    futures.add(pool.submit(() -> r.generate(p, options)));
                }
                for (int i = 0; i < prompts.size(); i++) {
                    assertThat(futures.get(i).get().traces()).as("prompt %d", i)
                            .isEqualTo(withArena.get(i).traces());
                }
            } finally {
                pool.shutdown();
            }
        }
    }

    @Test
    void theBackendReadsTheArenaPropertyAndRefusesAnythingButTrueOrFalse() throws Exception {
        Path out = export();
        OnnxBackend backend = new OnnxBackend(OrtEnvironment.getEnvironment());
        GenerationOptions options = GenerationOptions.defaults(5);
        GenerationResult expected;
        try (Reasoner r = backend.openReasoner(out)) {
            expected = r.generate("abc", options);
        }
        System.setProperty(OnnxBackend.ARENA_PROPERTY, " FALSE ");
        try (Reasoner r = backend.openReasoner(out)) {
            assertThat(r.generate("abc", options).traces()).isEqualTo(expected.traces());
        }
        System.setProperty(OnnxBackend.ARENA_PROPERTY, "off");
        assertThatThrownBy(() -> backend.openReasoner(out)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-D" + OnnxBackend.ARENA_PROPERTY).hasMessageContaining("true or false")
                .hasMessageContaining("'off'");
    }

    @Test
    void aMalformedThreadCountIsRefusedWithTheProperty() throws Exception {
        Path out = export();
        OnnxBackend backend = new OnnxBackend(OrtEnvironment.getEnvironment());
        System.setProperty(OnnxBackend.THREADS_PROPERTY, "two");
        assertThatThrownBy(() -> backend.openReasoner(out)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-D" + OnnxBackend.THREADS_PROPERTY).hasMessageContaining("'two'");
        System.setProperty(OnnxBackend.THREADS_PROPERTY, "-1");
        assertThatThrownBy(() -> backend.openReasoner(out)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'-1'");
    }
}
