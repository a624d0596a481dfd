/**
 * The engine-backed half of the evaluation harness on DJL: answer-token negative log-likelihood and per-token
 * accuracy with and without thinking (scored with the cached thought branch of inference), greedy exact match of
 * generated answers, the official answer-probability metric renormalised over the answer alphabet, and the
 * constant-thought ablation. {@link dev.quietstar.djl.eval.AnswerEvaluator} is the entry point; question sets,
 * answer matching and the JSON/Markdown summary come from {@code dev.quietstar.core.eval}.
 */
package dev.quietstar.djl.eval;
