/**
 * STaR (Zelikman et al. 2022, "STaR: Bootstrapping Reasoning With Reasoning"), the method Quiet-STaR grew from: the
 * model writes a rationale and an answer for each question, keeps the rationales that reached the right answer,
 * writes one with the right answer as a hint for the questions it got wrong ("rationalization") and keeps it when it
 * reaches that answer, then fine-tunes the original model on everything kept; each round trains 20% longer than the
 * one before. {@link dev.quietstar.core.star.StarTrainer} runs that loop over any backend of the SPI: generation
 * through its {@link dev.quietstar.api.Reasoner}, fine-tuning through its {@link dev.quietstar.api.Trainer} with the
 * next-token objective.
 */
package dev.quietstar.core.star;
