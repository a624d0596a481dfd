/**
 * Short example programs to copy: training a tiny model with Quiet-STaR on a text file through the backend SPI
 * ({@link dev.quietstar.examples.TrainOnYourText}), generating with visible thoughts
 * ({@link dev.quietstar.examples.GenerateWithThoughts}), and plugging a custom reward estimator into training
 * through Guice ({@link dev.quietstar.examples.CustomRewardEstimator}). The {@code quietstar} command line lives in
 * the {@code cli} sub-package.
 */
package dev.quietstar.examples;
