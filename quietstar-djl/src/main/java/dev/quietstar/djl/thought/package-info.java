/**
 * The Quiet-STaR components on DJL: the model bundle (decoder, meta-tokens, mixing head, tokenizer), parallel
 * thought generation, thought samplers, the REINFORCE reward estimator and the objective.
 */
package dev.quietstar.djl.thought;
