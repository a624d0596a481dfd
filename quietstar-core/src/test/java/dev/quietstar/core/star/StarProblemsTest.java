package dev.quietstar.core.star;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StarProblemsTest {

    @TempDir
    Path dir;

    @Test
    void gsm8kLinesBecomeProblemsWithTheWorkedSolutionAsReference() throws IOException {
        Path f = dir.resolve("train.jsonl");
        Files.writeString(f, "{\"question\": \"Natalia sold 48 clips in April and half as many in May. Total?\", "
                + "\"answer\": \"In May she sold 48/2 = <<48/2=24>>24.\\nIn all 48+24 = <<48+24=72>>72.\\n#### 72\"}\n"
                + "\n"
                + "{\"question\": \"How much is 1,000 plus 234?\", \"answer\": \"1000+234=1234\\n#### 1,234\"}\n");
        List<StarProblem> p = StarProblems.gsm8k(f);
        assertThat(p).hasSize(2);
        assertThat(p.get(0).answer()).isEqualTo("72");
        assertThat(p.get(0).reference()).isEqualTo("In May she sold 48/2 = <<48/2=24>>24.\nIn all 48+24 = <<48+24=72>>72.");
        assertThat(p.get(1).answer()).isEqualTo("1234");
    }

    @Test
    void badLinesAreNamed() throws IOException {
        Path notJson = dir.resolve("a.jsonl");
        Files.writeString(notJson, "{\"question\": \"q\", \"answer\": \"x\\n#### 1\"}\n{oops\n");
        assertThatThrownBy(() -> StarProblems.gsm8k(notJson)).hasMessageContaining("line 2")
                .hasMessageContaining("not JSON");
        Path noMark = dir.resolve("b.jsonl");
        Files.writeString(noMark, "{\"question\": \"q\", \"answer\": \"just 4\"}\n");
        assertThatThrownBy(() -> StarProblems.gsm8k(noMark)).hasMessageContaining("line 1")
                .hasMessageContaining("####");
        Path missing = dir.resolve("c.jsonl");
        Files.writeString(missing, "{\"text\": \"q\"}\n");
        assertThatThrownBy(() -> StarProblems.gsm8k(missing)).hasMessageContaining("\"question\" and \"answer\"");
        Path empty = dir.resolve("d.jsonl");
        Files.writeString(empty, "\n\n");
        assertThatThrownBy(() -> StarProblems.gsm8k(empty)).hasMessageContaining("no problem");
    }
}
