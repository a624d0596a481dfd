package dev.quietstar.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quietstar.core.io.OutputFile;
import dev.quietstar.core.io.OutputFolder;
import dev.quietstar.core.report.ThoughtReport;
import dev.quietstar.examples.TinyCheckpoints;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One writer at a time per destination, through the command line: the second is refused naming the first's pid. */
class WriterLockCliTest {

    @TempDir
    static Path dir;
    private static Path checkpoint;
    private static Path questions;

    @BeforeAll
    static void model() throws Exception {
        checkpoint = TinyCheckpoints.save(dir.resolve("tiny"), 5);
        questions = Files.writeString(dir.resolve("q.jsonl"),
                "{\"question\": \"What is 1 plus 2?\", \"answer\": \"#### 3\"}\n");
    }

    @Test
    void aSecondEvalIntoTheSameFolderIsRefusedNamingTheWriter() throws Exception {
        Path out = dir.resolve("eval-out");
        String pid = Long.toString(ProcessHandle.current().pid());
        try (OutputFolder.Claim held = OutputFolder.builder(out, EvalCommand.KIND).build().claim()) {
            CliRun second = CliRun.of("eval", "--model", checkpoint.toString(), "--data", questions.toString(),
                    "--settings", "off", "--no-generate", "--output", out.toString(), "--replace");
            assertThat(second.exitCode()).isEqualTo(1);
            assertThat(second.err()).contains("another quietstar writer (process " + pid)
                    .contains("is writing --output " + out).contains("wait for it to finish");
        }
        assertThat(out).as("the refused writer wrote nothing").doesNotExist();
        CliRun after = CliRun.of("eval", "--model", checkpoint.toString(), "--data", questions.toString(),
                "--settings", "off", "--no-generate", "--output", out.toString());
        assertThat(after.exitCode()).as(after.err()).isZero();
    }

    @Test
    void aSecondReportIntoTheSameFileIsRefusedNamingTheWriter() throws Exception {
        Path html = dir.resolve("page.html");
        try (OutputFile.Claim held = OutputFile.builder(html, ThoughtReport.KIND).build().claim()) {
            CliRun second = CliRun.of("report", "--model", checkpoint.toString(), "--text", "Hi", "--output",
                    html.toString());
            assertThat(second.exitCode()).isEqualTo(1);
            assertThat(second.err()).contains("process " + ProcessHandle.current().pid());
        }
        assertThat(html).doesNotExist();
    }
}
