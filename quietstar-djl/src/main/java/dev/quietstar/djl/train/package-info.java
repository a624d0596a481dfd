/**
 * Quiet-STaR training on DJL: the trainer (micro-batches, gradient accumulation, clipping, AdamW with parameter
 * groups, warm-up and decay, checkpoints with optimiser state, resume, NaN guard) and its state files.
 */
package dev.quietstar.djl.train;
