/**
 * The checkpoint layout of the paper's own code (the {@code quiet-star} repository's modified Mistral, as in the
 * released {@code quietstar-8-ahead} model) turned into this library's checkpoint, without any engine.
 */
package dev.quietstar.core.official;
