package dev.quietstar.core.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fresh-JVM harness sees what it is meant to see: a program that reaches for the EC2 metadata address (the way
 * DJL's telemetry does), opens a plain socket or looks a name up is caught, nothing of it leaves the machine, and
 * files written into the home folder are listed. Without this, a guard that silently stopped working would make the
 * offline tests pass for the wrong reason.
 */
class FreshJvmTest {

    @TempDir
    Path dir;

    @Test
    void aQuietProgramShowsNoAttemptsAndAnEmptyHome() throws Exception {
        FreshJvm.Result r = FreshJvm.main(Quiet.class).home(dir.resolve("home")).run();
        assertThat(r.exitCode()).as(r.describe()).isZero();
        assertThat(r.networkAttempts()).as(r.describe()).isEmpty();
        assertThat(r.home()).isEmpty();
        assertThat(r.stdout()).contains("home=" + dir.resolve("home").toAbsolutePath());
        assertThat(r.stderr()).as("the security manager's start-up notice is filtered out").isEmpty();
        assertThat(r.guarded()).isEqualTo(FreshJvm.securityManagerSupported());
    }

    @Test
    void anHttpRequestToTheMetadataAddressIsCaught() throws Exception {
        FreshJvm.Result r = FreshJvm.main(Reach.class).args("http").home(dir.resolve("home")).run();
        assertThat(r.exitCode()).as(r.describe()).isZero();
        if (r.guarded()) {
            // The JDK checks the target before it picks the proxy: the guard refuses the request there.
            assertThat(r.networkAttempts()).as(r.describe())
                    .contains("guard: refused socket connect,resolve 169.254.169.254:80");
        } else {
            assertThat(r.networkAttempts()).as(r.describe())
                    .anyMatch(a -> a.startsWith("proxy: PUT http://169.254.169.254/latest/api/token"));
        }
    }

    @Test
    void aPlainSocketIsCaught() throws Exception {
        FreshJvm.Result r = FreshJvm.main(Reach.class).args("socket").home(dir.resolve("home")).run();
        assertThat(r.exitCode()).as(r.describe()).isZero();
        assertThat(r.networkAttempts()).as(r.describe()).isNotEmpty();
        if (r.guarded()) {
            assertThat(r.networkAttempts()).contains("guard: refused socket connect,resolve 169.254.169.254:80");
        }
    }

    @Test
    void aNameLookupIsCaughtWhereTheGuardRuns() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(FreshJvm.securityManagerSupported(),
                "only the security manager sees lookups; without it this test would really look a name up");
        FreshJvm.Result r = FreshJvm.main(Reach.class).args("lookup").home(dir.resolve("home")).run();
        assertThat(r.exitCode()).as(r.describe()).isZero();
        assertThat(r.networkAttempts()).as(r.describe()).anyMatch(a -> a.contains("resolve")
                && a.contains("quietstar.invalid"));
    }

    @Test
    void filesWrittenIntoHomeAreListed() throws Exception {
        FreshJvm.Result r = FreshJvm.main(Reach.class).args("home").home(dir.resolve("home")).run();
        assertThat(r.exitCode()).as(r.describe()).isZero();
        assertThat(r.home()).containsExactly(".djl.ai/", ".djl.ai/cache.txt");
    }

    /** Prints its home folder and does nothing else. */
    public static final class Quiet {

        private Quiet() {}

        /**
         * The program.
         *
         * @param args unused
         */
        public static void main(String[] args) {
            System.out.println("home=" + System.getProperty("user.home"));
        }
    }

    /** Tries one kind of access; reports failures on stdout and always exits 0, as careless code would. */
    public static final class Reach {

        private Reach() {}

        /**
         * The program.
         *
         * @param args {@code http}, {@code socket}, {@code lookup} or {@code home}
         * @throws Exception when the home folder cannot be written
         */
        public static void main(String[] args) throws Exception {
            try {
                switch (args[0]) {
                    case "http" -> {
                        HttpURLConnection c = (HttpURLConnection) new URL(
                                "http://169.254.169.254/latest/api/token").openConnection();
                        c.setRequestMethod("PUT");
                        c.setConnectTimeout(1000);
                        c.setReadTimeout(1000);
                        System.out.println("status " + c.getResponseCode());
                    }
                    case "socket" -> {
                        try (Socket s = new Socket()) {
                            s.connect(new InetSocketAddress("169.254.169.254", 80), 1000);
                        }
                    }
                    case "lookup" -> System.out.println(InetAddress.getByName("quietstar.invalid"));
                    case "home" -> {
                        Path cache = Path.of(System.getProperty("user.home"), ".djl.ai");
                        Files.createDirectories(cache);
                        Files.writeString(cache.resolve("cache.txt"), "x");
                    }
                    default -> throw new IllegalArgumentException(args[0]);
                }
            } catch (java.io.IOException | RuntimeException e) {
                System.out.println("failed: " + e);
            }
        }
    }
}
