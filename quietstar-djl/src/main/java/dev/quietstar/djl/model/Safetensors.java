package dev.quietstar.djl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quietstar.core.io.BoundedFiles;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Reads and writes safetensors files with DJL's codec, after checking the header against the file
 * ({@link SafetensorsHeader}) so a truncated, corrupt or hostile file fails with the file's name and the tensor at
 * fault before any tensor is created; a shard index may only name files inside its own folder.
 */
public final class Safetensors {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Safetensors() {}

    /**
     * Reads every tensor of one file.
     *
     * @param manager owner of the arrays
     * @param file the file
     * @return tensors by name, in file order
     * @throws IllegalArgumentException naming the file and the problem (truncated, bad header, missing tensor bytes)
     */
    public static Map<String, NDArray> read(NDManager manager, Path file) {
        validate(file);
        try (InputStream in = Files.newInputStream(file)) {
            NDList list = NDList.decode(manager, in);
            Map<String, NDArray> out = new LinkedHashMap<>();
            for (NDArray a : list) {
                out.put(a.getName(), a);
            }
            return out;
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot read safetensors file " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a model's weights from a folder: {@code model.safetensors}, or the shards listed by
     * {@code model.safetensors.index.json}, or every {@code *.safetensors} file.
     *
     * @param manager owner of the arrays
     * @param folder the folder
     * @return tensors by name
     */
    public static Map<String, NDArray> readFolder(NDManager manager, Path folder) {
        Path single = folder.resolve("model.safetensors");
        Path index = folder.resolve("model.safetensors.index.json");
        List<Path> files = new ArrayList<>();
        try {
            if (Files.isRegularFile(single)) {
                files.add(single);
            } else if (Files.isRegularFile(index)) {
                files.addAll(shardsOf(folder, BoundedFiles.readUtf8(index, BoundedFiles.MAX_METADATA_BYTES,
                        "shard index"), index));
            } else {
                try (var stream = Files.list(folder)) {
                    stream.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted()
                            .forEach(files::add);
                }
            }
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("model folder " + folder + " does not exist", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot list model folder " + folder + ": " + e.getMessage(), e);
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("model folder " + folder + " holds no *.safetensors file");
        }
        Map<String, NDArray> all = new LinkedHashMap<>();
        for (Path f : files) {
            all.putAll(read(manager, f));
        }
        return all;
    }

    /**
     * Writes tensors to one file (float32 as stored; the arrays' names are set to the map's keys).
     *
     * @param file the destination
     * @param tensors tensors by name
     * @throws IOException when writing fails
     */
    public static void write(Path file, Map<String, NDArray> tensors) throws IOException {
        NDList list = new NDList(tensors.size());
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            NDArray a = e.getValue();
            a.setName(e.getKey());
            list.add(a);
        }
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
            list.encode(out, NDList.Encoding.SAFETENSORS);
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    /**
     * Checks a file's header against the file (see {@link SafetensorsHeader} for every rule) before anything large is
     * allocated.
     *
     * @param file the file
     * @return the checked header
     * @throws IllegalArgumentException naming the file, the problem and, for missing bytes, the tensor
     */
    public static SafetensorsHeader validate(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return SafetensorsHeader.read(ch, file.toString());
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("safetensors file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read safetensors file " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The shard files a {@code model.safetensors.index.json} names, each checked to be a plain
     * {@code *.safetensors} file name inside the folder (no absolute path, no {@code ..}, no link leading out).
     *
     * @param folder the model folder
     * @param indexJson the index file's text
     * @param index the index file, for messages
     * @return the shard files, sorted by name
     * @throws IllegalArgumentException naming the index and the offending entry
     */
    public static List<Path> shardsOf(Path folder, String indexJson, Path index) {
        JsonNode root;
        try {
            root = JSON.readTree(indexJson);
        } catch (IOException e) {
            throw new IllegalArgumentException("shard index " + index + " is not valid JSON: " + e.getMessage(), e);
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject()) {
            throw new IllegalArgumentException("shard index " + index + " has no 'weight_map' object");
        }
        TreeSet<String> shards = new TreeSet<>();
        Iterator<Map.Entry<String, JsonNode>> it = map.properties().iterator();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw new IllegalArgumentException("shard index " + index + ": weight_map entry '" + e.getKey()
                        + "' must name a shard file, was " + e.getValue());
            }
            shards.add(e.getValue().asText());
        }
        Path base = folder.toAbsolutePath().normalize();
        List<Path> files = new ArrayList<>();
        for (String s : shards) {
            boolean plain = !s.isEmpty() && s.endsWith(".safetensors") && s.indexOf('/') < 0 && s.indexOf('\\') < 0
                    && s.indexOf('\0') < 0 && !s.startsWith(".");
            Path shard = plain ? base.resolve(s).normalize() : null;
            if (shard == null || !base.equals(shard.getParent())) {
                throw new IllegalArgumentException("shard index " + index + " names shard '" + s
                        + "': a shard must be a *.safetensors file name inside " + folder
                        + " (no path separators, no leading dot)");
            }
            try {
                if (Files.exists(shard) && !shard.toRealPath().getParent().equals(base.toRealPath())) {
                    throw new IllegalArgumentException("shard index " + index + " names shard '" + s
                            + "', a link to a file outside " + folder);
                }
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot resolve shard '" + s + "' of " + index + ": "
                        + e.getMessage(), e);
            }
            files.add(shard);
        }
        return files;
    }
}
