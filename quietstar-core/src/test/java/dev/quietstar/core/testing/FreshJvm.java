package dev.quietstar.core.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Runs a program's {@code main} in a new JVM, the way a user starts it on a fresh machine, and records whether it
 * tried to reach the network and what it wrote into the user's home.
 *
 * <p>The new JVM gets the calling test's class path, a home folder of the caller's choosing ({@code user.home}),
 * and an environment without the variables that would hide a missing setting ({@code DJL_OFFLINE},
 * {@code DJL_CACHE_DIR}, {@code ENGINE_CACHE_DIR}, {@code OPT_OUT_TRACKING}, {@code QUIETSTAR_BACKEND} and the
 * PyTorch overrides), so the library's own defaults are what runs. Two independent detectors watch the network:
 * <ul>
 *   <li>{@link NetworkGuard}, installed as the security manager where the JVM still allows one (Java 17 to 23):
 *       every socket connect and host-name lookup to anything but loopback is logged and refused before a packet
 *       leaves, whichever Java API makes it;</li>
 *   <li>a trap: a server socket on 127.0.0.1 that this JVM opens and names as the child's HTTP, HTTPS and SOCKS
 *       proxy ({@code http.proxyHost}, {@code https.proxyHost}, {@code socksProxyHost}). Without the guard (Java
 *       24 and later) the JDK's HTTP clients send every request for a non-loopback host there and plain sockets go
 *       there through SOCKS; the trap records the first line it receives and closes the connection without
 *       answering. With the guard, the JDK asks the security manager about the target before it picks a proxy,
 *       so the guard refuses first and the trap stays empty.</li>
 * </ul>
 * A connection attempt, to DJL's telemetry endpoint or to the EC2 metadata address 169.254.169.254 alike, shows up in
 * {@link Result#networkAttempts()} and never reaches the network.
 */
public final class FreshJvm {

    /** Environment variables removed from the child's environment. */
    public static final List<String> CLEARED_ENV = List.of("DJL_OFFLINE", "DJL_CACHE_DIR", "ENGINE_CACHE_DIR",
            "OPT_OUT_TRACKING", "QUIETSTAR_BACKEND", "PYTORCH_LIBRARY_PATH", "PYTORCH_VERSION", "PYTORCH_FLAVOR",
            "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS");

    /** What the two lines hold that the JVM prints to stderr when a security manager is enabled at start-up. */
    static final String SECURITY_MANAGER_WARNING = "Security Manager";

    private final String mainClass;
    private final List<String> args = new ArrayList<>();
    private final List<String> jvmOptions = new ArrayList<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    private Path home;
    private Path workDir;
    private long timeoutSeconds = 120;

    private FreshJvm(String mainClass) {
        this.mainClass = mainClass;
    }

    /**
     * A run of a class's {@code main}.
     *
     * @param mainClass the program
     * @return the run, to configure
     */
    public static FreshJvm main(Class<?> mainClass) {
        return new FreshJvm(mainClass.getName());
    }

    /**
     * A run of a class's {@code main}, by name.
     *
     * @param mainClass the program's binary class name
     * @return the run, to configure
     */
    public static FreshJvm main(String mainClass) {
        return new FreshJvm(mainClass);
    }

    /**
     * Arguments of {@code main}.
     *
     * @param values the arguments
     * @return this
     */
    public FreshJvm args(String... values) {
        args.addAll(List.of(values));
        return this;
    }

    /**
     * Adds a JVM option, such as a system property.
     *
     * @param option the option, for example {@code -Dx=y}
     * @return this
     */
    public FreshJvm jvmOption(String option) {
        jvmOptions.add(option);
        return this;
    }

    /**
     * Sets an environment variable of the child.
     *
     * @param name the variable
     * @param value its value
     * @return this
     */
    public FreshJvm env(String name, String value) {
        env.put(name, value);
        return this;
    }

    /**
     * The class path of the child (the caller's test class path by default).
     *
     * @param value the class path
     * @return this
     */
    public FreshJvm classPath(String value) {
        classPath = value;
        return this;
    }

    /**
     * The child's home folder ({@code user.home}); created when missing. Required.
     *
     * @param folder the folder
     * @return this
     */
    public FreshJvm home(Path folder) {
        home = folder;
        return this;
    }

    /**
     * The child's working folder (the caller's by default).
     *
     * @param folder the folder
     * @return this
     */
    public FreshJvm workDir(Path folder) {
        workDir = folder;
        return this;
    }

    /**
     * How long the child may run before it is killed and the run fails.
     *
     * @param seconds the limit
     * @return this
     */
    public FreshJvm timeoutSeconds(long seconds) {
        timeoutSeconds = seconds;
        return this;
    }

    /**
     * The caller's test class path without the entries whose file name contains any of the given parts.
     *
     * @param parts parts of jar or folder names to leave out, for example {@code "slf4j-simple"}
     * @return the class path
     */
    public static String testClassPathWithout(String... parts) {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return Stream.of(cp.split(java.io.File.pathSeparator))
                .filter(e -> Stream.of(parts).noneMatch(p -> Path.of(e).getFileName().toString().contains(p)))
                .collect(Collectors.joining(java.io.File.pathSeparator));
    }

    /**
     * Whether this JVM's runtime still lets a security manager be enabled (Java 23 and older).
     *
     * @return true when {@link NetworkGuard} can be installed
     */
    public static boolean securityManagerSupported() {
        return Runtime.version().feature() < 24;
    }

    /**
     * Starts the program, waits for it and collects what it did.
     *
     * @return the result
     * @throws IOException when the child cannot be started or its output read
     * @throws InterruptedException when interrupted while waiting
     * @throws IllegalStateException when the child runs past the time limit (it is killed)
     */
    public Result run() throws IOException, InterruptedException {
        if (home == null) {
            throw new IllegalStateException("home(...) is required: the child must not use the real home folder");
        }
        Files.createDirectories(home);
        Path scratch = Files.createTempDirectory("fresh-jvm-");
        try (Trap trap = new Trap()) {
            Path guardLog = scratch.resolve("network-guard.log");
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            if (securityManagerSupported()) {
                cmd.add("-Djava.security.manager=" + NetworkGuard.class.getName());
                cmd.add("-D" + NetworkGuard.LOG_PROPERTY + "=" + guardLog);
            }
            cmd.add("-Duser.home=" + home.toAbsolutePath());
            for (String scheme : List.of("http", "https", "ftp")) {
                cmd.add("-D" + scheme + ".proxyHost=127.0.0.1");
                cmd.add("-D" + scheme + ".proxyPort=" + trap.port());
            }
            cmd.add("-DsocksProxyHost=127.0.0.1");
            cmd.add("-DsocksProxyPort=" + trap.port());
            // Short runs on a small machine: the client compiler and the serial collector start fastest.
            cmd.add("-Xmx1g");
            cmd.add("-XX:TieredStopAtLevel=1");
            cmd.add("-XX:+UseSerialGC");
            cmd.addAll(jvmOptions);
            cmd.add("-cp");
            cmd.add(classPath);
            cmd.add(mainClass);
            cmd.addAll(args);
            ProcessBuilder pb = new ProcessBuilder(cmd);
            CLEARED_ENV.forEach(pb.environment()::remove);
            pb.environment().putAll(env);
            if (workDir != null) {
                pb.directory(workDir.toFile());
            }
            Path out = scratch.resolve("stdout");
            Path err = scratch.resolve("stderr");
            pb.redirectOutput(out.toFile()).redirectError(err.toFile());
            long start = System.nanoTime();
            Process p = pb.start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new IllegalStateException(mainClass + " " + args + " ran longer than " + timeoutSeconds
                        + " s; stderr:\n" + Files.readString(err));
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            List<String> attempts = new ArrayList<>(trap.stop());
            boolean guarded = false;
            if (Files.exists(guardLog)) {
                for (String line : Files.readAllLines(guardLog)) {
                    if (line.equals("installed")) {
                        guarded = true;
                    } else if (!line.isBlank()) {
                        attempts.add("guard: " + line);
                    }
                }
            }
            String stderr = Files.readString(err).lines().filter(l -> !securityManagerNotice(l))
                    .collect(Collectors.joining("\n"));
            return new Result(p.exitValue(), Files.readString(out), stderr, List.copyOf(attempts), guarded,
                    homeContents(home), seconds);
        } finally {
            deleteTree(scratch);
        }
    }

    private static boolean securityManagerNotice(String line) {
        return line.startsWith("WARNING: ") && line.contains(SECURITY_MANAGER_WARNING);
    }

    /** Every path under the home folder, relative, folders marked with a trailing slash. */
    private static List<String> homeContents(Path home) throws IOException {
        try (Stream<Path> s = Files.walk(home)) {
            return s.filter(f -> !f.equals(home))
                    .map(f -> home.relativize(f).toString().replace('\\', '/') + (Files.isDirectory(f) ? "/" : ""))
                    .sorted().collect(Collectors.toList());
        }
    }

    /**
     * Deletes a folder and everything in it, if it exists.
     *
     * @param folder the folder
     * @throws IOException when something cannot be deleted
     */
    public static void deleteTree(Path folder) throws IOException {
        if (!Files.exists(folder)) {
            return;
        }
        try (Stream<Path> s = Files.walk(folder)) {
            for (Path f : s.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.delete(f);
            }
        }
    }

    /**
     * What a run did.
     *
     * @param exitCode the child's exit code
     * @param stdout its standard output
     * @param stderr its standard error, without the JVM's two-line notice that the security manager is enabled and deprecated
     * @param networkAttempts every connection or lookup the guard or the trap saw, empty when none
     * @param guarded whether {@link NetworkGuard} ran in the child (false on Java 24 and later)
     * @param home every file and folder in the child's home folder after the run, relative, folders ending in
     *     {@code /}
     * @param seconds the wall-clock time of the run
     */
    public record Result(int exitCode, String stdout, String stderr, List<String> networkAttempts, boolean guarded,
            List<String> home, double seconds) {

        /**
         * A summary for assertion messages.
         *
         * @return exit code, attempts, stderr and stdout
         */
        public String describe() {
            return "exit " + exitCode + " after " + String.format(java.util.Locale.ROOT, "%.1f", seconds)
                    + " s\nnetwork attempts: " + networkAttempts + "\nhome: " + home + "\n--- stderr\n" + stderr
                    + "\n--- stdout\n" + stdout;
        }
    }

    /** The proxy trap: accepts connections on 127.0.0.1, records the first line of each, answers nothing. */
    private static final class Trap implements AutoCloseable {

        private final ServerSocket server;
        private final Thread thread;
        private final List<String> seen = Collections.synchronizedList(new ArrayList<>());

        Trap() throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            thread = new Thread(this::acceptLoop, "fresh-jvm-proxy-trap");
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void acceptLoop() {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    seen.add("proxy: " + firstLine(s));
                } catch (IOException e) {
                    if (!server.isClosed()) {
                        seen.add("proxy: accept failed: " + e.getMessage());
                    }
                }
            }
        }

        private static String firstLine(Socket s) {
            try {
                s.setSoTimeout(2000);
                InputStream in = s.getInputStream();
                byte[] buf = new byte[512];
                int n = 0;
                while (n < buf.length) {
                    int r = in.read(buf, n, buf.length - n);
                    if (r < 0) {
                        break;
                    }
                    n += r;
                    if (new String(buf, 0, n, StandardCharsets.ISO_8859_1).contains("\n")) {
                        break;
                    }
                }
                String text = new String(buf, 0, n, StandardCharsets.ISO_8859_1);
                int nl = text.indexOf('\n');
                String line = (nl >= 0 ? text.substring(0, nl) : text).trim();
                return line.chars().allMatch(c -> c >= 0x20 && c < 0x7f) ? line
                        : "non-HTTP bytes (SOCKS?): " + hex(buf, Math.min(n, 32));
            } catch (SocketTimeoutException e) {
                return "connection that sent nothing";
            } catch (IOException e) {
                return "connection (" + e.getMessage() + ")";
            }
        }

        private static String hex(byte[] b, int n) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < n; i++) {
                sb.append(String.format("%02x", b[i]));
            }
            return sb.toString();
        }

        @Override
        public void close() {
            stop();
        }

        /** Stops accepting and returns what was seen. */
        List<String> stop() {
            try {
                if (!server.isClosed()) {
                    server.close();
                }
                thread.join(5000);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (seen) {
                return List.copyOf(seen);
            }
        }
    }
}
