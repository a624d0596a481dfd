/**
 * Engine-neutral reading of a Quiet-STaR checkpoint folder (docs/training.md) for backends that cannot use the
 * training backend's loader: the decoder's architecture from {@code config.json}, the tensors of
 * {@code *.safetensors} as plain float arrays, and {@code quietstar.json} with the tokenizer beside it.
 */
package dev.quietstar.core.checkpoint;
