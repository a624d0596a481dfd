package dev.quietstar.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quietstar.api.StepMetrics;
import dev.quietstar.core.train.MetricsJsonlWriter;
import dev.quietstar.djl.infer.DjlReasoner;
import dev.quietstar.examples.TinyCheckpoints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportCommandTest {

    private static final String TEXT = "Q: 12+30=?\nA: 42\n";

    @TempDir
    static Path dir;
    private static Path checkpoint;

    @BeforeAll
    static void saveTinyCheckpoint() throws Exception {
        checkpoint = TinyCheckpoints.save(dir.resolve("tiny"), 8);
    }

    private static int count(String html, String regex) {
        Matcher m = Pattern.compile(regex).matcher(html);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    @Test
    void writesOneTokenSpanPerScoredTokenAndTheCharts() throws Exception {
        Path metrics = dir.resolve("metrics.jsonl");
        try (MetricsJsonlWriter w = new MetricsJsonlWriter(metrics)) {
            for (int step = 1; step <= 5; step++) {
                w.onStep(new StepMetrics(step, 3.0 / step, 2.5 / step, 0.1, 2.6, 2.5 / step, 2.6, 2.5, 0.01 * step,
                        0.02 * step, 1e-4, 1.0, 100, 400));
            }
        }
        Path html = dir.resolve("out/report.html");
        CliRun r = CliRun.of("report", "--model", checkpoint.toString(), "--text", TEXT, "--metrics", metrics.toString(),
                "--output", html.toString());
        assertThat(r.exitCode()).as(r.err()).isEqualTo(0);
        assertThat(html).exists();
        String page = Files.readString(html);
        int scored;
        try (DjlReasoner reasoner = DjlReasoner.open(checkpoint, ai.djl.Device.cpu())) {
            scored = reasoner.score(TEXT).tokenIds().size();
        }
        assertThat(scored).isEqualTo(TEXT.length()); // byte-level: every character is a token after the BOS
        assertThat(count(page, "<span class=\"tok ")).isEqualTo(scored);
        assertThat(page).contains("<svg");
        assertThat(r.out()).contains("scored " + scored + " tokens").contains("wrote ");
    }

    @Test
    void worksWithoutMetricsAndNamesBadInput() {
        Path html = dir.resolve("plain.html");
        CliRun r = CliRun.of("report", "--model", checkpoint.toString(), "--text", "Hello there", "--output",
                html.toString());
        assertThat(r.exitCode()).as(r.err()).isEqualTo(0);
        assertThat(html).exists();
        CliRun none = CliRun.of("report", "--model", checkpoint.toString(), "--output", html.toString());
        assertThat(none.exitCode()).isEqualTo(1);
        assertThat(none.err()).contains("--text");
        CliRun badMetrics = CliRun.of("report", "--model", checkpoint.toString(), "--text", "Hi", "--metrics",
                dir.resolve("none.jsonl").toString(), "--output", html.toString());
        assertThat(badMetrics.err()).contains("--metrics").contains("does not exist");
    }

    @Test
    void aTextFileThatNeverEndsIsRefusedBeforeItIsRead() throws Exception {
        // /dev/zero used to be read until the JVM ran out of memory.
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.exists(Path.of("/dev/zero")));
        CliRun r = CliRun.of("report", "--model", checkpoint.toString(), "--text-file", "/dev/zero", "--output",
                dir.resolve("zero").toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("--text-file /dev/zero is not a regular file");
        Path big = dir.resolve("big.txt");
        try (var out = java.nio.file.Files.newOutputStream(big)) {
            out.write(new byte[(int) ReportCommand.MAX_TEXT_BYTES + 1]);
        }
        CliRun tooBig = CliRun.of("report", "--model", checkpoint.toString(), "--text-file", big.toString(),
                "--output", dir.resolve("big").toString());
        assertThat(tooBig.exitCode()).isEqualTo(1);
        assertThat(tooBig.err()).contains("more than the " + ReportCommand.MAX_TEXT_BYTES + " accepted");
    }
}
