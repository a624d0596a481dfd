/**
 * Readers of the llama2.c project's own file formats (Karpathy's llama2.c, MIT): the legacy (version 0) weight
 * export and the SentencePiece-BPE tokenizer file, turned into the HuggingFace Llama layout (tensor names, the
 * rotate-half order of query/key rows, {@code config.json}, {@code tokenizer.json}) that every backend reads.
 *
 * <p>Everything here is plain Java: engines see only the converted float arrays. Files are untrusted input: the
 * header is checked against the file's size before any tensor is allocated.
 */
package dev.quietstar.core.llama2c;
