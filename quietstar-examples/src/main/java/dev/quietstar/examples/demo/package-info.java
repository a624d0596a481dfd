/**
 * The {@code quietstar demo}: pretrain (or load) a tiny byte-level model on generated arithmetic text, continue it
 * with Quiet-STaR and, as controls, with plain next-token training, evaluate all of them on held-out problems and
 * write the comparison table, the JSON results and a thought report.
 */
package dev.quietstar.examples.demo;
