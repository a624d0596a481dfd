package dev.quietstar.djl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
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
 * Reads and writes safetensors files with DJL's codec, after checking the header against the file so a truncated
 * or corrupt file fails with the name of the tensor whose bytes are missing, before any tensor is created.
 */
public final class Safetensors {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_HEADER = 100L * 1024 * 1024;

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
                JsonNode map = JSON.readTree(index.toFile()).get("weight_map");
                if (map == null || !map.isObject()) {
                    throw new IllegalArgumentException(index + " has no 'weight_map' object");
                }
                TreeSet<String> shards = new TreeSet<>();
                map.elements().forEachRemaining(n -> shards.add(n.asText()));
                for (String s : shards) {
                    files.add(folder.resolve(s));
                }
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
     * Checks a file's header against its size.
     *
     * @param file the file
     * @throws IllegalArgumentException naming the problem and, for missing bytes, the tensor
     */
    public static void validate(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new IllegalArgumentException("safetensors file " + file + " is truncated: " + size + " bytes");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(lenBuf, 0);
            long headerLen = lenBuf.getLong(0);
            if (headerLen <= 0 || headerLen > MAX_HEADER || headerLen > size - 8) {
                throw new IllegalArgumentException("safetensors file " + file + " has a corrupt header length "
                        + headerLen + " (file is " + size + " bytes)");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLen);
            ch.read(header, 8);
            JsonNode json;
            try {
                json = JSON.readTree(new String(header.array(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new IllegalArgumentException("safetensors file " + file + " has a corrupt header: "
                        + e.getMessage(), e);
            }
            long data = size - 8 - headerLen;
            Iterator<Map.Entry<String, JsonNode>> it = json.properties().iterator();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                if ("__metadata__".equals(e.getKey())) {
                    continue;
                }
                JsonNode offsets = e.getValue().get("data_offsets");
                if (offsets == null || offsets.size() != 2) {
                    throw new IllegalArgumentException("safetensors file " + file + ": tensor '" + e.getKey()
                            + "' has no data_offsets");
                }
                long end = offsets.get(1).asLong();
                if (end > data) {
                    throw new IllegalArgumentException("safetensors file " + file + " is truncated: tensor '"
                            + e.getKey() + "' with shape " + e.getValue().get("shape") + " needs bytes up to "
                            + end + " but the data section has " + data);
                }
            }
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("safetensors file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read safetensors file " + file + ": " + e.getMessage(), e);
        }
    }
}
