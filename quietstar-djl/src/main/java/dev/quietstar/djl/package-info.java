/**
 * The {@code djl-pytorch} backend: Quiet-STaR training and inference on DJL with the PyTorch engine, registered
 * through {@code META-INF/services} and loaded offline with the CPU natives from Maven.
 */
package dev.quietstar.djl;
