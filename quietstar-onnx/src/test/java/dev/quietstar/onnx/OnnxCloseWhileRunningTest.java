package dev.quietstar.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quietstar.api.GenerationOptions;
import dev.quietstar.api.GenerationResult;
import dev.quietstar.onnx.export.OnnxExporter;
import dev.quietstar.onnx.infer.OnnxReasoner;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Closing an ONNX reasoner while a generation runs on another thread used to free the native sessions under it and
 * crash the JVM (SIGSEGV in libonnxruntime): close now refuses new calls at once and waits for running ones.
 */
class OnnxCloseWhileRunningTest {

    @TempDir
    Path tmp;

    @Test
    void closeWaitsForARunningGenerationAndRefusesNewCalls() throws Exception {
        Path ckpt = tmp.resolve("ckpt");
        TinyCheckpointFiles.gpt2(ckpt, 4, 2);
        Path out = tmp.resolve("onnx");
        OnnxExporter.builder().setCheckpoint(ckpt).setOutput(out).build().export();
        OnnxReasoner reasoner = OnnxReasoner.open(out);
        CountDownLatch firstToken = new CountDownLatch(1);
        CountDownLatch closeStarted = new CountDownLatch(1);
        CompletableFuture<GenerationResult> generation = CompletableFuture.supplyAsync(() ->
                reasoner.generate("abc", GenerationOptions.defaults(6), t -> {
                    firstToken.countDown();
                    try {
                        closeStarted.await(10, TimeUnit.SECONDS);
                        Thread.sleep(200); // the closer is now waiting; the generation goes on using its sessions
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
        assertThat(firstToken.await(30, TimeUnit.SECONDS)).isTrue();
        AtomicReference<Throwable> closeFailure = new AtomicReference<>();
        Thread closer = new Thread(() -> {
            closeStarted.countDown();
            try {
                reasoner.close();
            } catch (Throwable t) {
                closeFailure.set(t);
            }
        });
        closer.start();
        GenerationResult result = generation.get(60, TimeUnit.SECONDS);
        closer.join(60_000);
        assertThat(closer.isAlive()).isFalse();
        assertThat(closeFailure.get()).isNull();
        assertThat(result.tokenIds()).hasSize(6);
        assertThatThrownBy(() -> reasoner.generate("abc", GenerationOptions.defaults(2)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        reasoner.close();
    }

    @Test
    void closingFromInsideOwnCallIsRefusedInsteadOfWaitingForever() throws Exception {
        Path ckpt = tmp.resolve("ckpt2");
        TinyCheckpointFiles.gpt2(ckpt, 5, 2);
        Path out = tmp.resolve("onnx2");
        OnnxExporter.builder().setCheckpoint(ckpt).setOutput(out).build().export();
        try (OnnxReasoner reasoner = OnnxReasoner.open(out)) {
            AtomicReference<Throwable> failure = new AtomicReference<>();
            reasoner.generate("abc", GenerationOptions.defaults(2), t -> {
                try {
                    reasoner.close();
                } catch (IllegalStateException e) {
                    failure.set(e);
                }
            });
            assertThat(failure.get()).hasMessageContaining("from inside one of its own calls");
            assertThat(reasoner.generate("abc", GenerationOptions.defaults(2)).tokenIds()).hasSize(2);
        }
    }
}
