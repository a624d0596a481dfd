/**
 * Engine-neutral think-then-talk inference (docs/algorithm.md section 8): the generation loop that decides when to think,
 * branches the key/value cache for a thought, mixes, samples the output token and records traces, written once over
 * the small {@link dev.quietstar.core.infer.DecoderStep} interface that each backend implements with its own tensors
 * (feed tokens at explicit positions under an additive mask on top of a cache, get hidden states and logits back).
 */
package dev.quietstar.core.infer;
