package dev.quietstar.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import com.google.inject.Key;
import com.google.inject.Module;
import com.google.inject.util.Modules;
import dev.quietstar.api.ComputeDevice;
import dev.quietstar.api.ModelSource;
import dev.quietstar.api.Reasoner;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.api.spi.Capability;
import dev.quietstar.api.spi.QuietStarBackend;
import dev.quietstar.core.infer.InferenceComponents;
import dev.quietstar.core.inject.Components;
import dev.quietstar.core.inject.GuiceBackend;
import dev.quietstar.onnx.export.OnnxExporter;
import dev.quietstar.onnx.infer.ExportedModel;
import dev.quietstar.onnx.infer.OnnxReasoner;
import dev.quietstar.onnx.infer.OnnxRuntimeSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The {@code onnxruntime} backend: think-then-talk inference of exported models on ONNX Runtime
 * ({@link OnnxReasoner}) and the export of checkpoints to ONNX ({@link OnnxExporter}), with no libtorch.
 */
public final class OnnxBackend implements QuietStarBackend, GuiceBackend {

    /**
     * The system property that sets the intra-op threads of the sessions this backend opens (default 0: ONNX
     * Runtime's choice, the number of cores). A process that runs several calls at once on its cores, such as a Spark
     * executor with one call per task, sets it to the cores of one call.
     */
    public static final String THREADS_PROPERTY = "quietstar.onnxruntime.threads";

    /**
     * The system property that turns ONNX Runtime's CPU memory arena off ({@code false}) for the sessions this backend
     * opens (default {@code true}, ONNX Runtime's default; {@link OnnxRuntimeSettings#cpuMemoryArena()}). Anything but
     * {@code true} or {@code false} is refused when a reasoner opens.
     */
    public static final String ARENA_PROPERTY = "quietstar.onnxruntime.arena";

    /** What the code of this backend implements so far. */
    static final Set<Capability> CAPABILITIES = EnumSet.of(Capability.INFER, Capability.EXPORT);

    private final OrtEnvironment environment;
    private final InferenceComponents components;

    OnnxBackend(OrtEnvironment environment) {
        this(environment, InferenceComponents.NONE);
    }

    private OnnxBackend(OrtEnvironment environment, InferenceComponents components) {
        this.environment = Objects.requireNonNull(environment, "environment");
        this.components = Objects.requireNonNull(components, "components");
    }

    /**
     * {@inheritDoc}
     *
     * <p>The backend's own components are fixed by the export (mixing-head graph, default sampling), so its module
     * binds nothing.
     */
    @Override
    public Module module(QuietStarConfig config) {
        return Modules.EMPTY_MODULE;
    }

    /**
     * {@inheritDoc}
     *
     * <p>This backend runs inference only: it takes the engine-neutral mixing head and thought sampler of
     * {@link Components}.
     */
    @Override
    public Set<Key<?>> componentKeys() {
        return Set.of(Components.INFERENCE_MIXING_HEAD, Components.INFERENCE_THOUGHT_SAMPLER);
    }

    /** {@inheritDoc} */
    @Override
    public QuietStarBackend withOverrides(List<Module> overrides) {
        return new OnnxBackend(environment, Components.inference(overrides));
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
        return openReasoner(new ModelSource.Checkpoint(checkpoint), ComputeDevice.CPU);
    }

    /**
     * {@inheritDoc}
     *
     * <p>The CPU turns the CUDA execution provider off; a GPU needs ONNX Runtime's GPU build on the class path
     * (docs/gpu.md) and index 0, the device the sessions are created on.
     */
    @Override
    public Reasoner openReasoner(ModelSource source, ComputeDevice device) {
        if (!(source instanceof ModelSource.Checkpoint c)) {
            return QuietStarBackend.super.openReasoner(source, device);
        }
        if (device.gpu()) {
            if (!OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
                throw new IllegalArgumentException("device " + device + " is not available: this ONNX Runtime build "
                        + "has no CUDA execution provider (add com.microsoft.onnxruntime:onnxruntime_gpu; see "
                        + "docs/gpu.md); use cpu");
            }
            if (device.index() != 0) {
                throw new IllegalArgumentException("device " + device + ": the onnxruntime backend runs on GPU 0; "
                        + "use gpu:0 or cpu");
            }
        }
        OnnxRuntimeSettings settings = new OnnxRuntimeSettings(intraOpThreads(),
                OrtSession.SessionOptions.OptLevel.ALL_OPT, device.gpu(), cpuMemoryArena());
        Path folder = c.folder();
        return ExportedModel.isExport(folder) ? OnnxReasoner.open(folder, settings, null, components)
                : OnnxReasoner.openCheckpoint(folder, settings, components);
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
        return export(checkpoint, output, false);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Writes the layout of {@link dev.quietstar.onnx.export.OnnxLayout} with {@link OnnxExporter}'s defaults.
     *
     * @throws IllegalArgumentException naming the missing or malformed file or tensor of the checkpoint, or an output
     *     folder that is not a new, empty or (with {@code replaceExisting}) earlier export
     */
    @Override
    public Path export(Path checkpoint, Path output, boolean replaceExisting) throws IOException {
        return OnnxExporter.builder().setCheckpoint(checkpoint).setOutput(output).replaceExisting(replaceExisting)
                .build().export().folder();
    }

    private static int intraOpThreads() {
        String value = System.getProperty(THREADS_PROPERTY);
        if (value == null || value.isBlank()) {
            return 0;
        }
        try {
            int threads = Integer.parseInt(value.trim());
            if (threads >= 0) {
                return threads;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("-D" + THREADS_PROPERTY + " must be a whole number >= 0 (0: ONNX "
                + "Runtime's choice), was '" + value + "'");
    }

    private static boolean cpuMemoryArena() {
        String value = System.getProperty(ARENA_PROPERTY);
        if (value == null || value.isBlank()) {
            return true;
        }
        return switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("-D" + ARENA_PROPERTY + " must be true or false, was '"
                    + value + "'");
        };
    }
}
