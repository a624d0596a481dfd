package dev.quietstar.core.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One writer at a time per destination: an operating-system lock on a small lock file whose content is the holder's
 * process id (and a random token), so a second writer is refused with a message that names the holder.
 *
 * <p>The lock is the operating system's, not the file's existence: the operating system releases it when the holder
 * ends, even when it is killed, so a lock file left behind by a dead process is stale and simply taken over by the
 * next writer. The holder deletes the file when it releases the lock. Because a lock file can be deleted (by the
 * holder, or by hand) while another writer has it open, a writer that obtains the lock then reads the file back by
 * its name and keeps the lock only when it finds its own token there; otherwise it locked a file that is no longer
 * the lock file, and it starts again.
 *
 * <p>A process never opens a lock file it holds a second time and then closes it: closing any descriptor of a file
 * drops all of the process's POSIX locks on it. So a second writer in the same process is refused from an in-process
 * table without touching the file, and the holder keeps the descriptor it read its token back with until it
 * releases the lock.
 *
 * <p>{@link #besideTarget(Path)} names the lock file of a destination that is replaced as a whole (a folder renamed
 * into place, a file moved into place): a hidden sibling {@code .<name>.quietstar-lock} in the destination's parent
 * folder, which survives the swap. A writer that never swaps its folder (a training run) may keep its lock file
 * inside the folder.
 */
public final class OutputLock implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OutputLock.class);

    /** The suffix of the lock file beside a destination. */
    public static final String SUFFIX = ".quietstar-lock";

    private static final int ATTEMPTS = 10;
    /**
     * The locked byte: beyond the content, so the holder's pid stays readable on platforms whose locks are mandatory
     * (Windows); at 1 GiB, not near {@code Long.MAX_VALUE}, where Linux does not see two processes' locks conflict.
     */
    private static final long LOCK_POSITION = 1L << 30;

    /** The lock files this process holds, by absolute path with the parent folder's real path. */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private final Path file;
    private final Path key;
    private final FileChannel channel;
    private final FileChannel readBack;
    private final FileLock lock;
    private final Object fileKey;
    private boolean closed;

    private OutputLock(Path file, Path key, FileChannel channel, FileChannel readBack, FileLock lock,
            Object fileKey) {
        this.file = file;
        this.key = key;
        this.channel = channel;
        this.readBack = readBack;
        this.lock = lock;
        this.fileKey = fileKey;
    }

    /**
     * The lock file of a destination that is replaced as a whole: {@code .<name>.quietstar-lock} beside it.
     *
     * @param target the folder or file written
     * @return the lock file's path (in the target's parent folder)
     * @throws IllegalArgumentException when the target has no parent folder (the file-system root)
     */
    public static Path besideTarget(Path target) {
        Path absolute = target.toAbsolutePath().normalize();
        Path parent = absolute.getParent();
        if (parent == null || absolute.getFileName() == null) {
            throw new IllegalArgumentException(target + " is the file-system root; choose a folder or file inside "
                    + "another folder");
        }
        return parent.resolve("." + absolute.getFileName() + SUFFIX);
    }

    /**
     * Takes the lock, creating the lock file (and its parent folders) when needed.
     *
     * @param lockFile the lock file
     * @param refusal builds the message of the refusal from a description of the live holder, for example
     *     {@code "process 4242, running"}; the message should name the destination and what to do instead
     * @return the lock, released (and its file deleted) by {@link #close()}
     * @throws IOException when the lock file cannot be created, opened or locked
     * @throws IllegalStateException with the refusal's message when a live writer holds the lock
     */
    public static OutputLock acquire(Path lockFile, Function<String, String> refusal) throws IOException {
        Objects.requireNonNull(lockFile, "lockFile");
        Objects.requireNonNull(refusal, "refusal");
        Path absolute = lockFile.toAbsolutePath().normalize();
        Path parent = absolute.getParent();
        Files.createDirectories(parent);
        Path key = parent.toRealPath().resolve(absolute.getFileName());
        if (!HELD.add(key)) {
            throw new IllegalStateException(refusal.apply("process " + ProcessHandle.current().pid()
                    + ", this one"));
        }
        try {
            return lock(absolute, key, refusal);
        } catch (IOException | RuntimeException e) {
            HELD.remove(key);
            throw e;
        }
    }

    private static OutputLock lock(Path file, Path key, Function<String, String> refusal) throws IOException {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock(LOCK_POSITION, 1, false);
            } catch (OverlappingFileLockException e) {
                // Locked in this process by code that does not go through this class. Closing the channel may drop
                // that lock (POSIX), which is still better than leaking a descriptor per refusal.
                channel.close();
                throw new IllegalStateException(refusal.apply("process " + ProcessHandle.current().pid()
                        + ", this one"), e);
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw new IOException("cannot lock " + file + ": " + e.getMessage() + "; the file system may not "
                        + "support locks, choose a destination on a local disk", e);
            }
            if (lock == null) {
                String holder = holder(channel);
                channel.close(); // this process holds no lock on the file, so closing drops nothing
                throw new IllegalStateException(refusal.apply(holder));
            }
            String token = ProcessHandle.current().pid() + " "
                    + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
            FileChannel readBack = null;
            try {
                channel.truncate(0);
                channel.write(ByteBuffer.wrap((token + "\n").getBytes(StandardCharsets.UTF_8)), 0);
                channel.force(false);
                try {
                    readBack = FileChannel.open(file, StandardOpenOption.READ);
                } catch (NoSuchFileException e) {
                    readBack = null; // deleted meanwhile
                }
                if (readBack != null && token.equals(read(readBack))) {
                    Object fileKey = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
                    return new OutputLock(file, key, channel, readBack, lock, fileKey);
                }
            } catch (IOException | RuntimeException e) {
                closeQuietly(lock, channel, readBack);
                throw e;
            }
            // The file was deleted (or replaced) after this writer opened it: the lock guards nothing. Try again.
            closeQuietly(lock, channel, readBack);
        }
        throw new IOException("cannot take the lock " + file + ": it kept being deleted or replaced while locking; "
                + "check that no other program removes it");
    }

    /**
     * The process id written in a lock file that this process does not hold, when the file exists and starts with
     * one. (Reading a lock file that this process holds would drop its lock; this returns the own pid for those.)
     *
     * @param lockFile the lock file
     * @return the process id, or -1
     */
    public static long writtenPid(Path lockFile) {
        try {
            Path absolute = lockFile.toAbsolutePath().normalize();
            if (HELD.contains(absolute.getParent().toRealPath().resolve(absolute.getFileName()))) {
                return ProcessHandle.current().pid();
            }
            return parsePid(Files.readString(absolute, StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * The lock file.
     *
     * @return its path
     */
    public Path file() {
        return file;
    }

    /**
     * Deletes the lock file while still holding the lock (so no writer takes over a file about to vanish), then
     * releases the lock.
     *
     * @throws IOException when the lock cannot be released
     */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (fileKey != null && fileKey.equals(Files.readAttributes(file, BasicFileAttributes.class).fileKey())) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            LOG.debug("cannot delete lock file {}: {}", file, e.toString());
        } finally {
            try {
                lock.release();
            } finally {
                try {
                    channel.close();
                    readBack.close();
                } finally {
                    HELD.remove(key);
                }
            }
        }
    }

    private static String read(FileChannel ch) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(128);
        int n = ch.read(buf, 0);
        return n > 0 ? new String(buf.array(), 0, n, StandardCharsets.UTF_8).trim() : "";
    }

    /** "process N" (with "running" when it is alive) or "an unknown process". */
    private static String holder(FileChannel channel) {
        try {
            long pid = parsePid(read(channel));
            if (pid < 0) {
                return "an unknown process";
            }
            return "process " + pid + ProcessHandle.of(pid).map(p -> p.isAlive() ? ", running" : "").orElse("");
        } catch (IOException e) {
            return "an unknown process";
        }
    }

    private static long parsePid(String content) {
        String s = content.strip();
        int end = 0;
        while (end < s.length() && Character.isDigit(s.charAt(end))) {
            end++;
        }
        if (end == 0 || end > 18) {
            return -1;
        }
        return Long.parseLong(s.substring(0, end));
    }

    private static void closeQuietly(FileLock lock, FileChannel channel, FileChannel readBack) {
        try {
            lock.release();
        } catch (IOException e) {
            LOG.debug("cannot release lock: {}", e.toString());
        }
        for (FileChannel ch : new FileChannel[] {channel, readBack}) {
            if (ch == null) {
                continue;
            }
            try {
                ch.close();
            } catch (IOException e) {
                LOG.debug("cannot close lock file: {}", e.toString());
            }
        }
    }
}
