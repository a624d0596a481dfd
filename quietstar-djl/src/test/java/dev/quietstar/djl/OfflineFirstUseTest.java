package dev.quietstar.djl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Offline mode does not depend on which class a program touches first: a fresh JVM whose first use of DJL is a model
 * class (not the backend) still runs with {@code ai.djl.offline=true}. Before, only the backend set it, so such a
 * program let DJL reach for the network and unpack natives into the user's home.
 */
class OfflineFirstUseTest {

    @TempDir
    Path dir;

    @Test
    void aProgramThatStartsWithAModelClassRunsOffline() throws Exception {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-cp");
        cmd.add(cp);
        cmd.add(OfflineProbe.class.getName());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("DJL_OFFLINE");
        Path log = dir.resolve("probe.log");
        Process p = pb.redirectOutput(log.toFile()).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("the probe finished").isTrue();
        String out = Files.readString(log);
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("decoder 16").contains("ai.djl.offline=true");
    }
}
