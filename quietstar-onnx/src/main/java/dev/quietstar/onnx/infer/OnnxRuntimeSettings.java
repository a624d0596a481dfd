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
 */
public record OnnxRuntimeSettings(int intraOpThreads, OptLevel optimisationLevel, boolean preferCuda) {

    /** Validates the settings. */
    public OnnxRuntimeSettings {
        if (intraOpThreads < 0) {
            throw new IllegalArgumentException("intraOpThreads must be >= 0, was " + intraOpThreads);
        }
        Objects.requireNonNull(optimisationLevel, "optimisationLevel");
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
        return new OnnxRuntimeSettings(threads, optimisationLevel, preferCuda);
    }
}
