/**
 * The engine-neutral side of training.
 *
 * <p>{@link dev.quietstar.core.train.TrainingLoop} owns the schedule: data windows, micro-batching, seeds, the
 * learning-rate schedule ({@link dev.quietstar.core.train.LearningRateSchedule}), divergence checks
 * ({@link dev.quietstar.core.train.TrainingDivergedException}), checkpoint cadence and layout, resume, the thinking
 * gate and the metrics. A backend contributes only a {@link dev.quietstar.core.train.TrainingStep}: forward and
 * backward on one {@link dev.quietstar.core.train.MicroBatch}, the gradient norm, the optimiser update and saving its
 * tensors. {@link dev.quietstar.core.train.TrainingRuns} holds the rules of starting a run (resume, weights-only
 * start, provenance) that every front end shares. Listeners record every step's metrics as JSON lines
 * ({@link dev.quietstar.core.train.MetricsJsonlWriter}) and show progress
 * ({@link dev.quietstar.core.train.ProgressListener}).
 */
package dev.quietstar.core.train;
