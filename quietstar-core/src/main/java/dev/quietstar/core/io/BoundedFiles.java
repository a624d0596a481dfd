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

    private BoundedFiles() {}

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
            if (!Files.exists(file)) {
                throw new IllegalArgumentException(what + " " + file + " does not exist");
            }
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException(what + " " + file + " is not a regular file");
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
