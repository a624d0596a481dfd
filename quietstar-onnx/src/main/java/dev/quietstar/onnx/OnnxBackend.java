package dev.quietstar.onnx;

import ai.onnxruntime.OrtEnvironment;
import dev.quietstar.api.Reasoner;
import dev.quietstar.api.spi.Capability;
import dev.quietstar.api.spi.QuietStarBackend;
import dev.quietstar.onnx.export.OnnxExporter;
import dev.quietstar.onnx.infer.ExportedModel;
import dev.quietstar.onnx.infer.OnnxReasoner;
import dev.quietstar.onnx.infer.OnnxRuntimeSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * The {@code onnxruntime} backend: think-then-talk inference of exported models on ONNX Runtime
 * ({@link OnnxReasoner}) and the export of checkpoints to ONNX ({@link OnnxExporter}), with no libtorch.
 */
public final class OnnxBackend implements QuietStarBackend {

    /** What the code of this backend implements so far. */
    static final Set<Capability> CAPABILITIES = EnumSet.of(Capability.INFER, Capability.EXPORT);

    private final OrtEnvironment environment;

    OnnxBackend(OrtEnvironment environment) {
        this.environment = Objects.requireNonNull(environment, "environment");
    }

    /**
     * The ONNX Runtime environment the backend's sessions share.
     *
     * @return the environment
     */
    public OrtEnvironment environment() {
        return environment;
    }

    @Override
    public String name() {
        return OnnxBackendProvider.NAME;
    }

    @Override
    public Set<Capability> capabilities() {
        return CAPABILITIES;
    }

    /**
     * {@inheritDoc}
     *
     * <p>A folder written by {@link OnnxExporter} (or {@code quietstar export-onnx}) opens directly; a checkpoint
     * folder is first exported into a temporary folder, deleted when the reasoner closes.
     *
     * @param checkpoint an exported folder or a checkpoint folder
     * @throws IllegalArgumentException when the folder is neither, or does not match the exported layout
     */
    @Override
    public Reasoner openReasoner(Path checkpoint) {
        if (ExportedModel.isExport(checkpoint)) {
            return OnnxReasoner.open(checkpoint);
        }
        return OnnxReasoner.openCheckpoint(checkpoint, OnnxRuntimeSettings.defaults());
    }

    /**
     * {@inheritDoc}
     *
     * <p>Writes the layout of {@link dev.quietstar.onnx.export.OnnxLayout} with {@link OnnxExporter}'s defaults.
     *
     * @throws IllegalArgumentException naming the missing or malformed file or tensor of the checkpoint
     */
    @Override
    public Path export(Path checkpoint, Path output) throws IOException {
        return OnnxExporter.builder().setCheckpoint(checkpoint).setOutput(output).build().export().folder();
    }
}
