package dev.quietstar.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quietstar.core.eval.EvalExample;
import dev.quietstar.core.star.StarFormats;
import dev.quietstar.core.star.StarRound;
import dev.quietstar.core.star.StarTrainer;
import dev.quietstar.examples.cli.QuietStarCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code demo --star} at --quick sizes (asserts the pipeline and its bookkeeping, not the numbers). */
class StarComparisonTest {

    @TempDir
    Path dir;

    @Test
    void quickComparisonTrainsEveryMethodWithinTheBudgetAndWritesTheTables() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = QuietStarCommand.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute("demo", "--star", "--quick", "--output", dir.toString());
        assertThat(code).as("exit code; stderr: %s", err).isZero();
        String md = Files.readString(dir.resolve("star-comparison.md"));
        assertThat(md).contains("| Quiet-STaR, thinking everywhere |").contains("| plain control |").contains("| STaR, visible rationales |")
                .contains("| Quiet-STaR, thinking at the answer start |");
        for (StarComparison.Supervision sv : StarComparison.SUPERVISIONS) {
            assertThat(md).contains("| " + sv.label() + " |").contains(sv.label() + ": constant thought vs sampled");
        }
        assertThat(md).containsPattern("Target (NOT )?met\\.");
        // a STaR run starts no round once its budget (a share of the Quiet-STaR run's wall time) is spent
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("wall time, ([0-9.]+) s").matcher(md);
        assertThat(m.find()).isTrue();
        double budget = Double.parseDouble(m.group(1));
        List<java.util.Map.Entry<String, Double>> runs = new java.util.ArrayList<>();
        runs.add(java.util.Map.entry("star-visible", 1.0));
        for (int v = 0; v < StarComparison.SUPERVISIONS.size(); v++) {
            runs.add(java.util.Map.entry("star-supervising" + (v == 0 ? "" : "-" + (v + 1)),
                    StarComparison.SUPERVISIONS.get(v).starShare()));
        }
        for (var run : runs) {
            List<StarRound> rounds = StarTrainer.readRounds(dir.resolve(run.getKey()).resolve("rounds.jsonl"));
            assertThat(rounds.size()).isGreaterThanOrEqualTo(2);
            double beforeLast = rounds.subList(1, rounds.size() - 1).stream()
                    .mapToDouble(r -> r.generationSeconds() + r.trainingSeconds()).sum();
            assertThat(beforeLast).as(run.getKey()).isLessThan(budget * run.getValue() + 0.05);
        }
        assertThat(dir.resolve("star-supervised-start/quietstar.json")).exists();
    }

    @Test
    void theAnswerIsScoredAfterTheRationaleTheModelWrote() {
        List<EvalExample> held = List.of(new EvalExample("Q: 1+2=?\nA: ", "3", List.of(), EvalExample.Kind.GSM8K),
                new EvalExample("Q: 5+5=?\nA: ", "10", List.of(), EvalExample.Kind.GSM8K));
        List<EvalExample> after = StarComparison.afterOwnRationale(held, List.of("[03000000]3\n", "10\n"),
                StarFormats.bracketed(24));
        assertThat(after.get(0).prompt()).isEqualTo("Q: 1+2=?\nA: [03000000]");
        assertThat(after.get(0).gold()).isEqualTo("3");
        assertThat(after.get(1).prompt()).isEqualTo("Q: 5+5=?\nA: ");
    }
}
