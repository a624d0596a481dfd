package dev.quietstar.core.testing;

import java.io.IOException;
import java.net.SocketPermission;
import java.net.URI;
import java.net.URLPermission;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.Permission;
import java.util.Locale;

/**
 * A security manager that refuses every connection and name lookup that would leave the machine, and writes each
 * attempt to the file named by the system property {@value #LOG_PROPERTY}. {@link FreshJvm} starts programs with it
 * ({@code -Djava.security.manager=dev.quietstar.core.testing.NetworkGuard}); it is not meant for anything else.
 *
 * <p>Every socket connect, datagram send and host-name lookup of the JVM is checked as a {@link SocketPermission}
 * ("connect" or "resolve"), whichever API opens it: {@code Socket}, NIO channels, {@code HttpURLConnection},
 * {@code java.net.http.HttpClient}. A target that is not a loopback literal ({@code 127.x}, {@code ::1},
 * {@code localhost}) is written to the log and refused with a {@link SecurityException} before any packet is sent,
 * so a failing check never reaches the network (not DJL's telemetry endpoint, not the EC2 metadata address
 * 169.254.169.254). HTTP requests are also seen as {@link URLPermission} checks, which are logged but not refused:
 * the JDK then checks the connection to the request's host, which is refused.
 *
 * <p>Everything else is allowed: the guard is a detector, not a sandbox. The security manager is deprecated for
 * removal since Java 17 and cannot be enabled from Java 24 on; {@link FreshJvm} leaves it out there and relies on its
 * proxy alone.
 */
public final class NetworkGuard extends SecurityManager {

    /** The system property naming the file attempts are appended to, one per line. */
    public static final String LOG_PROPERTY = "quietstar.networkGuard.log";

    private final Path log;
    private final ThreadLocal<Boolean> writing = ThreadLocal.withInitial(() -> false);

    /** Created by the JVM at start-up, from {@code -Djava.security.manager}. */
    public NetworkGuard() {
        String file = System.getProperty(LOG_PROPERTY);
        this.log = file == null ? null : Path.of(file);
        append("installed");
    }

    @Override
    public void checkPermission(Permission permission) {
        if (permission instanceof SocketPermission s) {
            String actions = s.getActions();
            if ((actions.contains("connect") || actions.contains("resolve")) && !loopback(host(s.getName()))) {
                append("refused socket " + actions + " " + s.getName());
                throw new SecurityException("network access refused by the test's network guard: " + actions + " "
                        + s.getName());
            }
        } else if (permission instanceof URLPermission u) {
            String host = urlHost(u.getName());
            if (!loopback(host)) {
                append("seen request " + u.getActions() + " " + u.getName());
            }
        }
    }

    @Override
    public void checkPermission(Permission permission, Object context) {
        checkPermission(permission);
    }

    /** The host part of a {@link SocketPermission} name: {@code host}, {@code host:port}, {@code [v6]:port}. */
    static String host(String name) {
        if (name.startsWith("[")) {
            int end = name.indexOf(']');
            return end < 0 ? name : name.substring(1, end);
        }
        int colon = name.indexOf(':');
        if (colon >= 0 && name.indexOf(':', colon + 1) < 0) {
            return name.substring(0, colon);
        }
        return name;
    }

    private static String urlHost(String url) {
        try {
            String h = URI.create(url.replace("*", "x")).getHost();
            return h == null ? "" : h;
        } catch (IllegalArgumentException e) {
            return url;
        }
    }

    /** Loopback literals and {@code localhost} only: no name is resolved here. */
    static boolean loopback(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        return h.equals("localhost") || h.startsWith("127.") || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1");
    }

    private void append(String line) {
        if (log == null || writing.get()) {
            return;
        }
        writing.set(true);
        try {
            Files.writeString(log, line + System.lineSeparator(), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.err.println("network guard: cannot write " + log + ": " + e.getMessage());
        } finally {
            writing.set(false);
        }
    }
}
