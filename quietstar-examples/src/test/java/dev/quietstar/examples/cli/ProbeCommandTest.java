package dev.quietstar.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code quietstar probe} on a checkpoint written by {@code quietstar train}. */
class ProbeCommandTest {

    static final int N = 2; // thoughtLength of the trained checkpoint
    static final int T = 2; // lookahead
    static final int P = 2; // thoughtsPerPosition (official and small-model default)
    static final int L = 6;

    @TempDir
    static Path dir;

    static Path checkpoint;

    @BeforeAll
    static void train() throws Exception {
        Path out = dir.resolve("run");
        List<String> args = TrainCommandTest.tinyRun(TrainCommandTest.data(dir), out, 1, "--tiny",
                TrainCommandTest.TINY);
        CliRun r = TrainCommandTest.run(args);
        assertThat(r.exitCode()).as(r.err()).isZero();
        checkpoint = out.resolve("checkpoints/step-000001");
    }

    static String input(int rows, int thoughtId) {
        StringBuilder t = new StringBuilder("[");
        for (int r = 0; r < rows; r++) {
            t.append(r == 0 ? "[" : ",[");
            for (int i = 0; i < L; i++) {
                t.append(i == 0 ? "[" : ",[").append(thoughtId).append(',').append(65 + i).append(']');
            }
            t.append(']');
        }
        t.append(']');
        return "{\"input_ids\": [[256, 49, 43, 49, 61, 50], [256, 72, 105, 33, 258, 258]], \"thought_ids\": " + t
                + ", \"pad_id\": 258}";
    }

    @Test
    void printsOneJsonObjectWithTheDocumentedShapes() throws Exception {
        Path in = Files.writeString(dir.resolve("in.json"), input(2 * P, 97));
        CliRun r = CliRun.of("probe", "--model", checkpoint.toString(), "--input", in.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertThat(json.fieldNames()).toIterable().containsExactly("total_loss", "nll_loss", "policy_loss",
                "base_nll", "talk_nll", "mix_weight", "thought_logp", "rewards", "advantages", "grad_norms");
        assertThat(json.get("base_nll").size()).isEqualTo(2 * P);
        assertThat(json.get("base_nll").get(0).size()).isEqualTo(L - 1);
        assertThat(json.get("talk_nll").size()).isEqualTo(T);
        assertThat(json.get("talk_nll").get(1).get(3).size()).isEqualTo(L - 2);
        assertThat(json.get("mix_weight").get(0).get(0).size()).isEqualTo(L - 1);
        assertThat(json.get("thought_logp").get(3).get(L - 1).size()).isEqualTo(N);
        assertThat(json.get("rewards").get(0).size()).isEqualTo(L - 1 - T);
        assertThat(json.get("advantages").size()).isEqualTo(2 * P);
        assertThat(json.get("grad_norms").has("quietstar.start_embedding")).isTrue();
        assertThat(json.get("grad_norms").has("transformer.wte.weight")).isTrue();
        assertThat(json.get("total_loss").isNumber()).isTrue();

        Path file = dir.resolve("probe/out.json");
        CliRun toFile = CliRun.of("probe", "--model", checkpoint.toString(), "--input", in.toString(),
                "--output", file.toString());
        assertThat(toFile.exitCode()).as(toFile.err()).isZero();
        assertThat(new ObjectMapper().readTree(file.toFile())).isEqualTo(json);
    }

    @Test
    void badInputIsReportedWithoutAStackTrace() throws Exception {
        Path wrongRows = Files.writeString(dir.resolve("rows.json"), input(2, 97));
        CliRun r = CliRun.of("probe", "--model", checkpoint.toString(), "--input", wrongRows.toString());
        assertThat(r.exitCode()).isNotZero();
        assertThat(r.err()).contains("thought_ids must have shape [B*P][L][thoughtLength] = [4][6][2]")
                .doesNotContain("\tat ");

        Path meta = Files.writeString(dir.resolve("meta.json"), input(2 * P, 260));
        CliRun m = CliRun.of("probe", "--model", checkpoint.toString(), "--input", meta.toString());
        assertThat(m.err()).contains("is a meta-token");

        CliRun noModel = CliRun.of("probe", "--model", dir.resolve("none").toString(), "--input",
                meta.toString());
        assertThat(noModel.exitCode()).isNotZero();
        assertThat(noModel.err()).contains("does not exist");
    }
}
