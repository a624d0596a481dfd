package dev.quietstar.onnx.export;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.UnsafeByteOperations;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A small builder of ONNX graphs over the ONNX protobuf classes: nodes with generated output names, float
 * initializers, int64 constants, typed inputs and outputs, and writing with or without external data.
 *
 * <p>Not thread-safe; one builder per graph.
 */
final class GraphBuilder {

    /** Initializers at least this large go to the external data file when external data is on. */
    private static final int EXTERNAL_MIN_BYTES = 1024;

    private record Initializer(String name, long[] dims, float[] data) {}

    private final OnnxMl.GraphProto.Builder graph = OnnxMl.GraphProto.newBuilder();
    private final List<Initializer> initializers = new ArrayList<>();
    private int counter;

    GraphBuilder(String name) {
        graph.setName(name);
    }

    /** Total bytes of the float initializers. */
    long initializerBytes() {
        long n = 0;
        for (Initializer i : initializers) {
            n += 4L * i.data.length;
        }
        return n;
    }

    String initializer(String name, long[] dims, float[] data) {
        initializers.add(new Initializer(name, dims.clone(), data));
        return name;
    }

    String constLongs(long... values) {
        String name = "const_" + counter++;
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(name)
                .setDataType(OnnxMl.TensorProto.DataType.INT64.getNumber()).addDims(values.length);
        for (long v : values) {
            t.addInt64Data(v);
        }
        graph.addInitializer(t);
        return name;
    }

    String constLongScalar(long value) {
        String name = "const_" + counter++;
        graph.addInitializer(OnnxMl.TensorProto.newBuilder().setName(name)
                .setDataType(OnnxMl.TensorProto.DataType.INT64.getNumber()).addInt64Data(value));
        return name;
    }

    String constFloatScalar(float value) {
        String name = "const_" + counter++;
        graph.addInitializer(OnnxMl.TensorProto.newBuilder().setName(name)
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber()).addFloatData(value));
        return name;
    }

    /** Adds a node with one generated output. */
    String op(String type, String... inputs) {
        return opAttrs(type, Map.of(), inputs);
    }

    /** Adds a node with attributes and one generated output. */
    String opAttrs(String type, Map<String, Object> attributes, String... inputs) {
        String out = type.toLowerCase() + "_" + counter++;
        node(type, attributes, List.of(inputs), List.of(out));
        return out;
    }

    /** Adds a node with one named output. */
    String named(String output, String type, Map<String, Object> attributes, String... inputs) {
        node(type, attributes, List.of(inputs), List.of(output));
        return output;
    }

    /** Adds a node with several generated outputs. */
    String[] multi(String type, int outputs, Map<String, Object> attributes, String... inputs) {
        List<String> outs = new ArrayList<>();
        for (int i = 0; i < outputs; i++) {
            outs.add(type.toLowerCase() + "_" + counter++);
        }
        node(type, attributes, List.of(inputs), outs);
        return outs.toArray(new String[0]);
    }

    private void node(String type, Map<String, Object> attributes, List<String> inputs, List<String> outputs) {
        OnnxMl.NodeProto.Builder n = OnnxMl.NodeProto.newBuilder().setOpType(type).setName("n" + counter++)
                .addAllInput(inputs).addAllOutput(outputs);
        for (Map.Entry<String, Object> e : attributes.entrySet()) {
            OnnxMl.AttributeProto.Builder a = OnnxMl.AttributeProto.newBuilder().setName(e.getKey());
            Object v = e.getValue();
            if (v instanceof Integer || v instanceof Long) {
                a.setType(OnnxMl.AttributeProto.AttributeType.INT).setI(((Number) v).longValue());
            } else if (v instanceof Float || v instanceof Double) {
                a.setType(OnnxMl.AttributeProto.AttributeType.FLOAT).setF(((Number) v).floatValue());
            } else if (v instanceof long[] ints) {
                a.setType(OnnxMl.AttributeProto.AttributeType.INTS);
                for (long i : ints) {
                    a.addInts(i);
                }
            } else {
                throw new IllegalArgumentException("unsupported attribute " + e.getKey() + " = " + v);
            }
            n.addAttribute(a);
        }
        graph.addNode(n);
    }

    /** Declares a graph input or output; a dimension is a Long (fixed) or a String (symbolic). */
    void input(String name, OnnxMl.TensorProto.DataType type, Object... dims) {
        graph.addInput(valueInfo(name, type, dims));
    }

    void output(String name, OnnxMl.TensorProto.DataType type, Object... dims) {
        graph.addOutput(valueInfo(name, type, dims));
    }

    private static OnnxMl.ValueInfoProto valueInfo(String name, OnnxMl.TensorProto.DataType type, Object... dims) {
        OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
        for (Object d : dims) {
            OnnxMl.TensorShapeProto.Dimension.Builder b = OnnxMl.TensorShapeProto.Dimension.newBuilder();
            if (d instanceof String s) {
                b.setDimParam(s);
            } else {
                b.setDimValue(((Number) d).longValue());
            }
            shape.addDim(b);
        }
        return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder()
                .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(shape)))
                .build();
    }

    /**
     * Writes the model.
     *
     * @param file the .onnx file
     * @param dataFileName the external data file's name beside it, or null to keep every weight inside
     * @param metadata metadata properties
     * @throws IOException when writing fails
     */
    void write(Path file, String dataFileName, Map<String, String> metadata) throws IOException {
        OnnxMl.GraphProto.Builder g = graph.clone();
        OutputStream data = dataFileName == null ? null
                : new BufferedOutputStream(Files.newOutputStream(file.resolveSibling(dataFileName)), 1 << 20);
        try {
            long offset = 0;
            ByteBuffer chunk = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            for (Initializer i : initializers) {
                int size = 4 * i.data.length;
                OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(i.name)
                        .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber());
                for (long d : i.dims) {
                    t.addDims(d);
                }
                if (data != null && size >= EXTERNAL_MIN_BYTES) {
                    // through one reusable buffer: no tensor-sized copy on the heap per weight
                    for (int from = 0; from < i.data.length; from += chunk.capacity() / 4) {
                        int n = Math.min(chunk.capacity() / 4, i.data.length - from);
                        chunk.clear();
                        chunk.asFloatBuffer().put(i.data, from, n);
                        data.write(chunk.array(), 0, 4 * n);
                    }
                    t.setDataLocation(OnnxMl.TensorProto.DataLocation.EXTERNAL)
                            .addExternalData(entry("location", dataFileName))
                            .addExternalData(entry("offset", Long.toString(offset)))
                            .addExternalData(entry("length", Integer.toString(size)));
                    offset += size;
                } else {
                    ByteBuffer bytes = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
                    bytes.asFloatBuffer().put(i.data);
                    // the buffer is not touched again: the proto may keep it instead of a copy
                    t.setRawData(UnsafeByteOperations.unsafeWrap(bytes.array()));
                }
                g.addInitializer(t);
            }
        } finally {
            if (data != null) {
                data.close();
            }
        }
        OnnxMl.ModelProto.Builder model = OnnxMl.ModelProto.newBuilder().setIrVersion(OnnxLayout.IR_VERSION)
                .setProducerName("quietstar-java").setProducerVersion(OnnxExporter.class.getPackage()
                        .getImplementationVersion() == null ? "dev" : OnnxExporter.class.getPackage()
                        .getImplementationVersion())
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OnnxLayout.OPSET))
                .setGraph(g);
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            model.addMetadataProps(entry(e.getKey(), e.getValue()));
        }
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            model.build().writeTo(out);
        }
    }

    private static OnnxMl.StringStringEntryProto entry(String key, String value) {
        return OnnxMl.StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }
}
