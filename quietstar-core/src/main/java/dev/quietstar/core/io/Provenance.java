package dev.quietstar.core.io;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * How an artifact was made, saved as pretty JSON with snake_case keys beside the artifact (for example
 * {@code provenance.json} in a checkpoint folder).
 *
 * <p>Reading ignores fields this version does not know, so files written by later versions stay readable.
 *
 * @param createdAt when the artifact was made, ISO-8601 in UTC
 * @param quietstarVersion the library version that made it
 * @param javaVersion the Java runtime version
 * @param os operating system name, version and architecture
 * @param command the command line or program that made it
 * @param seed the run's seed
 * @param config the Quiet-STaR configuration as a JSON tree, or null
 * @param data a description of the training data
 * @param notes free-form extra facts, sorted by key
 */
@JsonPropertyOrder({"created_at", "quietstar_version", "java_version", "os", "command", "seed", "config", "data",
    "notes"})
public record Provenance(
        @JsonProperty("created_at") String createdAt,
        @JsonProperty("quietstar_version") String quietstarVersion,
        @JsonProperty("java_version") String javaVersion,
        @JsonProperty("os") String os,
        @JsonProperty("command") String command,
        @JsonProperty("seed") long seed,
        @JsonProperty("config") JsonNode config,
        @JsonProperty("data") String data,
        @JsonProperty("notes") Map<String, String> notes) {

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /**
     * Keeps the notes as an immutable sorted map (null becomes empty) and reads a JSON null config as null.
     *
     * @param createdAt when the artifact was made, ISO-8601 in UTC
     * @param quietstarVersion the library version that made it
     * @param javaVersion the Java runtime version
     * @param os operating system name, version and architecture
     * @param command the command line or program that made it
     * @param seed the run's seed
     * @param config the Quiet-STaR configuration as a JSON tree, or null
     * @param data a description of the training data
     * @param notes free-form extra facts
     */
    public Provenance {
        notes = notes == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(notes));
        if (config != null && config.isNull()) {
            config = null;
        }
    }

    /**
     * Records the current time, library version, Java runtime and operating system with the given facts.
     *
     * @param command the command line or program
     * @param seed the run's seed
     * @param config the configuration object (a record such as {@code QuietStarConfig}), or null
     * @param data a description of the training data
     * @param notes extra facts
     * @return the provenance
     */
    public static Provenance capture(String command, long seed, Object config, String data,
            Map<String, String> notes) {
        JsonNode tree = null;
        if (config != null) {
            // Through text, so the tree holds the same node types as one read back from the file.
            try {
                tree = MAPPER.readTree(MAPPER.writeValueAsString(config));
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("cannot record config of type " + config.getClass().getName()
                        + " as JSON: " + e.getOriginalMessage(), e);
            }
        }
        return new Provenance(Instant.now().toString(), libraryVersion(), System.getProperty("java.version"),
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                        + System.getProperty("os.arch"),
                command, seed, tree, data, notes);
    }

    /**
     * The library version from the jar manifest, or {@code development} when running from classes.
     *
     * @return the version
     */
    public static String libraryVersion() {
        String v = Provenance.class.getPackage().getImplementationVersion();
        return v == null ? "development" : v;
    }

    /**
     * Serialises to pretty JSON.
     *
     * @return the JSON text
     */
    public String toJson() {
        try {
            return MAPPER.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise provenance", e);
        }
    }

    /**
     * Parses JSON written by {@link #toJson()}.
     *
     * @param json the text
     * @return the provenance
     * @throws IllegalArgumentException when the text is not a provenance object
     */
    public static Provenance fromJson(String json) {
        try {
            return MAPPER.readValue(json, Provenance.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a valid provenance JSON object: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Writes the provenance file.
     *
     * @param file the file, replaced if it exists
     * @throws IOException when the file cannot be written
     */
    public void write(Path file) throws IOException {
        Files.writeString(file, toJson() + "\n");
    }

    /**
     * Reads a provenance file.
     *
     * @param file the file
     * @return the provenance
     * @throws IOException when the file cannot be read
     * @throws IllegalArgumentException when the file is not a provenance object; the message names the file
     */
    public static Provenance read(Path file) throws IOException {
        String text = Files.readString(file);
        try {
            return fromJson(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("provenance file " + file + " is invalid: " + e.getMessage(), e);
        }
    }
}
