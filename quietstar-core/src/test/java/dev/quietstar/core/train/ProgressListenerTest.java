package dev.quietstar.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quietstar.api.StepMetrics;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import org.junit.jupiter.api.Test;

class ProgressListenerTest {

    private static StepMetrics metrics(int step) {
        return new StepMetrics(step, 2.31415, 2.3, 0.0, 2.3, 2.3, 2.3, 2.3, 0.0123, 0.0, 1e-6, 1.0, 1520.4, 9000.0);
    }

    @Test
    void summaryShowsLossRewardAndSpeed() {
        assertThat(ProgressListener.summary(metrics(1))).isEqualTo("loss 2.3142 reward 0.01230 1520 tok/s");
        StepMetrics nan = new StepMetrics(1, Double.NaN, 0, 0, 0, 0, 0, 0, Double.NaN, 0, 0, 0, 0, 0);
        assertThat(ProgressListener.summary(nan)).contains("loss NaN", "reward NaN");
    }

    @Test
    void loggingPathHandlesEveryStepWithoutThrowing() {
        try (ProgressListener listener = new ProgressListener("train", 25, 10, null)) {
            assertThat(listener.drawsBar()).isFalse();
            for (int step = 1; step <= 25; step++) {
                listener.onStep(metrics(step));
            }
            assertThat(listener.lastStep()).isEqualTo(25);
        }
    }

    @Test
    void publicConstructorWithoutAConsoleLogs() {
        // Test JVMs run without a console, so the listener must choose log lines.
        if (System.console() == null) {
            try (ProgressListener listener = new ProgressListener("train", 3)) {
                assertThat(listener.drawsBar()).isFalse();
                listener.onStep(metrics(1));
                assertThat(listener.lastStep()).isEqualTo(1);
            }
        }
    }

    @Test
    void barPathShowsTheSummary() {
        List<String> frames = new CopyOnWriteArrayList<>();
        try (ProgressListener listener = new ProgressListener("demo", 4, 1,
                new DelegatingProgressBarConsumer(frames::add, 120))) {
            assertThat(listener.drawsBar()).isTrue();
            for (int step = 1; step <= 4; step++) {
                listener.onStep(metrics(step));
            }
        }
        assertThat(frames).isNotEmpty();
        assertThat(frames.get(frames.size() - 1)).contains("demo", "4/4", "loss 2.3142");
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> new ProgressListener("x", 0, 1, null)).hasMessageContaining("totalSteps");
        assertThatThrownBy(() -> new ProgressListener("x", 5, 0, null)).hasMessageContaining("logEvery");
    }
}
