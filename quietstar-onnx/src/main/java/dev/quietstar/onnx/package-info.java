/**
 * The {@code onnxruntime} backend: inference of exported Quiet-STaR models on ONNX Runtime's own Java API,
 * registered through {@code META-INF/services}.
 */
package dev.quietstar.onnx;
