package dev.quietstar.core.train;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One training process at a time per output folder: an operating-system lock on a file in the folder, holding the
 * holder's process id for the message a second writer gets. The operating system releases the lock when the holder
 * ends, even when it is killed, so a crashed run never leaves a stale lock behind.
 */
final class RunLock implements AutoCloseable {

    /** The lock file's name in the output folder. */
    static final String FILE = ".quietstar-train.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock of an output folder.
     *
     * @param folder the run's output folder, existing
     * @return the lock, released by {@link #close()}
     * @throws IOException when the lock file cannot be opened
     * @throws IllegalStateException when another training process (or another run in this one) holds it
     */
    static RunLock acquire(Path folder) throws IOException {
        Path file = folder.resolve(FILE);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            String holder = holder(channel);
            channel.close();
            throw new IllegalStateException("another training run is writing to " + folder + " (process "
                    + holder + "); two runs in one folder would overwrite each other's checkpoints. Wait for it or "
                    + "choose another --output folder");
        }
        channel.truncate(0);
        channel.write(ByteBuffer.wrap(Long.toString(ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8)),
                0);
        channel.force(false);
        return new RunLock(channel, lock);
    }

    private static String holder(FileChannel channel) {
        try {
            ByteBuffer buf = ByteBuffer.allocate(32);
            int n = channel.read(buf, 0);
            return n > 0 ? new String(buf.array(), 0, n, StandardCharsets.UTF_8).trim() : "unknown";
        } catch (IOException e) {
            return "unknown";
        }
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
