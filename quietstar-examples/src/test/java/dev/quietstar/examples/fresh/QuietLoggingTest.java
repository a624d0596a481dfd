package dev.quietstar.examples.fresh;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quietstar.core.testing.FreshJvm;
import dev.quietstar.examples.CustomRewardEstimator;
import dev.quietstar.examples.GenerateWithThoughts;
import dev.quietstar.examples.TrainOnYourText;
import dev.quietstar.examples.cli.QuietStarCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The command line and the example programs print no logging noise on a fresh machine: no "SLF4J: No SLF4J
 * providers were found" warning (they bind slf4j-simple) and no CUDA warning from DJL's GPU probe on a machine
 * without a GPU ({@code simplelogger.properties} of quietstar-examples keeps library logs at warn and the probe at
 * error). Each program runs in a new JVM with the same harness and checks as {@link OfflineEntryPointsTest}, and must
 * also leave its standard error empty. docs/logging.md says how to turn the logs up.
 */
class QuietLoggingTest {

    @Test
    void generateWithThoughtsIsQuiet() throws Exception {
        assertQuiet(FreshMachine.program(GenerateWithThoughts.class, FreshMachine.checkpoint().toString(),
                "Q: 1+2=?\\nA: ", "2").run());
    }

    @Test
    void trainOnYourTextIsQuiet() throws Exception {
        Path text = Files.writeString(FreshMachine.ROOT.resolve("notes.txt"),
                "The quiet river runs past the old mill.\n".repeat(8));
        Path out = FreshMachine.ROOT.resolve("train-on-your-text");
        FreshJvm.deleteTree(out);
        assertQuiet(FreshMachine.program(TrainOnYourText.class, text.toString(), out.toString(), "1").run());
    }

    @Test
    void customRewardEstimatorIsQuiet() throws Exception {
        Path out = FreshMachine.ROOT.resolve("custom-reward-estimator");
        FreshJvm.deleteTree(out);
        assertQuiet(FreshMachine.program(CustomRewardEstimator.class, out.toString(), "1").run());
    }

    @Test
    void theCommandLineIsQuiet() throws Exception {
        assertQuiet(FreshMachine.program(QuietStarCommand.class, "generate", "--model",
                FreshMachine.checkpoint().toString(), "--prompt", "Q: 1", "--max-tokens", "2").run());
    }

    /** The check sees a missing binding: without slf4j-simple on the class path SLF4J warns, and the check says so. */
    @Test
    void withoutABindingTheWarningIsSeen() throws Exception {
        FreshJvm.Result r = FreshMachine.program(GenerateWithThoughts.class, FreshMachine.checkpoint().toString(),
                "Q: 1", "1").classPath(FreshJvm.testClassPathWithout("slf4j-simple")).run();
        assertThat(r.exitCode()).as(r.describe()).isZero();
        assertThat(r.stderr()).as(r.describe()).contains("SLF4J").contains("No SLF4J providers were found");
    }

    private static void assertQuiet(FreshJvm.Result r) {
        FreshMachine.assertOfflineAndClean(r);
        assertThat(r.stderr()).as("SLF4J warnings\n" + r.describe()).doesNotContain("SLF4J");
        assertThat(r.stderr().toLowerCase(Locale.ROOT)).as("CUDA warnings\n" + r.describe()).doesNotContain("cuda");
        assertThat(r.stderr()).as("anything on standard error\n" + r.describe()).isEmpty();
        assertThat(r.stdout()).as(r.describe()).isNotBlank();
    }
}
