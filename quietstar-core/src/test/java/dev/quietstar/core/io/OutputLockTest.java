package dev.quietstar.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The single-writer lock across processes: a live holder is named by pid, a killed holder's lock is stale. */
class OutputLockTest {

    @TempDir
    Path dir;

    /** In a child JVM: "hold" takes the lock and keeps it until killed; "try" reports whether it can take it. */
    static final class Child {
        public static void main(String[] args) throws Exception {
            if (args[0].equals("hold")) {
                OutputLock lock = OutputLock.acquire(Path.of(args[1]), h -> "busy");
                System.out.println("locked " + lock.file());
                System.out.flush();
                Thread.sleep(TimeUnit.MINUTES.toMillis(5));
            } else {
                try (OutputLock lock = OutputLock.acquire(Path.of(args[1]), h -> "refused: held by " + h)) {
                    System.out.println("locked " + lock.file());
                } catch (IllegalStateException e) {
                    System.out.println(e.getMessage());
                }
            }
        }
    }

    private static Process start(String mode, Path lockFile) throws IOException {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-cp", cp, Child.class.getName(), mode, lockFile.toString())).redirectErrorStream(true)
                .start();
    }

    /** The first line the child prints that is not a logging notice. */
    private static String firstLine(Process p) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = r.readLine()) != null && line.startsWith("SLF4J")) {
            // the logging facade's notices
        }
        return line;
    }

    @Test
    void anotherProcessIsNamedByPidAndItsLockIsStaleOnceItIsKilled() throws Exception {
        Path lockFile = dir.resolve(".out.quietstar-lock");
        Process child = start("hold", lockFile);
        try {
            assertThat(firstLine(child)).as("the child took the lock").startsWith("locked");
            assertThatThrownBy(() -> OutputLock.acquire(lockFile, holder -> "held by " + holder))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("held by process " + child.pid() + ", running");
        } finally {
            child.destroyForcibly(); // SIGKILL: the child cannot delete its lock file
            child.waitFor(30, TimeUnit.SECONDS);
        }
        assertThat(lockFile).as("left behind by the killed holder").exists();
        assertThat(OutputLock.writtenPid(lockFile)).isEqualTo(child.pid());
        try (OutputLock lock = OutputLock.acquire(lockFile, holder -> "held by " + holder)) {
            assertThat(OutputLock.writtenPid(lockFile)).isEqualTo(ProcessHandle.current().pid());
        }
        assertThat(Files.exists(lockFile)).as("deleted by its holder on release").isFalse();
    }

    @Test
    void aSecondWriterInTheSameProcessIsRefusedWithoutDroppingTheLock() throws Exception {
        Path lockFile = dir.resolve(".x.quietstar-lock");
        try (OutputLock held = OutputLock.acquire(lockFile, h -> "busy " + h)) {
            assertThatThrownBy(() -> OutputLock.acquire(lockFile, h -> "busy " + h))
                    .hasMessage("busy process " + ProcessHandle.current().pid() + ", this one");
            OutputLock.writtenPid(lockFile);
            // Closing a second descriptor of the file would have dropped the operating-system lock: another process
            // must still be refused.
            Process child = start("try", lockFile);
            String line = firstLine(child);
            child.waitFor(30, TimeUnit.SECONDS);
            assertThat(line).isEqualTo("refused: held by process " + ProcessHandle.current().pid() + ", running");
        }
        try (OutputLock again = OutputLock.acquire(lockFile, h -> "busy " + h)) {
            assertThat(again.file()).exists();
        }
    }
}
