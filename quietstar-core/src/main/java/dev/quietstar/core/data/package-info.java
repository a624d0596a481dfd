/**
 * Training text and how it becomes token batches: loaders for text and JSONL corpora ({@link
 * dev.quietstar.core.data.TextDatasets}) and the seeded window sampler that turns documents into fixed-length rows
 * the way the official Quiet-STaR script does ({@link dev.quietstar.core.data.WindowSampler}). The demo's generated
 * arithmetic corpora live with the examples ({@code dev.quietstar.examples.data}).
 */
package dev.quietstar.core.data;
