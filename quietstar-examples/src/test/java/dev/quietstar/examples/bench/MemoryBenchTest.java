package dev.quietstar.examples.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Native memory stays flat over generation and training (a short run of {@link MemoryBench}; the long run of
 * 10 000 tokens and 1 000 steps is in {@code docs/reliability.md}).
 */
class MemoryBenchTest {

    private static final long MIB = 1024 * 1024;

    @TempDir
    Path dir;

    @Test
    void liveNativeArraysDoNotGrowAndResidentMemoryStaysWithinABound() throws Exception {
        // A first run warms up the JIT and the allocators, so the second half of the measured run sees steady state.
        MemoryBench.run(200, 20, dir.resolve("warm-up"));
        MemoryBench.Result r = MemoryBench.run(400, 40, dir.resolve("train"));
        assertThat(r.generatedTokens()).isGreaterThanOrEqualTo(400);
        assertThat(r.trainingSteps()).isEqualTo(40);
        assertThat(r.liveArraysAtEndOfGeneration()).as(r.toJson()).isEqualTo(r.liveArraysAfterWarmUp());
        assertThat(r.liveArraysAtEndOfTraining()).as(r.toJson()).isEqualTo(r.liveArraysAfterWarmUpSteps());
        if (r.rssGenerationStartBytes() > 0) {
            // Resident memory over the second half of each phase; a leak grows it step by step.
            assertThat(r.rssGenerationEndBytes() - r.rssGenerationStartBytes()).as(r.toJson())
                    .isLessThan(64 * MIB);
            assertThat(r.rssTrainingEndBytes() - r.rssTrainingStartBytes()).as(r.toJson()).isLessThan(64 * MIB);
        }
    }
}
