package dev.quietstar.onnx.infer;

import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import java.util.Objects;

/**
 * How ONNX Runtime sessions are created.
 *
 * @param intraOpThreads threads of one operator, 0 for ONNX Runtime's choice (the number of cores)
 * @param optimisationLevel graph optimisation level
 * @param preferCuda use the CUDA execution provider when the ONNX Runtime build has it and a GPU answers; the CPU
 *     provider otherwise
 * @param cpuMemoryArena whether the CPU provider allocates tensors from ONNX Runtime's memory arena (its default),
 *     which keeps freed blocks for later calls; off, each tensor is allocated and freed with the C allocator. The
 *     results are the same either way (docs/scale-out.md measures the speed of both with concurrent calls)
 */
public record OnnxRuntimeSettings(int intraOpThreads, OptLevel optimisationLevel, boolean preferCuda,
        boolean cpuMemoryArena) {

    /** Validates the settings. */
    public OnnxRuntimeSettings {
        if (intraOpThreads < 0) {
            throw new IllegalArgumentException("intraOpThreads must be >= 0, was " + intraOpThreads);
        }
        Objects.requireNonNull(optimisationLevel, "optimisationLevel");
    }

    /**
     * Settings with ONNX Runtime's memory arena on.
     *
     * @param intraOpThreads threads of one operator, 0 for ONNX Runtime's choice
     * @param optimisationLevel graph optimisation level
     * @param preferCuda use the CUDA execution provider when available
     */
    public OnnxRuntimeSettings(int intraOpThreads, OptLevel optimisationLevel, boolean preferCuda) {
        this(intraOpThreads, optimisationLevel, preferCuda, true);
    }

    /**
     * ONNX Runtime's thread count, every graph optimisation, CUDA when present.
     *
     * @return the defaults
     */
    public static OnnxRuntimeSettings defaults() {
        return new OnnxRuntimeSettings(0, OptLevel.ALL_OPT, true);
    }

    /**
     * A copy with another intra-op thread count.
     *
     * @param threads threads, 0 for ONNX Runtime's choice
     * @return the copy
     */
    public OnnxRuntimeSettings withIntraOpThreads(int threads) {
        return new OnnxRuntimeSettings(threads, optimisationLevel, preferCuda, cpuMemoryArena);
    }

    /**
     * A copy with the CPU memory arena on or off.
     *
     * @param value whether to allocate from the arena
     * @return the copy
     */
    public OnnxRuntimeSettings withCpuMemoryArena(boolean value) {
        return new OnnxRuntimeSettings(intraOpThreads, optimisationLevel, preferCuda, value);
    }
}
