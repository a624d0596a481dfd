package dev.quietstar.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quietstar.core.llama2c.Llama2cReference;
import dev.quietstar.core.llama2c.Stories260K;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code convert llama2c} and the plain-model modes of {@code generate} and {@code report} on stories260K. */
class ConvertCommandTest {

    @TempDir
    static Path dir;
    private static Path converted;

    @BeforeAll
    static void convert() {
        converted = dir.resolve("s260");
        String[] r = run("convert", "llama2c", "--weights", Stories260K.weights().toString(), "--tokenizer",
                Stories260K.tokenizer().toString(), "--output", converted.toString());
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        assertThat(r[1]).contains("8 query / 4 key-value heads");
    }

    private static String[] run(String... args) {
        CommandLine cl = QuietStarCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new String[] {String.valueOf(code), out.toString(), err.toString()};
    }

    @Test
    void generateOnTheConvertedFolderPrintsLlama2csGreedyText() throws Exception {
        String[] r = run("generate", "--model-hf", converted.toString(), "--prompt", Stories260K.PROMPT,
                "--no-think", "--max-tokens", "40");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        // llama2.c's C runtime with the prompt and 40 generated tokens (the README's text is its first part).
        Llama2cReference ref = Llama2cReference.load(Stories260K.weights(), Stories260K.tokenizer());
        int promptTokens = ref.encode(Stories260K.PROMPT, true).size();
        String expected = ref.generateGreedy(Stories260K.PROMPT, promptTokens + 40 - 1).text();
        assertThat(r[1]).isEqualTo(expected + System.lineSeparator());
        assertThat(Stories260K.GREEDY_TEXT).startsWith(expected);
        assertThat(expected).endsWith("red ball.");
    }

    @Test
    void aPlainModelDoesNotThinkUnlessAsked() {
        String[] r = run("generate", "--model-hf", converted.toString(), "--prompt", Stories260K.PROMPT,
                "--max-tokens", "5", "--show-thoughts");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        assertThat(r[1]).doesNotContain("<'").contains("stopped: max_tokens");
    }

    @Test
    void reportScoresAPlainModel() throws Exception {
        Path html = dir.resolve("report.html");
        String[] r = run("report", "--model-hf", converted.toString(), "--text", Stories260K.GREEDY_TEXT,
                "--output", html.toString());
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        assertThat(Files.readString(html)).contains("Lily");
    }

    @Test
    void badFilesGetAClearErrorAndNoStackTrace() throws Exception {
        Path cut = dir.resolve("cut.bin");
        Files.write(cut, Arrays.copyOf(Files.readAllBytes(Stories260K.weights()), 5000));
        String[] r = run("convert", "llama2c", "--weights", cut.toString(), "--tokenizer",
                Stories260K.tokenizer().toString(), "--output", dir.resolve("out1").toString());
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[2]).contains("error: llama2.c weight file").contains("truncated").doesNotContain("\tat ");
        assertThat(dir.resolve("out1")).doesNotExist();

        String[] again = run("convert", "llama2c", "--weights", Stories260K.weights().toString(), "--tokenizer",
                Stories260K.tokenizer().toString(), "--output", converted.toString());
        assertThat(again[0]).isEqualTo("1");
        assertThat(again[2]).contains("already exists");

        String[] both = run("generate", "--model-hf", converted.toString(), "--model", converted.toString(),
                "--prompt", "x");
        assertThat(both[0]).isEqualTo("2");
        assertThat(both[2]).contains("mutually exclusive");

        String[] none = run("convert");
        assertThat(none[0]).isNotEqualTo("0");
        assertThat(none[2]).contains("llama2c");
    }
}
