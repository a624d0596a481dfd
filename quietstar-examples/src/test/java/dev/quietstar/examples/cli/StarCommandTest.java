package dev.quietstar.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quietstar.api.GenerationOptions;
import dev.quietstar.api.GenerationResult;
import dev.quietstar.api.Reasoner;
import dev.quietstar.api.Sampling;
import dev.quietstar.api.ThinkingPolicy;
import dev.quietstar.api.config.ThoughtSampling;
import dev.quietstar.api.spi.Capability;
import dev.quietstar.core.backend.Backends;
import dev.quietstar.core.star.StarCompletion;
import dev.quietstar.core.star.StarFormat;
import dev.quietstar.core.star.StarFormats;
import dev.quietstar.core.star.StarProblem;
import dev.quietstar.core.star.StarRound;
import dev.quietstar.core.star.StarTrainer;
import dev.quietstar.examples.data.ColumnArithmeticCorpus;
import dev.quietstar.examples.demo.DemoTraining;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code quietstar star} end to end on the shipped base model, and its errors. */
class StarCommandTest {

    @TempDir
    Path dir;

    @Test
    void twoRoundsKeepOnlyRightRationalesAndRecordAnAccuracyThatAReEvaluationReproduces() throws IOException {
        Path out = dir.resolve("run");
        CliRun run = CliRun.of("star", "--train-questions", "40", "--held-out-questions", "20", "--rounds", "2",
                "--first-steps", "4", "--output", out.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        Path star = out.resolve("star");
        List<StarRound> rounds = StarTrainer.readRounds(star.resolve("rounds.jsonl"));
        assertThat(rounds).extracting(StarRound::round).containsExactly(0, 1, 2);
        assertThat(rounds).extracting(StarRound::steps).containsExactly(0, 4, 5);
        assertThat(run.out()).contains("| round | steps |").contains("final checkpoint: ");
        assertThat(star.resolve("rounds.md")).exists();

        ObjectMapper json = new ObjectMapper();
        for (StarRound r : rounds.subList(1, 3)) {
            assertThat(r.attempted()).isEqualTo(40);
            assertThat(r.kept()).isEqualTo(r.correct() + r.rationalized()).isPositive();
            List<String> lines = Files.readAllLines(star.resolve(String.format("round-%02d/kept.jsonl", r.round())));
            assertThat(lines).hasSize(r.kept());
            int exact = 0;
            for (String line : lines) {
                JsonNode n = json.readTree(line);
                assertThat(n.get("rationale").asText()).isNotBlank();
                exact += n.get("reference_exact").asBoolean() ? 1 : 0;
            }
            assertThat(r.keptExact()).isEqualTo((double) exact / lines.size());
            assertThat(Path.of(r.checkpoint())).isDirectory();
        }
        assertThat(Path.of(rounds.get(0).checkpoint())).isEqualTo(out.resolve("base"));

        // The last round's held-out accuracy, recomputed here from its checkpoint with greedy generation.
        List<StarProblem> heldOut = StarCommand.toStar(ColumnArithmeticCorpus.builder()
                .optSeed(StarCommand.CORPUS_SEED).optPretrainDocuments(100_000).optContinuedDocuments(40)
                .optHeldOutProblems(20).build().heldOut());
        StarFormat format = StarFormats.bracketed(24);
        List<String> prompts = new ArrayList<>();
        heldOut.forEach(p -> prompts.add(format.prompt(p)));
        GenerationOptions greedy = new GenerationOptions(24, format.stopStrings(), Sampling.greedy(),
                ThoughtSampling.SAMPLE, ThinkingPolicy.never(), false);
        int right = 0;
        try (Reasoner reasoner = Backends.discover().select(Capability.TRAIN, Capability.INFER).create()
                .openReasoner(Path.of(rounds.get(2).checkpoint()))) {
            List<GenerationResult> results = reasoner.generateBatch(prompts, greedy);
            for (int i = 0; i < heldOut.size(); i++) {
                Optional<StarCompletion> c = format.parse(results.get(i).text());
                if (c.isPresent() && c.get().answer().equals(heldOut.get(i).answer())) {
                    right++;
                }
            }
        }
        assertThat(rounds.get(2).heldOutAccuracy()).isEqualTo(right / 20.0);
    }

    @Test
    void anOutputFolderWithFilesIsRefusedAndLeftAlone() throws IOException {
        Path out = Files.createDirectories(dir.resolve("used"));
        Files.writeString(out.resolve("notes.txt"), "mine");
        CliRun run = CliRun.of("star", "--rounds", "1", "--output", out.toString());
        assertThat(run.exitCode()).isNotZero();
        assertThat(run.err()).contains("already holds files");
        assertThat(Files.list(out).count()).isEqualTo(1);
        assertThat(Files.readString(out.resolve("notes.txt"))).isEqualTo("mine");
    }

    @Test
    void dataNeedsAModelAndAHeldOutSet() {
        CliRun run = CliRun.of("star", "--data", dir.resolve("train.jsonl").toString(), "--output",
                dir.resolve("o").toString());
        assertThat(run.exitCode()).isNotZero();
        assertThat(run.err()).contains("--data needs --held-out and --model");
        CliRun stray = CliRun.of("star", "--model", dir.toString(), "--output", dir.resolve("o2").toString());
        assertThat(stray.exitCode()).isNotZero();
        assertThat(stray.err()).contains("go with --data");
    }

    @Test
    void aModelThatGetsNothingRightStopsWithAClearMessage() throws IOException {
        Path base = dir.resolve("base");
        DemoTraining.extractShippedBase(base);
        Path train = dir.resolve("train.jsonl");
        Files.writeString(train, "{\"question\": \"Ann has 12 pens and gives away 5. How many are left?\", "
                + "\"answer\": \"12-5=<<12-5=7>>7\\n#### 7\"}\n");
        CliRun run = CliRun.of("star", "--data", train.toString(), "--held-out", train.toString(), "--model",
                base.toString(), "--rounds", "1", "--max-new-tokens", "8", "--output", dir.resolve("g").toString());
        assertThat(run.exitCode()).isNotZero();
        assertThat(run.err()).contains("round 1 kept no rationale").contains("GSM8K");
        assertThat(dir.resolve("g/round-01/kept.jsonl")).exists();
    }
}
