package dev.quietstar.core.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cutting a metrics file back to a resumed run's last step, at the edges of the kept range. */
class MetricsTruncationTest {

    @TempDir
    Path dir;

    @Test
    void keepsStepsOneToLastStepAndSkipsBlankLines() throws Exception {
        Path f = dir.resolve("metrics.jsonl");
        String one = "{\"step\":1,\"loss\":2.0}\n";
        String two = "{\"step\":2,\"loss\":1.5}\n";
        Files.writeString(f, "\n" + one + "{\"step\":0}\n" + two + "{\"step\":3}\n[1]\n");
        assertThat(MetricsJsonlWriter.truncateAfter(f, 2)).isEqualTo(3);
        assertThat(Files.readString(f)).isEqualTo(one + two);
        // a clean file that starts with a blank line is left as it is
        Files.writeString(f, "\n" + one);
        assertThat(MetricsJsonlWriter.truncateAfter(f, 1)).isZero();
        assertThat(Files.readString(f)).isEqualTo("\n" + one);
    }
}
