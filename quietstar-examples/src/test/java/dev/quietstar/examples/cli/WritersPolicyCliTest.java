package dev.quietstar.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quietstar.core.gate.ThinkingGate;
import dev.quietstar.core.llama2c.Stories260K;
import dev.quietstar.examples.TinyCheckpoints;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every command that writes a destination, run as a user would: it writes a new or empty destination, replaces an
 * earlier output of its own kind only with {@code --replace}, and refuses (leaving it untouched) anything it did not
 * write. Each command used to overwrite, mix with or replace what was there.
 */
class WritersPolicyCliTest {

    @TempDir
    static Path dir;
    private static Path checkpoint;
    private static Path gated;
    private static Path questions;

    @BeforeAll
    static void models() throws Exception {
        checkpoint = TinyCheckpoints.save(dir.resolve("tiny"), 5);
        gated = TinyCheckpoints.save(dir.resolve("gated"), 6);
        SplittableRandom rng = new SplittableRandom(3);
        float[] w = new float[32 + ThinkingGate.DISTRIBUTION_FEATURES];
        for (int k = 0; k < w.length; k++) {
            w[k] = (float) rng.nextGaussian();
        }
        new ThinkingGate(32, w, 0f, 0, Double.NaN, Double.NaN).write(gated);
        questions = Files.writeString(dir.resolve("q.jsonl"),
                "{\"question\": \"What is 1 plus 2?\", \"answer\": \"#### 3\"}\n"
                        + "{\"question\": \"What is 2 plus 2?\", \"answer\": \"#### 4\"}\n");
    }

    /** A folder holding one file of the user's. */
    private static Path project(String name) throws IOException {
        Path p = Files.createDirectories(dir.resolve(name));
        Files.writeString(p.resolve("notes.txt"), "keep me");
        return p;
    }

    private static List<String> names(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static void assertRefused(CliRun r, String... messages) {
        assertThat(r.exitCode()).as("exit code; out: %s err: %s", r.out(), r.err()).isEqualTo(1);
        for (String m : messages) {
            assertThat(r.err()).contains(m);
        }
        assertThat(r.err()).doesNotContain("\tat ");
    }

    private static String[] args(String[] a, String... more) {
        String[] out = Arrays.copyOf(a, a.length + more.length);
        System.arraycopy(more, 0, out, a.length, more.length);
        return out;
    }

    @Test
    void evalRefusesAFolderOfOtherFilesAndReplacesAnEarlierEvalOnlyWithReplace() throws Exception {
        String[] eval = {"eval", "--model", checkpoint.toString(), "--data", questions.toString(), "--limit", "1",
            "--settings", "off", "--no-generate", "--output"};
        Path project = project("eval-project");
        // eval used to write summary.json, summary.md and details.json among the user's files
        assertRefused(CliRun.of(args(eval, project.toString())), "--output " + project,
                "holds files but no eval output", "left as it is");
        assertThat(names(project)).containsExactly("notes.txt");

        Path out = dir.resolve("eval-out");
        CliRun first = CliRun.of(args(eval, out.toString()));
        assertThat(first.exitCode()).as(first.err()).isZero();
        Files.writeString(out.resolve("stale.txt"), "left in the earlier output");
        assertRefused(CliRun.of(args(eval, out.toString())), "already exists and holds an earlier eval output",
                "pass --replace");
        assertThat(out.resolve("stale.txt")).exists();
        CliRun replaced = CliRun.of(args(eval, out.toString(), "--replace"));
        assertThat(replaced.exitCode()).as(replaced.err()).isZero();
        assertThat(out.resolve("summary.json")).isRegularFile();
        assertThat(out.resolve("stale.txt")).as("replaced as a whole").doesNotExist();
        // the checkpoint being read is never the destination
        assertRefused(CliRun.of(args(eval, checkpoint.toString(), "--replace")), "is the model being read");
    }

    @Test
    void aStaleLockLeftByADeadWriterDoesNotBlock() throws Exception {
        Path out = dir.resolve("eval-after-crash");
        Path lock = out.resolveSibling("." + out.getFileName() + ".quietstar-lock");
        Files.writeString(lock, "999999999 0123456789abcdef\n"); // a pid that no live process holds the lock for
        CliRun r = CliRun.of("eval", "--model", checkpoint.toString(), "--data", questions.toString(), "--limit", "1",
                "--settings", "off", "--no-generate", "--output", out.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(out.resolve("summary.json")).isRegularFile();
        assertThat(lock).as("the writer took the stale lock over and deleted it when done").doesNotExist();
    }

    @Test
    void exportOnnxReplacesAnEarlierExportOnlyWithReplace() throws Exception {
        Path out = dir.resolve("tiny-onnx");
        String[] export = {"export-onnx", "--model", checkpoint.toString(), "--output", out.toString()};
        CliRun first = CliRun.of(export);
        assertThat(first.exitCode()).as(first.err()).isZero();
        Files.writeString(out.resolve("stale.txt"), "x");
        // an earlier export used to be replaced without being asked
        assertRefused(CliRun.of(export), "already exists and holds an earlier ONNX export", "pass --replace");
        assertThat(out.resolve("stale.txt")).exists();
        CliRun replaced = CliRun.of(args(export, "--replace"));
        assertThat(replaced.exitCode()).as(replaced.err()).isZero();
        assertThat(out.resolve("stale.txt")).doesNotExist();
        Path project = project("export-project");
        assertRefused(CliRun.of("export-onnx", "--model", checkpoint.toString(), "--output", project.toString(),
                "--replace"), "holds files but no ONNX export");
        assertThat(names(project)).containsExactly("notes.txt");
    }

    @Test
    void convertReplacesAnEarlierConversionOnlyWithReplaceAndNeverItsInput() throws Exception {
        Path out = dir.resolve("s260");
        String[] convert = {"convert", "llama2c", "--weights", Stories260K.weights().toString(), "--tokenizer",
            Stories260K.tokenizer().toString(), "--output", out.toString()};
        CliRun first = CliRun.of(convert);
        assertThat(first.exitCode()).as(first.err()).isZero();
        assertRefused(CliRun.of(convert), "already exists and holds an earlier llama2.c conversion",
                "pass --replace");
        Files.writeString(out.resolve("stale.txt"), "x");
        CliRun replaced = CliRun.of(args(convert, "--replace"));
        assertThat(replaced.exitCode()).as(replaced.err()).isZero();
        assertThat(out.resolve("model.safetensors")).isRegularFile();
        assertThat(out.resolve("stale.txt")).doesNotExist();
        // the input files kept in the folder being replaced would be deleted with it
        Path weights = Files.copy(Stories260K.weights(), out.resolve("stories260K.bin"));
        assertRefused(CliRun.of("convert", "llama2c", "--weights", weights.toString(), "--tokenizer",
                Stories260K.tokenizer().toString(), "--output", out.toString(), "--replace"),
                "holds the --weights file " + weights + " being read");
        assertThat(weights).isRegularFile();
        // a downloaded HuggingFace model has the same files as a conversion, but no marker: never replaced
        Path downloaded = Files.createDirectories(dir.resolve("downloaded"));
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json")) {
            Files.writeString(downloaded.resolve(f), "{}");
        }
        assertRefused(CliRun.of("convert", "llama2c", "--weights", Stories260K.weights().toString(), "--tokenizer",
                Stories260K.tokenizer().toString(), "--output", downloaded.toString(), "--replace"),
                "holds files but no llama2.c conversion");
        assertThat(downloaded.resolve("config.json")).hasContent("{}");
    }

    @Test
    void reportNeverOverwritesAFileThatIsNotAReport() throws Exception {
        Path notes = Files.writeString(dir.resolve("notes.html"), "<p>my notes</p>");
        String[] report = {"report", "--model", checkpoint.toString(), "--text", "Hi there", "--output"};
        // report used to overwrite any file
        assertRefused(CliRun.of(args(report, notes.toString())),
                "is a file that is not a thought report quietstar wrote", "left as it is");
        assertRefused(CliRun.of(args(report, notes.toString(), "--replace")), "is a file that is not a thought report");
        assertThat(notes).hasContent("<p>my notes</p>");

        Path html = dir.resolve("report/page.html");
        CliRun first = CliRun.of(args(report, html.toString()));
        assertThat(first.exitCode()).as(first.err()).isZero();
        assertRefused(CliRun.of(args(report, html.toString())), "already exists and holds an earlier thought report",
                "pass --replace");
        CliRun replaced = CliRun.of(args(report, html.toString(), "--replace"));
        assertThat(replaced.exitCode()).as(replaced.err()).isZero();
        assertThat(Files.readString(html)).contains("<meta name=\"generator\" content=\"quietstar report\">");
        assertThat(names(html.getParent())).as("no temporary or lock file left").containsExactly("page.html");

        Path text = Files.writeString(dir.resolve("text.html"), "<p>the text to score</p>");
        assertRefused(CliRun.of("report", "--model", checkpoint.toString(), "--text-file", text.toString(),
                "--output", text.toString(), "--replace"), "is the --text-file being read");
        assertThat(text).hasContent("<p>the text to score</p>");
    }

    @Test
    void probeNeverOverwritesAFileThatIsNotAProbeOutput() throws Exception {
        Path run = dir.resolve("probe-run");
        CliRun trained = TrainCommandTest.run(TrainCommandTest.tinyRun(TrainCommandTest.data(dir), run, 1, "--tiny",
                TrainCommandTest.TINY));
        assertThat(trained.exitCode()).as(trained.err()).isZero();
        Path ckpt = run.resolve("checkpoints/step-000001");
        Path in = Files.writeString(dir.resolve("probe-in.json"), ProbeCommandTest.input(2 * ProbeCommandTest.P,
                97));
        Path mine = Files.writeString(dir.resolve("reference.json"), "{\"from\": \"another implementation\"}");
        String[] probe = {"probe", "--model", ckpt.toString(), "--input", in.toString(), "--output"};
        // probe --output used to overwrite any file
        assertRefused(CliRun.of(args(probe, mine.toString())),
                "is a file that is not a probe output quietstar wrote");
        assertThat(mine).hasContent("{\"from\": \"another implementation\"}");
        assertRefused(CliRun.of(args(probe, in.toString(), "--replace")), "is the --input file being read");

        Path out = dir.resolve("probe-out.json");
        CliRun first = CliRun.of(args(probe, out.toString()));
        assertThat(first.exitCode()).as(first.err()).isZero();
        assertRefused(CliRun.of(args(probe, out.toString())), "already exists and holds an earlier probe output",
                "pass --replace");
        CliRun replaced = CliRun.of(args(probe, out.toString(), "--replace"));
        assertThat(replaced.exitCode()).as(replaced.err()).isZero();
        assertThat(Files.readString(out)).startsWith("{").contains("\"total_loss\"");
    }

    @Test
    void adaptiveCurveRefusesAFolderOfOtherFilesAndReplacesOnlyWithReplace() throws Exception {
        String[] curve = {"adaptive-curve", "--checkpoint", gated.toString(), "--data", questions.toString(),
            "--thresholds", "0", "--no-generate", "--output"};
        Path project = project("curve-project");
        // adaptive-curve used to write curve.json, curve.md and its charts among the user's files
        assertRefused(CliRun.of(args(curve, project.toString())), "holds files but no adaptive-curve output");
        assertThat(names(project)).containsExactly("notes.txt");
        Path out = dir.resolve("curve");
        CliRun first = CliRun.of(args(curve, out.toString()));
        assertThat(first.exitCode()).as(first.err()).isZero();
        assertRefused(CliRun.of(args(curve, out.toString())), "already exists and holds an earlier adaptive-curve",
                "pass --replace");
        CliRun replaced = CliRun.of(args(curve, out.toString(), "--replace"));
        assertThat(replaced.exitCode()).as(replaced.err()).isZero();
        assertThat(out.resolve("curve.json")).isRegularFile();
    }

    @Test
    void benchBackendsRefusesAFolderOfOtherFilesAndReplacesOnlyWithReplace() throws Exception {
        String[] bench = {"bench-backends", "--model", checkpoint.toString(), "--tokens", "2", "--rounds", "1",
            "--output"};
        Path project = project("bench-backends-project");
        // bench-backends used to write its two files among the user's files
        assertRefused(CliRun.of(args(bench, project.toString())), "holds files but no bench-backends output");
        assertThat(names(project)).containsExactly("notes.txt");
        Path out = dir.resolve("bench-backends");
        CliRun first = CliRun.of(args(bench, out.toString()));
        assertThat(first.exitCode()).as(first.err()).isZero();
        assertRefused(CliRun.of(args(bench, out.toString())), "already exists and holds an earlier bench-backends",
                "pass --replace");
        CliRun replaced = CliRun.of(args(bench, out.toString(), "--replace"));
        assertThat(replaced.exitCode()).as(replaced.err()).isZero();
        assertThat(out.resolve("bench-backends.json")).isRegularFile();
    }

    @Test
    void demoRefusesAFolderOfOtherFilesAndReplacesItsOwnOutputOnlyWithReplace() throws Exception {
        String[] demo = {"demo", "--quick", "--pretrain-only", "--pretrain-steps", "1", "--output"};
        Path project = project("demo-project");
        // the demo used to write base/ and pretrain/ among the user's files
        assertRefused(CliRun.of(args(demo, project.toString())), "holds files but no demo");
        assertThat(names(project)).containsExactly("notes.txt");
        Path out = dir.resolve("demo");
        CliRun first = CliRun.of(args(demo, out.toString()));
        assertThat(first.exitCode()).as(first.err()).isZero();
        assertThat(out.resolve("base/model.safetensors")).isRegularFile();
        Files.writeString(out.resolve("stale.txt"), "x");
        assertRefused(CliRun.of(args(demo, out.toString())), "already exists and holds an earlier demo",
                "pass --replace");
        assertThat(out.resolve("stale.txt")).exists();
        CliRun replaced = CliRun.of(args(demo, out.toString(), "--replace"));
        assertThat(replaced.exitCode()).as(replaced.err()).isZero();
        assertThat(out.resolve("base/model.safetensors")).isRegularFile();
        assertThat(out.resolve("stale.txt")).as("the earlier output was replaced as a whole").doesNotExist();
        assertThat(names(dir).stream().filter(n -> n.startsWith(".demo."))).as("nothing left aside").isEmpty();
    }

    @Test
    void benchRefusesAScratchFolderOrDocsFilesItDidNotWrite() throws Exception {
        Path work = project("bench-work-project");
        // bench used to fill any --work folder with models and worker outputs
        assertRefused(CliRun.of("bench", "--quick", "--figure", "1", "--runs", "1", "--work", work.toString()),
                "--work " + work, "holds files but no bench scratch folder");
        assertThat(names(work)).containsExactly("notes.txt");
        Path docs = Files.createDirectories(dir.resolve("docs"));
        Path md = Files.writeString(docs.resolve("benchmarks.md"), "# My own benchmarks\n");
        // the full run used to overwrite benchmarks.md, bench.json and the charts whoever wrote them
        assertRefused(CliRun.of("bench", "--figure", "1", "--docs", docs.toString(), "--work",
                dir.resolve("bench-work").toString()),
                "is a file that is not a benchmarks.md of an earlier bench run");
        assertThat(md).hasContent("# My own benchmarks\n");
        assertThat(names(docs)).containsExactly("benchmarks.md");
    }
}
