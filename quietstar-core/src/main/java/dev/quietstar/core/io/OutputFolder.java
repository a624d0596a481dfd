package dev.quietstar.core.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * The policy every folder writer of the library follows: a writer never destroys what it did not write.
 *
 * <ul>
 *   <li>A destination that does not exist, or an empty folder, is written.</li>
 *   <li>An earlier output of the same {@link OutputKind} is replaced only when the caller asks for it
 *       ({@code --replace} on the command line, {@link Builder#replaceExisting(boolean)} in the API); otherwise it is
 *       refused with a message that says so. The replacement is atomic ({@link AtomicFolder}): readers see the whole
 *       earlier output or the whole new one.</li>
 *   <li>A writer that adds to its own earlier output (a cache, a study that reuses its finished runs) may
 *       {@linkplain Builder#continueExisting(boolean) continue} it instead.</li>
 *   <li>Anything else is refused and left untouched: a file, a folder holding files of another kind or files
 *       quietstar did not write, a folder that is or holds an input being read.</li>
 *   <li>One writer at a time per destination: {@link #claim()} takes an {@link OutputLock} on the hidden sibling
 *       {@code .<name>.quietstar-lock}, which survives the atomic swap of the folder; a second writer is refused with
 *       the holder's pid, and a lock left by a dead process does not block.</li>
 * </ul>
 *
 * <p>Every folder written gets the marker {@value OutputKind#MARKER_FILE} ({@code {"kind": ..., "written": ...}})
 * by which the next writer recognises it.
 *
 * <pre>{@code
 * try (OutputFolder.Claim claim = OutputFolder.builder(out, EVAL).replaceExisting(replace)
 *         .input("model", model).build().claim()) {
 *     ... compute ...
 *     claim.write(dir -> Files.writeString(dir.resolve("summary.md"), markdown));
 * }
 * }</pre>
 */
public final class OutputFolder {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_MARKER_BYTES = 64 * 1024;
    /** How the refusals name the way to replace an earlier output. */
    static final String REPLACE_HINT = "pass --replace to replace it (replaceExisting(true) in the Java API)";

    /** What a destination holds, once accepted. */
    public enum State {
        /** Nothing is there yet. */
        ABSENT,
        /** An empty folder (or an empty file, for {@link OutputFile}). */
        EMPTY,
        /** An earlier output of the same kind, to be replaced or continued as asked. */
        EARLIER
    }

    private final Path target;
    private final OutputKind kind;
    private final String option;
    private final boolean replace;
    private final boolean continueExisting;
    private final List<Input> inputs;

    /** A path a writer reads, with how messages name it. */
    record Input(String what, Path path) {}

    private OutputFolder(Builder b) {
        this.target = b.target;
        this.kind = b.kind;
        this.option = b.option;
        this.replace = b.replace;
        this.continueExisting = b.continueExisting;
        this.inputs = List.copyOf(b.inputs);
    }

    /**
     * Starts the policy of one destination.
     *
     * @param target the folder to write
     * @param kind what is written there
     * @return the builder
     */
    public static Builder builder(Path target, OutputKind kind) {
        return new Builder(target, kind);
    }

    /** Builder of an {@link OutputFolder}. */
    public static final class Builder {
        private final Path target;
        private final OutputKind kind;
        private String option = "--output";
        private boolean replace;
        private boolean continueExisting;
        private final List<Input> inputs = new ArrayList<>();

        private Builder(Path target, OutputKind kind) {
            this.target = Objects.requireNonNull(target, "target");
            this.kind = Objects.requireNonNull(kind, "kind");
            if (kind.isFile()) {
                throw new IllegalArgumentException("output kind " + kind + " is a kind of file; use OutputFile");
            }
        }

        /**
         * Sets how messages name the destination's option (default {@code --output}).
         *
         * @param name for example {@code --work}
         * @return this builder
         */
        public Builder option(String name) {
            this.option = Objects.requireNonNull(name, "option");
            return this;
        }

        /**
         * Sets whether an earlier output of the same kind is replaced (atomically) instead of refused.
         *
         * @param replace true to replace it
         * @return this builder
         */
        public Builder replaceExisting(boolean replace) {
            this.replace = replace;
            return this;
        }

        /**
         * Sets whether an earlier output of the same kind is continued in place (the writer adds its own files to
         * it) instead of refused. Replacing, when also asked, wins.
         *
         * @param continueExisting true to continue it
         * @return this builder
         */
        public Builder continueExisting(boolean continueExisting) {
            this.continueExisting = continueExisting;
            return this;
        }

        /**
         * Names a path the writer reads: the destination must not be it or hold it. A null path is ignored.
         *
         * @param what how messages name it, for example {@code "checkpoint"}
         * @param path the file or folder read, or null
         * @return this builder
         */
        public Builder input(String what, Path path) {
            if (path != null) {
                inputs.add(new Input(Objects.requireNonNull(what, "what"), path));
            }
            return this;
        }

        /**
         * Builds the policy.
         *
         * @return the policy of the destination
         */
        public OutputFolder build() {
            return new OutputFolder(this);
        }
    }

    /**
     * The destination.
     *
     * @return the folder to write
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
    public State check() throws IOException {
        Path absolute = target.toAbsolutePath().normalize();
        if (!Files.exists(absolute)) {
            return State.ABSENT;
        }
        refuseInputs(option, target, absolute, inputs, "replacing it");
        if (!Files.isDirectory(absolute)) {
            throw new IllegalArgumentException(option + " " + target + " is a file, not a folder; it is left as it "
                    + "is. Choose a new folder for the " + kind.description());
        }
        List<String> entries;
        try (Stream<Path> s = Files.list(absolute)) {
            entries = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        if (entries.isEmpty()) {
            return State.EMPTY;
        }
        String written = markedKind(absolute);
        boolean earlier;
        if (written != null) {
            if (!written.equals(kind.name())) {
                throw new IllegalArgumentException(option + " " + target + " holds a quietstar " + written
                        + " output, not a " + kind.description() + "; it is left as it is. Choose a new or empty "
                        + "folder");
            }
            earlier = true;
        } else {
            earlier = kind.hasSignature(absolute);
        }
        if (!earlier) {
            throw new IllegalArgumentException(option + " " + target + " is a folder that holds files but no "
                    + kind.description() + " quietstar wrote (" + sample(entries) + "); it is left as it is. Choose "
                    + "a new or empty folder");
        }
        if (!replace && !continueExisting) {
            throw new IllegalArgumentException(option + " " + target + " already exists and holds an earlier "
                    + kind.description() + "; " + REPLACE_HINT + ", or choose a new folder");
        }
        return State.EARLIER;
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
                + "folder");
        try {
            return new Claim(lock, check());
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /** A destination checked and locked for one writer; {@link #close()} releases it. */
    public final class Claim implements AutoCloseable {
        private final OutputLock lock;
        private final State state;
        private Path aside;
        private boolean inPlace;
        private boolean committed;
        private boolean closed;

        private Claim(OutputLock lock, State state) {
            this.lock = lock;
            this.state = state;
        }

        /**
         * What the destination held when it was claimed.
         *
         * @return the state
         */
        public State state() {
            return state;
        }

        /**
         * The destination.
         *
         * @return the folder
         */
        public Path target() {
            return target;
        }

        /**
         * Writes the whole folder atomically: the writer fills a hidden temporary sibling, the marker is added, and
         * the folder is renamed into place, replacing an accepted earlier output or empty folder.
         *
         * @param writer fills the new folder
         * @throws IOException when writing fails; the destination is then left as it was
         * @throws IllegalArgumentException when the destination changed under the claim into one the policy refuses
         */
        public void write(AtomicFolder.FolderWriter writer) throws IOException {
            requireOpen();
            check(); // something that ignores the lock may have written there meanwhile
            AtomicFolder.write(target, tmp -> {
                writer.writeTo(tmp);
                writeMarker(tmp, kind);
            });
        }

        /**
         * Prepares the destination for a writer that writes into it over time (the demo): creates it with its
         * marker; an earlier output that is to be replaced is first moved aside in one rename, deleted by
         * {@link #commit()} and put back by {@link #close()} when the writer fails. An earlier output that is
         * continued is left in place.
         *
         * @return the folder to write into
         * @throws IOException when the folder cannot be prepared
         */
        public Path openInPlace() throws IOException {
            requireOpen();
            if (inPlace) {
                return target;
            }
            Path absolute = target.toAbsolutePath().normalize();
            if (state == State.EARLIER && replace) {
                aside = absolute.resolveSibling("." + absolute.getFileName() + ".old-" + AtomicFolder.randomSuffix());
                AtomicFolder.move(absolute, aside);
            }
            Files.createDirectories(absolute);
            if (!Files.exists(absolute.resolve(OutputKind.MARKER_FILE))) {
                writeMarker(absolute, kind);
            }
            inPlace = true;
            return target;
        }

        /**
         * Marks an in-place write as complete: an earlier output moved aside is deleted.
         */
        public void commit() {
            requireOpen();
            committed = true;
            if (aside != null) {
                AtomicFolder.deleteQuietly(aside);
                aside = null;
            }
        }

        /**
         * Releases the lock; after an in-place write that was not committed, deletes the partial new output and puts
         * back the earlier one it replaced.
         *
         * @throws IOException when the lock cannot be released or the earlier output cannot be put back
         */
        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            try {
                if (inPlace && !committed && aside != null) {
                    Path absolute = target.toAbsolutePath().normalize();
                    AtomicFolder.deleteQuietly(absolute);
                    AtomicFolder.move(aside, absolute);
                }
            } finally {
                lock.close();
            }
        }

        private void requireOpen() {
            if (closed) {
                throw new IllegalStateException("the claim of " + target + " is closed");
            }
        }
    }

    /**
     * The kind recorded in a folder's marker.
     *
     * @param folder an existing folder
     * @return the kind's name, or null when there is no marker
     * @throws IllegalArgumentException when the marker is unreadable or holds no kind
     */
    public static String markedKind(Path folder) {
        Path marker = folder.resolve(OutputKind.MARKER_FILE);
        if (!Files.exists(marker)) {
            return null;
        }
        try {
            JsonNode node = JSON.readTree(BoundedFiles.readUtf8(marker, MAX_MARKER_BYTES, "output marker"));
            JsonNode kind = node == null ? null : node.get("kind");
            if (kind == null || !kind.isTextual()) {
                throw new IllegalArgumentException("output marker " + marker + " has no \"kind\", so what " + folder
                        + " holds is unknown and it is left as it is; choose another folder");
            }
            return kind.asText();
        } catch (IOException e) {
            throw new IllegalArgumentException("output marker " + marker + " is not JSON, so what " + folder
                    + " holds is unknown and it is left as it is; choose another folder", e);
        }
    }

    /**
     * Writes the marker of a kind into a folder.
     *
     * @param folder the folder
     * @param kind what the folder holds
     * @throws IOException when it cannot be written
     */
    static void writeMarker(Path folder, OutputKind kind) throws IOException {
        ObjectNode node = JSON.createObjectNode();
        node.put("kind", kind.name());
        node.put("written", Instant.now().toString());
        Files.writeString(folder.resolve(OutputKind.MARKER_FILE), JSON.writerWithDefaultPrettyPrinter()
                .writeValueAsString(node) + "\n", StandardCharsets.UTF_8);
    }

    /**
     * Refuses a destination that is, or holds, one of the inputs being read.
     *
     * @param option how messages name the destination's option
     * @param target the destination as given
     * @param absolute the destination, absolute and existing
     * @param inputs the inputs
     * @param action what would destroy the input, for the message
     * @throws IOException when a path cannot be resolved
     */
    static void refuseInputs(String option, Path target, Path absolute, List<Input> inputs, String action)
            throws IOException {
        Path real = absolute.toRealPath();
        for (Input in : inputs) {
            if (!Files.exists(in.path())) {
                continue;
            }
            Path source = in.path().toRealPath();
            if (source.startsWith(real)) {
                throw new IllegalArgumentException(option + " " + target + (source.equals(real) ? " is the "
                        + in.what() : " holds the " + in.what() + " " + in.path()) + " being read; " + action
                        + " would delete it. Choose a new " + (Files.isDirectory(absolute) ? "folder" : "file"));
            }
        }
    }

    private static String sample(List<String> names) {
        List<String> shown = new ArrayList<>(names.subList(0, Math.min(3, names.size())));
        if (names.size() > 3) {
            shown.add("...");
        }
        return String.join(", ", shown);
    }
}
