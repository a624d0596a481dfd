/**
 * Quiet-STaR training on DJL: the engine side only. {@link dev.quietstar.djl.train.DjlTrainingStep} runs one
 * micro-batch's forward and backward pass with the {@link dev.quietstar.djl.train.DjlComponents} it was given
 * (thought generator, mixing head, reward estimator), the gradient norm and AdamW with parameter groups, and saves
 * its tensors; core's {@link dev.quietstar.core.train.TrainingLoop} drives it (schedule, micro-batches, seeds,
 * divergence checks, checkpoints, resume, metrics). {@link dev.quietstar.djl.train.DjlTrainer} is that loop over
 * that step, and {@link dev.quietstar.djl.train.DjlTrainerFactory} builds trainers from a model source.
 */
package dev.quietstar.djl.train;
