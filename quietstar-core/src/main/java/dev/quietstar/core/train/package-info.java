/**
 * The engine-neutral side of training: listeners that record every optimiser step's metrics as JSON lines
 * ({@link dev.quietstar.core.train.MetricsJsonlWriter}) and show progress on a terminal or in the log
 * ({@link dev.quietstar.core.train.ProgressListener}).
 */
package dev.quietstar.core.train;
