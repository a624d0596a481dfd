package dev.quietstar.core.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Reads untrusted text files (configuration, metadata, index and input JSON) with a size limit checked before a
 * single byte is read, so an oversized or hostile file fails with a message naming it instead of exhausting memory;
 * and reads checked byte ranges of binary weight files ({@link #readFully}) for the safetensors and llama2.c readers.
 */
public final class BoundedFiles {

    /** Limit for JSON and YAML metadata files: configurations, checkpoint metadata, shard indexes. */
    public static final long MAX_METADATA_BYTES = 64L * 1024 * 1024;
    /** Limit for tokenizer files, which hold a whole vocabulary and merge list. */
    public static final long MAX_TOKENIZER_BYTES = 512L * 1024 * 1024;

    /** What {@link #notARegularFile} says of a path that does not exist. */
    public static final String MISSING = "does not exist";

    private BoundedFiles() {}

    /**
     * Why a path cannot be read as a file, in words that finish a sentence starting with the path: null for a
     * regular file (symbolic links followed), {@value #MISSING}, or for a path that exists
     * {@code "is not a regular file (a folder)"} and likewise for a FIFO, a character or block device or a socket.
     * A reader that only asked {@link Files#isRegularFile} would call a FIFO or a device missing, and one that
     * opened it would block or read without end.
     *
     * @param path the path
     * @return null when the path is a regular file, else the reason
     */
    public static String notARegularFile(Path path) {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(path, BasicFileAttributes.class);
        } catch (IOException e) {
            return MISSING;
        }
        if (a.isRegularFile()) {
            return null;
        }
        return "is not a regular file (" + kind(path, a) + ")";
    }

    /**
     * Refuses a path that is not a regular file, saying whether it is missing or what it is instead.
     *
     * @param file the path
     * @param what what the file is, for messages ("config file", "probe input file")
     * @param fix what to pass instead, for messages ("pass a .txt or .jsonl file")
     * @throws IllegalArgumentException naming {@code what}, the path, the reason and the fix
     */
    public static void requireRegularFile(Path file, String what, String fix) {
        String reason = notARegularFile(file);
        if (reason != null) {
            throw new IllegalArgumentException(what + " " + file + " " + reason + "; " + fix);
        }
    }

    /**
     * Refuses a file of a folder (a checkpoint's {@code config.json}, say) that is missing, with the caller's
     * message, or that is not a regular file, naming what it is.
     *
     * @param file the path
     * @param whenMissing the message for a missing file
     * @throws IllegalArgumentException with {@code whenMissing}, or naming the path and what it is
     */
    public static void requireFileIn(Path file, String whenMissing) {
        String reason = notARegularFile(file);
        if (MISSING.equals(reason)) {
            throw new IllegalArgumentException(whenMissing);
        }
        if (reason != null) {
            throw new IllegalArgumentException(file + " " + reason + "; replace it with the regular file it should "
                    + "be");
        }
    }

    private static String kind(Path path, BasicFileAttributes a) {
        if (a.isDirectory()) {
            return "a folder";
        }
        try {
            int type = ((Integer) Files.getAttribute(path, "unix:mode")) & 0170000;
            switch (type) {
                case 0010000:
                    return "a FIFO";
                case 0020000:
                    return "a character device";
                case 0060000:
                    return "a block device";
                case 0140000:
                    return "a socket";
                default:
                    break;
            }
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | ClassCastException e) {
            // no unix view on this platform: say what it may be
        }
        return "a FIFO, device or socket";
    }

    /**
     * Reads a whole file as UTF-8 after checking that it is a regular file of at most {@code maxBytes} bytes.
     *
     * @param file the file
     * @param maxBytes the largest size accepted
     * @param what what the file is, for messages ("config file", "probe input")
     * @return the text
     * @throws IllegalArgumentException naming the file when it is missing, not a regular file, too large, not
     *     UTF-8 or unreadable
     */
    public static String readUtf8(Path file, long maxBytes, String what) {
        try {
            String reason = notARegularFile(file);
            if (reason != null) {
                throw new IllegalArgumentException(what + " " + file + " " + reason);
            }
            long size = Files.size(file);
            if (size > maxBytes) {
                throw new IllegalArgumentException(what + " " + file + " is " + size + " bytes, more than the "
                        + maxBytes + " accepted; it is not a file this library wrote or reads");
            }
            byte[] bytes = Files.readAllBytes(file);
            if (bytes.length > maxBytes) { // grew while reading
                throw new IllegalArgumentException(what + " " + file + " grew past " + maxBytes + " bytes");
            }
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(what + " " + file + " is not UTF-8 text", e);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(what + " " + file + " does not exist", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + what + " " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Fills a buffer from a file at an absolute position (the channel's own position is not used or moved), for
     * binary readers that have already checked the range against the file's size.
     *
     * @param ch the file
     * @param buf the buffer, filled from its position to its limit
     * @param position the first byte to read
     * @throws IOException when the file ends before the buffer is full, or reading fails
     */
    public static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file at byte " + pos);
            }
            pos += n;
        }
    }
}
