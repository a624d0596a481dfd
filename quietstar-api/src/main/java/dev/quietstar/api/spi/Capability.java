package dev.quietstar.api.spi;

/**
 * What a backend can do. A backend lists a capability only when the code behind it exists and runs.
 */
public enum Capability {
    /** Quiet-STaR training: parallel thoughts, mixing head, REINFORCE, optimiser, checkpoints. */
    TRAIN,
    /** Think-then-talk generation and scoring of a trained checkpoint. */
    INFER,
    /** Export of a trained checkpoint to another runtime's format (for example ONNX). */
    EXPORT,
    /** Execution on a GPU reported by the engine. */
    GPU
}
