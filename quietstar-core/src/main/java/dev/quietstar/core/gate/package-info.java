/**
 * The thinking gate: a linear probe on the base model's hidden state and next-token distribution that predicts how
 * much a thought would improve the next token, trained alongside the Quiet-STaR objective and used by the adaptive
 * thinking policy to think only where it pays. Engine-neutral: every backend feeds it plain arrays.
 */
package dev.quietstar.core.gate;
