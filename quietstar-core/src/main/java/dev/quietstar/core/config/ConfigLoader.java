package dev.quietstar.core.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.quietstar.api.config.InvalidConfigException;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.core.io.BoundedFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads and writes {@link QuietStarConfig} as JSON or YAML, starting from a preset and applying overrides.
 *
 * <p>A file only needs the fields it changes: it is merged over the preset ({@link Preset#OFFICIAL} unless a
 * top-level {@code preset} field names another). Unknown fields are errors that name the field and list the
 * known ones; values are validated by the records' constructors, whose messages name the field, the value and the
 * allowed range. Command-line overrides have the form {@code optimizer.learningRate=3e-5}.
 */
public final class ConfigLoader {

    private static final ObjectMapper JSON = configure(new ObjectMapper());
    private static final ObjectMapper YAML = configure(new ObjectMapper(new YAMLFactory()));

    private ConfigLoader() {}

    private static ObjectMapper configure(ObjectMapper m) {
        // A fractional value for an integer field (training.steps: 2.9) and a key given twice are refused, not
        // truncated or silently resolved to the last one.
        return m.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .enable(SerializationFeature.INDENT_OUTPUT);
    }

    /** Named starting points for configuration files. */
    public enum Preset {
        /** The official implementation's settings. */
        OFFICIAL,
        /** {@link QuietStarConfig#smallModel()}. */
        SMALL_MODEL;

        /**
         * The configuration this preset stands for.
         *
         * @return the configuration
         */
        public QuietStarConfig config() {
            return this == OFFICIAL ? QuietStarConfig.official() : QuietStarConfig.smallModel();
        }

        /**
         * Parses {@code official} or {@code small-model}.
         *
         * @param name the name
         * @return the preset
         */
        public static Preset parse(String name) {
            for (Preset p : values()) {
                if (p.externalName().equals(name)) {
                    return p;
                }
            }
            throw new InvalidConfigException("preset must be one of [official, small-model], was " + name);
        }

        /**
         * The name used in files and on the command line.
         *
         * @return the name
         */
        public String externalName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * Loads a file ({@code .json}, {@code .yaml} or {@code .yml}) over its preset, then applies overrides.
     *
     * @param file the file
     * @param overrides {@code path.to.field=value} strings
     * @return the validated configuration
     */
    public static QuietStarConfig load(Path file, List<String> overrides) {
        String text;
        try {
            text = BoundedFiles.readUtf8(file, BoundedFiles.MAX_METADATA_BYTES, "config file");
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigException(e.getMessage(), e);
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean yaml = name.endsWith(".yaml") || name.endsWith(".yml");
        if (!yaml && !name.endsWith(".json")) {
            throw new InvalidConfigException("config file " + file + " must end with .json, .yaml or .yml");
        }
        return parse(text, yaml, overrides, file.toString());
    }

    /**
     * Parses JSON text over its preset.
     *
     * @param json the text
     * @return the validated configuration
     */
    public static QuietStarConfig fromJson(String json) {
        return parse(json, false, List.of(), "JSON text");
    }

    /**
     * Parses YAML text over its preset.
     *
     * @param yaml the text
     * @return the validated configuration
     */
    public static QuietStarConfig fromYaml(String yaml) {
        return parse(yaml, true, List.of(), "YAML text");
    }

    /**
     * Applies overrides to a configuration.
     *
     * @param base the starting configuration
     * @param overrides {@code path.to.field=value} strings
     * @return the validated configuration
     */
    public static QuietStarConfig override(QuietStarConfig base, List<String> overrides) {
        ObjectNode tree = JSON.valueToTree(base);
        applyOverrides(tree, overrides);
        return bind(tree, "overrides");
    }

    /**
     * Writes a configuration as JSON, every field present.
     *
     * @param config the configuration
     * @return the JSON text
     */
    public static String toJson(QuietStarConfig config) {
        try {
            return JSON.writeValueAsString(config);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise config", e);
        }
    }

    /**
     * Writes a configuration as YAML, every field present.
     *
     * @param config the configuration
     * @return the YAML text
     */
    public static String toYaml(QuietStarConfig config) {
        try {
            return YAML.writeValueAsString(config);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise config", e);
        }
    }

    /**
     * The shared JSON mapper settings (unknown fields fail), for other files of the project.
     *
     * @return a configured mapper
     */
    public static ObjectMapper jsonMapper() {
        return JSON.copy();
    }

    private static QuietStarConfig parse(String text, boolean yaml, List<String> overrides, String where) {
        JsonNode user;
        try {
            user = (yaml ? YAML : JSON).readTree(text);
        } catch (JsonProcessingException e) {
            throw new InvalidConfigException("malformed " + (yaml ? "YAML" : "JSON") + " in " + where + ": "
                    + e.getOriginalMessage(), e);
        }
        Preset preset = Preset.OFFICIAL;
        if (user == null || user.isMissingNode() || user.isNull()) {
            user = JSON.createObjectNode();
        }
        if (!user.isObject()) {
            throw new InvalidConfigException(where + " must hold an object of config fields, was " + user.getNodeType());
        }
        ObjectNode userObject = ((ObjectNode) user).deepCopy();
        JsonNode presetNode = userObject.remove("preset");
        if (presetNode != null) {
            preset = Preset.parse(presetNode.asText());
        }
        ObjectNode tree = JSON.valueToTree(preset.config());
        merge(tree, userObject, "");
        applyOverrides(tree, overrides);
        return bind(tree, where);
    }

    private static void merge(ObjectNode target, ObjectNode source, String prefix) {
        Iterator<Map.Entry<String, JsonNode>> it = source.properties().iterator();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String path = prefix + e.getKey();
            JsonNode existing = target.get(e.getKey());
            if (existing == null) {
                throw unknownField(path, target);
            }
            if (existing.isObject()) {
                if (!e.getValue().isObject()) {
                    throw new InvalidConfigException(path + " must be an object with fields " + fieldNames(existing)
                            + ", was " + e.getValue());
                }
                merge((ObjectNode) existing, (ObjectNode) e.getValue(), path + ".");
            } else {
                target.set(e.getKey(), e.getValue());
            }
        }
    }

    private static void applyOverrides(ObjectNode tree, List<String> overrides) {
        for (String o : overrides) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new InvalidConfigException("override must look like field=value (for example "
                        + "optimizer.learningRate=3e-5), was '" + o + "'");
            }
            String path = o.substring(0, eq).trim();
            String value = o.substring(eq + 1).trim();
            if (!path.matches("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*")) {
                throw new InvalidConfigException("override field must be a dotted path of field names (for example "
                        + "optimizer.learningRate), was '" + path + "' in '" + o + "'");
            }
            String[] parts = path.split("\\.");
            ObjectNode node = tree;
            for (int i = 0; i < parts.length - 1; i++) {
                JsonNode child = node.get(parts[i]);
                if (child == null || !child.isObject()) {
                    throw unknownField(String.join(".", List.of(parts).subList(0, i + 1)), node);
                }
                node = (ObjectNode) child;
            }
            String leaf = parts[parts.length - 1];
            JsonNode existing = node.get(leaf);
            if (existing == null) {
                throw unknownField(path, node);
            }
            if (existing.isObject()) {
                throw new InvalidConfigException(path + " is a group; override one of its fields "
                        + fieldNames(existing));
            }
            node.set(leaf, existing.isTextual() ? TextNode.valueOf(textValue(path, value)) : parseScalar(path, value));
        }
    }

    /**
     * A string field's override value: verbatim, unless it is wrapped in double quotes, which are then read as a JSON
     * string, so {@code positions.marker="A: "} keeps the space that trimming the override would lose.
     */
    private static String textValue(String path, String value) {
        if (value.length() < 2 || value.charAt(0) != '"' || value.charAt(value.length() - 1) != '"') {
            return value;
        }
        try {
            return JSON.readTree(value).asText();
        } catch (JsonProcessingException e) {
            throw new InvalidConfigException(path + " in double quotes must be a JSON string, was " + value, e);
        }
    }

    private static JsonNode parseScalar(String path, String value) {
        try {
            return JSON.readTree(value);
        } catch (JsonProcessingException e) {
            throw new InvalidConfigException(path + " must be a number or boolean, was '" + value + "'", e);
        }
    }

    private static QuietStarConfig bind(ObjectNode tree, String where) {
        try {
            return JSON.treeToValue(tree, QuietStarConfig.class);
        } catch (JsonProcessingException e) {
            Throwable t = e;
            while (t != null) {
                if (t instanceof InvalidConfigException ice) {
                    throw new InvalidConfigException(ice.getMessage() + " (in " + where + ")", ice);
                }
                t = t.getCause();
            }
            String field = "";
            if (e instanceof JsonMappingException jme && !jme.getPath().isEmpty()) {
                field = jme.getPath().stream().map(JsonMappingException.Reference::getFieldName)
                        .filter(java.util.Objects::nonNull).collect(java.util.stream.Collectors.joining(".")) + ": ";
            }
            throw new InvalidConfigException("invalid config in " + where + ": " + field + e.getOriginalMessage(), e);
        }
    }

    private static InvalidConfigException unknownField(String path, JsonNode siblings) {
        return new InvalidConfigException("unknown config field '" + path + "'; known fields here: "
                + fieldNames(siblings));
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
