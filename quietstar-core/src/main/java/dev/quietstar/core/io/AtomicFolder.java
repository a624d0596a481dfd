package dev.quietstar.core.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a folder so that readers see either the complete old content or the complete new content, never a mix.
 *
 * <p>The writer fills a fresh sibling folder {@code .<name>.tmp-<random>}; every file in it is forced to disk;
 * then an existing target is renamed to {@code .<name>.old-<random>}, the new folder is renamed to the target
 * (an atomic move where the file system supports one), and the old folder is deleted. If the writer fails, its
 * folder is deleted and the target is left untouched. A crash between the two renames leaves the previous content
 * in the {@code .old-} folder, from which it can be restored by hand. A temporary folder that a killed writer left
 * behind is hidden (its name starts with a dot) and is removed by the next write of the same target. A write that
 * fails because the disk is full says so, naming the target and that its previous content is intact
 * ({@link DiskFull}).
 */
public final class AtomicFolder {

    private static final Logger LOG = LoggerFactory.getLogger(AtomicFolder.class);

    private AtomicFolder() {}

    /**
     * Fills a folder with files.
     */
    @FunctionalInterface
    public interface FolderWriter {

        /**
         * Writes every file of the new content into an empty folder.
         *
         * @param tempDir the folder to fill; it will be renamed to the target afterwards
         * @throws IOException when writing fails; the folder is then deleted
         */
        void writeTo(Path tempDir) throws IOException;
    }

    /**
     * Writes the target folder atomically, replacing any previous content.
     *
     * @param target the folder to create or replace
     * @param writer fills the new content
     * @throws IOException when the content cannot be written or moved into place; the previous content is kept
     */
    public static void write(Path target, FolderWriter writer) throws IOException {
        Path absolute = target.toAbsolutePath().normalize();
        Path parent = absolute.getParent();
        if (parent == null) {
            throw new IOException("cannot write a folder atomically at the file-system root " + target
                    + "; choose a folder inside another folder");
        }
        if (Files.exists(absolute) && !Files.isDirectory(absolute)) {
            throw new IOException(target + " exists and is not a folder; remove it or choose another target");
        }
        Files.createDirectories(parent);
        String name = absolute.getFileName().toString();
        deleteStaleTemporaries(parent, name);
        String left = Files.exists(absolute) ? "the previous content of " + target + " is intact"
                : "nothing was left at " + target;
        Path temp;
        try {
            temp = Files.createDirectory(parent.resolve("." + name + ".tmp-" + randomSuffix()));
        } catch (IOException e) {
            throw DiskFull.describe(e, target, left);
        }
        try {
            writer.writeTo(temp);
            forceAll(temp);
        } catch (IOException e) {
            deleteQuietly(temp);
            throw DiskFull.describe(e, target, left);
        } catch (UncheckedIOException e) {
            deleteQuietly(temp);
            if (DiskFull.isDiskFull(e)) {
                throw DiskFull.describe(e.getCause(), target, left);
            }
            throw e;
        } catch (RuntimeException | Error e) {
            deleteQuietly(temp);
            throw e;
        }
        Path old = null;
        if (Files.exists(absolute)) {
            old = parent.resolve("." + name + ".old-" + randomSuffix());
            try {
                move(absolute, old);
            } catch (IOException e) {
                deleteQuietly(temp);
                throw new IOException("cannot move the previous content of " + target + " aside: " + e.getMessage(),
                        e);
            }
        }
        try {
            move(temp, absolute);
        } catch (IOException e) {
            if (old != null) {
                move(old, absolute);
            }
            deleteQuietly(temp);
            throw new IOException("cannot move the new content into " + target + ": " + e.getMessage(), e);
        }
        forceDirectory(parent);
        if (old != null) {
            deleteQuietly(old);
        }
    }

    /** Removes the temporary folders of earlier writes of the same target that a crash (kill -9) left behind. */
    private static void deleteStaleTemporaries(Path parent, String name) throws IOException {
        String prefix = "." + name + ".tmp-";
        List<Path> stale;
        try (Stream<Path> s = Files.list(parent)) {
            stale = s.filter(p -> p.getFileName().toString().startsWith(prefix)).toList();
        }
        for (Path p : stale) {
            LOG.info("removing {}, left by an interrupted write of {}", p, name);
            deleteQuietly(p);
        }
    }

    static String randomSuffix() {
        return HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    }

    static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    private static void forceAll(Path dir) throws IOException {
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(dir)) {
            paths = walk.toList();
        }
        for (Path p : paths) {
            if (Files.isRegularFile(p)) {
                try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
            } else if (Files.isDirectory(p)) {
                forceDirectory(p);
            }
        }
    }

    /** Forces a folder's entries to disk where the platform allows opening a folder (not on Windows). */
    static void forceDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            LOG.debug("cannot force folder {} to disk: {}", dir, e.toString());
        }
    }

    static void deleteQuietly(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.warn("cannot delete temporary folder {}: {}; delete it by hand", dir, e.toString());
        }
    }
}
