package dev.quietstar.core.train;

import dev.quietstar.core.io.OutputLock;
import java.io.IOException;
import java.nio.file.Path;

/**
 * One training process at a time per output folder: the shared {@link OutputLock} on a file inside the folder,
 * holding the holder's process id for the message a second writer gets. A run never swaps its output folder as a
 * whole (it adds checkpoints to it), so the lock file can live inside it. The operating system releases the lock when
 * the holder ends, even when it is killed, so a crashed run's lock file is stale and does not block the next run.
 */
final class RunLock implements AutoCloseable {

    /** The lock file's name in the output folder. */
    static final String FILE = ".quietstar-train.lock";

    private final OutputLock lock;

    private RunLock(OutputLock lock) {
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
        return new RunLock(OutputLock.acquire(folder.resolve(FILE), holder -> "another training run is writing to "
                + folder + " (" + holder + "); two runs in one folder would overwrite each other's checkpoints. "
                + "Wait for it or choose another --output folder"));
    }

    @Override
    public void close() throws IOException {
        lock.close();
    }
}
