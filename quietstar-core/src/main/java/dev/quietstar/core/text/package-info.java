/**
 * Text to token ids and back: the tokenizer contract and the built-in byte-level tokenizer.
 */
package dev.quietstar.core.text;
