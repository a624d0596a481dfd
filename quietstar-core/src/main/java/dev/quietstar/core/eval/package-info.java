/**
 * The engine-neutral half of the evaluation harness: loading question sets (GSM8K, CommonsenseQA) from JSON
 * Lines, turning generated text into an answer and matching it against the gold one, and writing the results as
 * JSON and Markdown. Backends supply the generation and the answer log-probabilities.
 */
package dev.quietstar.core.eval;
