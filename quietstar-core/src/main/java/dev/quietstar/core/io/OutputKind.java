package dev.quietstar.core.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * What a writer writes, so that a destination can be recognised as an earlier output of the same writer.
 *
 * <p>A folder kind is recognised by the marker file {@value #MARKER_FILE} that {@link OutputFolder} writes into
 * every output folder ({@code {"kind": "<name>", ...}}), or, for outputs written before the marker existed, by a
 * signature: files that only that writer leaves together (an ONNX export's {@code model.onnx} and
 * {@code mixing_head.onnx}). A kind without a signature is recognised by its marker only. A file kind is recognised
 * by its content: a predicate on the file's first {@value #HEAD_BYTES} bytes, for example a
 * {@code <meta name="generator">} tag.
 */
public final class OutputKind {

    /** The marker file written into every output folder. */
    public static final String MARKER_FILE = ".quietstar-output.json";

    /** How much of a file the content predicate of a file kind sees. */
    public static final int HEAD_BYTES = 64 * 1024;

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]*");

    private final String name;
    private final String description;
    private final List<String> signature;
    private final Predicate<String> head;

    private OutputKind(String name, String description, List<String> signature, Predicate<String> head) {
        if (!NAME.matcher(Objects.requireNonNull(name, "name")).matches()) {
            throw new IllegalArgumentException("an output kind's name is lower-case letters, digits and '-', was '"
                    + name + "'");
        }
        this.name = name;
        this.description = Objects.requireNonNull(description, "description");
        this.signature = List.copyOf(signature);
        this.head = head;
    }

    /**
     * A kind of output folder.
     *
     * @param name the name recorded in the marker, for example {@code eval}
     * @param description how messages name it, for example {@code "eval output"}
     * @param signatureFiles files (or folders) that together identify an output written before the marker existed;
     *     none when only the marker identifies it
     * @return the kind
     */
    public static OutputKind folder(String name, String description, String... signatureFiles) {
        return new OutputKind(name, description, List.of(signatureFiles), null);
    }

    /**
     * A kind of output file, recognised by its content.
     *
     * @param name the kind's name, for example {@code report}
     * @param description how messages name it, for example {@code "thought report"}
     * @param head whether the first {@value #HEAD_BYTES} bytes of a file (decoded as UTF-8, malformed bytes
     *     replaced) are the start of an earlier output of this kind
     * @return the kind
     */
    public static OutputKind file(String name, String description, Predicate<String> head) {
        return new OutputKind(name, description, List.of(), Objects.requireNonNull(head, "head"));
    }

    /**
     * The name recorded in the marker.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * How messages name the kind.
     *
     * @return for example {@code "eval output"}
     */
    public String description() {
        return description;
    }

    /**
     * Whether this is a kind of file (recognised by content) rather than of folder.
     *
     * @return true for a file kind
     */
    public boolean isFile() {
        return head != null;
    }

    /**
     * Whether a folder written before the marker existed holds this kind's signature files.
     *
     * @param folder an existing folder without a marker
     * @return true when the kind has a signature and every file of it is there
     */
    boolean hasSignature(Path folder) {
        return !signature.isEmpty() && signature.stream().allMatch(f -> Files.exists(folder.resolve(f)));
    }

    /**
     * Whether a file is an earlier output of this file kind.
     *
     * @param file an existing regular file
     * @return true when its first bytes match
     * @throws IOException when it cannot be read
     */
    boolean recognisesFile(Path file) throws IOException {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(HEAD_BYTES);
        }
        return head.test(new String(bytes, StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return name;
    }
}
