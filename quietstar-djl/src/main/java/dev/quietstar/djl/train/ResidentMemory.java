package dev.quietstar.djl.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;

/**
 * The process's resident memory, for the training step's debug trace: most of a step's memory is the engine's native
 * memory, which the JVM's own tools do not see. Read from {@code /proc/self/status} (Linux); -1 elsewhere.
 */
final class ResidentMemory {

    private static final Path STATUS = Path.of("/proc/self/status");

    private ResidentMemory() {}

    /** The current resident set in bytes when the logger traces at debug level, else -1 (nothing is read). */
    static long ifTracing(Logger log) {
        return log.isDebugEnabled() ? field("VmRSS:") : -1;
    }

    /** The peak resident set of the process in bytes, or -1. */
    static long peak() {
        return field("VmHWM:");
    }

    private static long field(String name) {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith(name)) {
                    return Long.parseLong(line.substring(name.length()).trim().split("\\s+")[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
