/**
 * Training text and how it becomes token batches: loaders for text and JSONL corpora ({@link
 * dev.quietstar.core.data.TextDatasets}), the seeded window sampler that turns documents into fixed-length rows the
 * way the official Quiet-STaR script does ({@link dev.quietstar.core.data.WindowSampler}), and a generated
 * arithmetic corpus with held-out problems on which a small model can learn to think
 * ({@link dev.quietstar.core.data.ArithmeticCorpus}).
 */
package dev.quietstar.core.data;
