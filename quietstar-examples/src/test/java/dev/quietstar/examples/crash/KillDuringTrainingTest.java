package dev.quietstar.examples.crash;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.thought.QuietStarModel;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash safety of {@code quietstar train} (docs/training.md: checkpoints are written atomically): a training process
 * in its own JVM is killed with SIGKILL at eleven moments (during start-up, in the middle of steps, right after a
 * checkpoint and while checkpoints are being written), each time resumed from the latest complete checkpoint, and
 * the run that results must equal an uninterrupted run bit for bit: every checkpoint's weights and optimiser state,
 * and every deterministic metric of every step.
 */
class KillDuringTrainingTest {

    private static final int STEPS = 12;
    private static final String TINY = "gpt2:hidden=32,layers=1,heads=4,positions=64";
    private static final long TIMEOUT_SECONDS = 120;

    @TempDir
    Path dir;

    /** When to kill a child: a condition on the output folder, polled as fast as the file system answers. */
    private record Moment(String name, Predicate<Path> when, boolean duringWrite) {}

    private Path data() throws IOException {
        return Files.writeString(dir.resolve("data.txt"), "12+34=46. The cat sat on the mat.\n\n"
                + "7*8=56 and 9*9=81; thinking helps.\n\nQuiet thoughts before speaking, every time.\n\n"
                + "Numbers add up: 3+4=7, 10+11=21, 25+25=50.\n");
    }

    private static List<String> freshArgs(Path data, Path out) {
        return List.of("train", "--data", data.toString(), "--output", out.toString(), "--tiny", TINY,
                "--preset", "small-model", "--set", "thoughtLength=2", "--set", "lookahead=2",
                "--set", "sequenceLength=16", "--set", "training.steps=" + STEPS,
                "--set", "training.examplesPerStep=2", "--set", "training.microBatchExamples=2",
                "--set", "training.checkpointEvery=2", "--set", "training.seed=5");
    }

    private static List<String> resumeArgs(Path data, Path out, Path checkpoint) {
        return List.of("train", "--data", data.toString(), "--output", out.toString(), "--resume",
                checkpoint.toString());
    }

    /** Starts {@code quietstar} in a new JVM with this test's class path and DJL settings. */
    private Process start(List<String> args, Path log) throws IOException {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx1g");
        for (String p : new String[] {"ai.djl.offline", "DJL_CACHE_DIR", "ENGINE_CACHE_DIR",
            "ai.djl.default_engine"}) {
            if (System.getProperty(p) != null) {
                cmd.add("-D" + p + "=" + System.getProperty(p));
            }
        }
        cmd.add("-cp");
        cmd.add(cp);
        cmd.add("dev.quietstar.examples.cli.QuietStarCommand");
        cmd.addAll(args);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static int metricLines(Path out) {
        try {
            byte[] b = Files.readAllBytes(out.resolve("metrics.jsonl"));
            int n = 0;
            for (byte x : b) {
                n += x == '\n' ? 1 : 0;
            }
            return n;
        } catch (IOException e) {
            return 0;
        }
    }

    private static List<Path> entries(Path out, Predicate<String> name) {
        Path ck = out.resolve("checkpoints");
        if (!Files.isDirectory(ck)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(ck)) {
            return s.filter(p -> name.test(p.getFileName().toString())).sorted().toList();
        } catch (IOException e) {
            return List.of(); // the folder changed while listed; poll again
        }
    }

    private static boolean writing(Path out) {
        return !entries(out, n -> n.startsWith(".step-") && n.contains(".tmp-")).isEmpty();
    }

    private static Optional<Path> latestComplete(Path out) {
        List<Path> done = entries(out, n -> n.startsWith("step-"));
        return done.isEmpty() ? Optional.empty() : Optional.of(done.get(done.size() - 1));
    }

    /** Runs until the moment holds, then kills; returns whether the child was killed (not already finished). */
    private boolean runAndKill(Process p, Path out, Moment m) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (p.isAlive() && System.nanoTime() < deadline) {
            if (m.when().test(out)) {
                p.destroyForcibly(); // SIGKILL on Linux and macOS: no shutdown hook, no finally block runs
                p.waitFor(30, TimeUnit.SECONDS);
                return true;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(100_000); // poll often, leave the CPU to the child
        }
        assertThat(p.isAlive()).as("child still running after %d s", TIMEOUT_SECONDS).isFalse();
        return false;
    }

    private int finish(Process p) throws InterruptedException {
        assertThat(p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)).as("child finished in time").isTrue();
        return p.exitValue();
    }

    @Test
    void killedElevenTimesAndResumedTheRunEqualsAnUninterruptedOneBitForBit() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(File.separatorChar == '/',
                "SIGKILL semantics of Process.destroyForcibly are those of POSIX systems");
        DjlEngines.pytorch();
        Path data = data();
        Path reference = dir.resolve("reference");
        Process ref = start(freshArgs(data, reference), dir.resolve("reference.log"));
        assertThat(finish(ref)).as(Files.readString(dir.resolve("reference.log"))).isZero();

        long started = System.nanoTime();
        List<Moment> plan = List.of(
                new Moment("during start-up", o -> System.nanoTime() - started > 0, false),
                new Moment("in step 2", o -> metricLines(o) >= 1, false),
                new Moment("while writing the step-2 checkpoint", KillDuringTrainingTest::writing, true),
                new Moment("in step 4", o -> metricLines(o) >= 3, false),
                new Moment("right after the step-4 checkpoint", o -> latestComplete(o)
                        .filter(c -> c.endsWith("step-000004")).isPresent(), false),
                new Moment("while writing the step-6 checkpoint", KillDuringTrainingTest::writing, true),
                new Moment("in step 8", o -> metricLines(o) >= 7, false),
                new Moment("while writing the step-8 checkpoint", KillDuringTrainingTest::writing, true),
                new Moment("in step 10", o -> metricLines(o) >= 9, false),
                new Moment("while writing the step-10 checkpoint", KillDuringTrainingTest::writing, true),
                new Moment("while writing the final checkpoint", o -> metricLines(o) >= STEPS && writing(o), true));

        Path out = dir.resolve("killed");
        int kills = 0;
        int killsDuringWrites = 0;
        List<String> story = new ArrayList<>();
        for (int i = 0; i < plan.size(); i++) {
            Moment m = plan.get(i);
            Optional<Path> from = latestComplete(out);
            List<String> args = from.isPresent() ? resumeArgs(data, out, from.get()) : freshArgs(data, out);
            Process p = start(args, dir.resolve("run-" + i + ".log"));
            boolean killed = runAndKill(p, out, m);
            assertThat(killed).as("run %d reached '%s' before it ended; log: %s", i, m.name(),
                    Files.readString(dir.resolve("run-" + i + ".log"))).isTrue();
            kills++;
            boolean leftATemporary = writing(out);
            if (m.duringWrite() && leftATemporary) {
                killsDuringWrites++;
            }
            story.add(m.name() + (m.duringWrite() ? (leftATemporary ? " (a half-written folder was left)"
                    : " (the write had finished)") : ""));
            // The latest complete checkpoint always loads.
            Optional<Path> latest = latestComplete(out);
            if (latest.isPresent()) {
                try (QuietStarModel model = QuietStarModel.load(latest.get(), Device.cpu())) {
                    model.checkFinite();
                }
                assertThat(latest.get().resolve("training-state/state.json")).isRegularFile();
            }
        }
        Optional<Path> last = latestComplete(out);
        Process p = start(last.isPresent() ? resumeArgs(data, out, last.get()) : freshArgs(data, out),
                dir.resolve("final.log"));
        assertThat(finish(p)).as(Files.readString(dir.resolve("final.log"))).isZero();

        Files.writeString(Path.of("target", "kill-test-moments.txt"), String.join("\n", story) + "\n");
        assertThat(kills).as("kills: %s", story).isGreaterThanOrEqualTo(10);
        assertThat(killsDuringWrites).as("kills that interrupted a checkpoint write: %s", story)
                .isGreaterThanOrEqualTo(1);

        // Every checkpoint equals the uninterrupted run's, byte for byte, and no temporary folder is left.
        List<Path> mine = entries(out, n -> true);
        List<Path> theirs = entries(reference, n -> true);
        assertThat(mine.stream().map(x -> x.getFileName().toString()).toList())
                .isEqualTo(theirs.stream().map(x -> x.getFileName().toString()).toList());
        assertThat(mine).hasSize(STEPS / 2);
        for (int i = 0; i < mine.size(); i++) {
            for (String f : new String[] {"model.safetensors", "training-state/optimizer.safetensors",
                "training-state/meta-token-parameters.safetensors", "training-state/state.json", "config.json",
                "tokenizer.json"}) {
                boolean same = java.util.Arrays.equals(Files.readAllBytes(mine.get(i).resolve(f)),
                        Files.readAllBytes(theirs.get(i).resolve(f)));
                assertThat(same).as("%s of %s equals the uninterrupted run's; kills: %s", f, mine.get(i), story)
                        .isTrue();
            }
        }
        // Every step's metrics equal the uninterrupted run's, except the two speeds, which are wall-clock.
        List<JsonNode> a = metrics(out);
        List<JsonNode> b = metrics(reference);
        assertThat(a).hasSize(STEPS);
        for (int i = 0; i < STEPS; i++) {
            ((com.fasterxml.jackson.databind.node.ObjectNode) a.get(i)).remove(List.of("tokens_per_second",
                    "thought_tokens_per_second"));
            ((com.fasterxml.jackson.databind.node.ObjectNode) b.get(i)).remove(List.of("tokens_per_second",
                    "thought_tokens_per_second"));
            assertThat(a.get(i)).as("metrics of step %d", i + 1).isEqualTo(b.get(i));
        }
    }

    private static List<JsonNode> metrics(Path out) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> lines = new ArrayList<>();
        for (String l : Files.readAllLines(out.resolve("metrics.jsonl"), StandardCharsets.UTF_8)) {
            lines.add(json.readTree(l));
        }
        return lines;
    }
}
