/**
 * Export of a trained Quiet-STaR checkpoint to ONNX, built in Java with the ONNX protobuf classes (no Python): the
 * decoder as a graph with token ids, explicit position ids, an additive attention mask over past and current keys
 * and per-layer past keys/values in, final-norm hidden states, logits and present keys/values out; the mixing head
 * as a second graph; the meta-token vectors as initializers. {@link dev.quietstar.onnx.export.OnnxExporter} is the
 * entry point and {@link dev.quietstar.onnx.export.OnnxLayout} names every input and output.
 */
package dev.quietstar.onnx.export;
