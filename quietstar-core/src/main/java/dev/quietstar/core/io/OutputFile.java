package dev.quietstar.core.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * The policy of {@link OutputFolder} for a writer of one file (a thought report, a probe's JSON): a file that does
 * not exist, or an empty one, is written; an earlier output of the same {@link OutputKind} (recognised by its
 * content) is replaced only when asked; anything else is refused and left untouched, as is a folder, and a file that
 * is an input being read. The file is written to a hidden temporary file beside it, forced to disk and moved into
 * place atomically, so a reader never sees half a file. One writer at a time: {@link #claim()} takes the
 * {@link OutputLock} {@code .<name>.quietstar-lock} beside the file.
 */
public final class OutputFile {

    private final Path target;
    private final OutputKind kind;
    private final String option;
    private final boolean replace;
    private final List<OutputFolder.Input> inputs;

    private OutputFile(Builder b) {
        this.target = b.target;
        this.kind = b.kind;
        this.option = b.option;
        this.replace = b.replace;
        this.inputs = List.copyOf(b.inputs);
    }

    /**
     * Starts the policy of one destination file.
     *
     * @param target the file to write
     * @param kind what is written there, a {@linkplain OutputKind#file file kind}
     * @return the builder
     */
    public static Builder builder(Path target, OutputKind kind) {
        return new Builder(target, kind);
    }

    /** Builder of an {@link OutputFile}. */
    public static final class Builder {
        private final Path target;
        private final OutputKind kind;
        private String option = "--output";
        private boolean replace;
        private final List<OutputFolder.Input> inputs = new ArrayList<>();

        private Builder(Path target, OutputKind kind) {
            this.target = Objects.requireNonNull(target, "target");
            this.kind = Objects.requireNonNull(kind, "kind");
            if (!kind.isFile()) {
                throw new IllegalArgumentException("output kind " + kind + " is a kind of folder; use OutputFolder");
            }
        }

        /**
         * Sets how messages name the destination's option (default {@code --output}).
         *
         * @param name for example {@code --docs}
         * @return this builder
         */
        public Builder option(String name) {
            this.option = Objects.requireNonNull(name, "option");
            return this;
        }

        /**
         * Sets whether an earlier output of the same kind is replaced instead of refused.
         *
         * @param replace true to replace it
         * @return this builder
         */
        public Builder replaceExisting(boolean replace) {
            this.replace = replace;
            return this;
        }

        /**
         * Names a path the writer reads: the destination must not be it. A null path is ignored.
         *
         * @param what how messages name it, for example {@code "--text-file"}
         * @param path the file read, or null
         * @return this builder
         */
        public Builder input(String what, Path path) {
            if (path != null) {
                inputs.add(new OutputFolder.Input(Objects.requireNonNull(what, "what"), path));
            }
            return this;
        }

        /**
         * Builds the policy.
         *
         * @return the policy of the destination
         */
        public OutputFile build() {
            return new OutputFile(this);
        }
    }

    /**
     * The destination.
     *
     * @return the file to write
     */
    public Path target() {
        return target;
    }

    /**
     * Checks the destination without locking it (the check {@link #claim()} repeats under the lock).
     *
     * @return what the destination holds
     * @throws IOException when it cannot be inspected
     * @throws IllegalArgumentException naming the destination, what it holds and what to do instead, when the
     *     policy refuses it
     */
    public OutputFolder.State check() throws IOException {
        Path absolute = target.toAbsolutePath().normalize();
        if (!Files.exists(absolute)) {
            return OutputFolder.State.ABSENT;
        }
        OutputFolder.refuseInputs(option, target, absolute, inputs, "writing there");
        if (Files.isDirectory(absolute)) {
            throw new IllegalArgumentException(option + " " + target + " is a folder, not a file; it is left as it "
                    + "is. Give the path of the file to write, for example " + target.resolve("out"));
        }
        if (!Files.isRegularFile(absolute)) {
            throw new IllegalArgumentException(option + " " + target + " is not a regular file (a device, a pipe); "
                    + "give the path of a new file");
        }
        if (Files.size(absolute) == 0) {
            return OutputFolder.State.EMPTY;
        }
        if (!kind.recognisesFile(absolute)) {
            throw new IllegalArgumentException(option + " " + target + " is a file that is not a " + kind.description()
                    + " quietstar wrote; it is left as it is. Choose a new file name");
        }
        if (!replace) {
            throw new IllegalArgumentException(option + " " + target + " already exists and holds an earlier "
                    + kind.description() + "; " + OutputFolder.REPLACE_HINT + ", or choose a new file name");
        }
        return OutputFolder.State.EARLIER;
    }

    /**
     * Checks the destination and takes its lock for the writer's whole run.
     *
     * @return the claim; close it when the writer is done
     * @throws IOException when the destination cannot be inspected or locked
     * @throws IllegalArgumentException when the policy refuses the destination
     * @throws IllegalStateException naming the other writer's pid when another writer holds the destination
     */
    public Claim claim() throws IOException {
        check();
        OutputLock lock = OutputLock.acquire(OutputLock.besideTarget(target), holder -> "another quietstar writer ("
                + holder + ") is writing " + option + " " + target + "; wait for it to finish or choose another "
                + "file");
        try {
            check();
            return new Claim(lock);
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /**
     * Checks, locks and writes a text file in one call.
     *
     * @param text the content, written as UTF-8
     * @throws IOException when it cannot be written; an earlier file is then left as it was
     * @throws IllegalArgumentException when the policy refuses the destination
     * @throws IllegalStateException when another writer holds the destination
     */
    public void write(String text) throws IOException {
        try (Claim claim = claim()) {
            claim.write(text);
        }
    }

    /** A destination file checked and locked for one writer; {@link #close()} releases it. */
    public final class Claim implements AutoCloseable {
        private final OutputLock lock;
        private boolean closed;

        private Claim(OutputLock lock) {
            this.lock = lock;
        }

        /**
         * The destination.
         *
         * @return the file
         */
        public Path target() {
            return target;
        }

        /**
         * Writes the file atomically as UTF-8 text.
         *
         * @param text the content
         * @throws IOException when it cannot be written; the destination is then left as it was
         */
        public void write(String text) throws IOException {
            write(text.getBytes(StandardCharsets.UTF_8));
        }

        /**
         * Writes the file atomically: a hidden temporary file beside it, forced to disk, moved into place.
         *
         * @param bytes the content
         * @throws IOException when it cannot be written; the destination is then left as it was
         * @throws IllegalArgumentException when the destination changed under the claim into one the policy refuses
         */
        public void write(byte[] bytes) throws IOException {
            if (closed) {
                throw new IllegalStateException("the claim of " + target + " is closed");
            }
            check(); // something that ignores the lock may have written there meanwhile
            Path absolute = target.toAbsolutePath().normalize();
            Path parent = absolute.getParent();
            Files.createDirectories(parent);
            String name = absolute.getFileName().toString();
            deleteStaleTemporaries(parent, name);
            Path temp = parent.resolve("." + name + ".tmp-" + AtomicFolder.randomSuffix());
            try {
                try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    ByteBuffer buf = ByteBuffer.wrap(bytes);
                    while (buf.hasRemaining()) {
                        ch.write(buf);
                    }
                    ch.force(true);
                }
                try {
                    Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(temp);
            }
            AtomicFolder.forceDirectory(parent);
        }

        /**
         * Releases the lock.
         *
         * @throws IOException when it cannot be released
         */
        @Override
        public void close() throws IOException {
            if (!closed) {
                closed = true;
                lock.close();
            }
        }
    }

    /** Removes the temporary files of earlier writes of the same file that a crash (kill -9) left behind. */
    private static void deleteStaleTemporaries(Path parent, String name) throws IOException {
        String prefix = "." + name + ".tmp-";
        List<Path> stale;
        try (Stream<Path> s = Files.list(parent)) {
            stale = s.filter(p -> p.getFileName().toString().startsWith(prefix) && Files.isRegularFile(p)).toList();
        }
        for (Path p : stale) {
            Files.deleteIfExists(p);
        }
    }
}
