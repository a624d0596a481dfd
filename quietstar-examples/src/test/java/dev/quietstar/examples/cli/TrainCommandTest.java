package dev.quietstar.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code quietstar train} end to end on a tiny model, and its errors. */
class TrainCommandTest {

    static final String TINY = "gpt2:hidden=32,layers=1,heads=4,positions=64";

    @TempDir
    Path dir;

    static Path data(Path dir) throws Exception {
        return Files.writeString(dir.resolve("data.txt"), "12+34=46. The cat sat on the mat.\n\n"
                + "7*8=56 and 9*9=81; thinking helps.\n\nQuiet thoughts before speaking, every time.\n");
    }

    /** Small-model preset, shrunk so a step takes well under a second. */
    static List<String> tinyRun(Path data, Path out, int steps, String... model) {
        List<String> args = new ArrayList<>(List.of("train", "--data", data.toString(), "--output", out.toString(),
                "--set", "thoughtLength=2", "--set", "lookahead=2", "--set", "sequenceLength=16",
                "--set", "training.steps=" + steps, "--set", "training.examplesPerStep=2",
                "--set", "training.microBatchExamples=2", "--set", "training.checkpointEvery=0"));
        Collections.addAll(args, model);
        return args;
    }

    static CliRun run(List<String> args) {
        return CliRun.of(args.toArray(new String[0]));
    }

    @Test
    void trainsATinyModelWritesProvenanceAndPrintsTheCheckpoint() throws Exception {
        Path out = dir.resolve("run");
        List<String> args = tinyRun(data(dir), out, 2, "--tiny", TINY);
        args.addAll(List.of("--preset", "small-model"));
        CliRun r = run(args);
        assertThat(r.exitCode()).as(r.err()).isZero();
        Path ckpt = out.resolve("checkpoints/step-000002");
        assertThat(r.out()).contains("final checkpoint: " + ckpt);
        assertThat(ckpt.resolve("model.safetensors")).isRegularFile();
        assertThat(ckpt.resolve("training-state")).isDirectory();
        assertThat(Files.readAllLines(out.resolve("metrics.jsonl"))).hasSize(2);
        JsonNode prov = new ObjectMapper().readTree(out.resolve("provenance.json").toFile());
        assertThat(prov.get("command").asText()).startsWith("quietstar train ").contains("--tiny");
        assertThat(prov.get("config").get("thoughtLength").asInt()).isEqualTo(2);
        assertThat(prov.get("config").get("policyWeight").asDouble()).isEqualTo(1.0); // the small-model preset
        assertThat(prov.get("notes").get("backend").asText()).isEqualTo("djl-pytorch");

        // Resume continues the run from step 2 with the checkpoint's own configuration.
        CliRun resumed = CliRun.of("train", "--data", dir.resolve("data.txt").toString(), "--output", out.toString(),
                "--resume", ckpt.toString(), "--set", "training.steps=3");
        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        assertThat(resumed.out()).contains("final checkpoint: " + out.resolve("checkpoints/step-000003"));
        assertThat(Files.readAllLines(out.resolve("metrics.jsonl"))).hasSize(3);

        // --init starts a new run at step 1 from the weights.
        Path fresh = dir.resolve("fresh");
        List<String> init = tinyRun(dir.resolve("data.txt"), fresh, 1, "--init", ckpt.toString());
        init.addAll(List.of("--preset", "small-model"));
        CliRun initRun = run(init);
        assertThat(initRun.exitCode()).as(initRun.err()).isZero();
        assertThat(initRun.out()).contains("final checkpoint: " + fresh.resolve("checkpoints/step-000001"));
        assertThat(ckpt.resolve("training-state")).isDirectory(); // the source checkpoint is untouched
    }

    @Test
    void badInputGivesAClearError() throws Exception {
        Path data = data(dir);
        Path out = dir.resolve("out");
        CliRun missing = run(tinyRun(dir.resolve("nope.txt"), out, 1, "--tiny"));
        assertThat(missing.exitCode()).isNotZero();
        assertThat(missing.err()).contains("data file").contains("nope.txt").contains("does not exist");

        List<String> preset = tinyRun(data, out, 1, "--tiny");
        preset.addAll(List.of("--preset", "huge"));
        CliRun badPreset = run(preset);
        assertThat(badPreset.exitCode()).isNotZero();
        assertThat(badPreset.err()).contains("preset must be one of [official, small-model], was huge");

        CliRun badTiny = run(tinyRun(data, out, 1, "--tiny", "gpt2:hidden=x"));
        assertThat(badTiny.exitCode()).isNotZero();
        assertThat(badTiny.err()).contains("hidden must be an integer, was 'x'");

        CliRun smallVocab = run(tinyRun(data, out, 1, "--tiny", "gpt2:vocab=100,hidden=32,layers=1"));
        assertThat(smallVocab.exitCode()).isNotZero();
        assertThat(smallVocab.err()).contains("vocabSize must be at least 261, was 100");

        CliRun badField = run(tinyRun(data, out, 1, "--tiny", TINY, "--set", "optimizer.lr=1"));
        assertThat(badField.exitCode()).isNotZero();
        assertThat(badField.err()).contains("optimizer.lr");

        CliRun twoModels = run(tinyRun(data, out, 1, "--tiny", TINY, "--init", dir.toString()));
        assertThat(twoModels.exitCode()).isNotZero();
        assertThat(twoModels.err()).contains("mutually exclusive");

        CliRun noState = run(tinyRun(data, out, 1, "--resume", dir.toString()));
        assertThat(noState.exitCode()).isNotZero();
        assertThat(noState.err()).contains("is not a checkpoint");
    }
}
