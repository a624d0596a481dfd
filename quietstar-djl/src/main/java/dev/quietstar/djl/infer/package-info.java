/**
 * Think-then-talk inference on DJL (docs/algorithm.md section 8): generation that branches the key/value cache of the real
 * tokens to think before an output token, mixes the hidden states with the mixing head, drops the branch and appends
 * the chosen token, so no step recomputes the whole sequence; plus scoring of a text with and without thinking
 * through the parallel path of the training forward. {@link dev.quietstar.djl.infer.DjlReasoner} is the entry point.
 */
package dev.quietstar.djl.infer;
