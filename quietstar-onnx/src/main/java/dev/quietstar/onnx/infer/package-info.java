/**
 * Think-then-talk inference of an exported Quiet-STaR model on ONNX Runtime's Java API, without libtorch: the
 * loader that validates an exported folder ({@link dev.quietstar.onnx.infer.ExportedModel}), the ONNX
 * implementation of core's decoder step, and {@link dev.quietstar.onnx.infer.OnnxReasoner}, which runs core's
 * engine-neutral generation loop on it.
 */
package dev.quietstar.onnx.infer;
