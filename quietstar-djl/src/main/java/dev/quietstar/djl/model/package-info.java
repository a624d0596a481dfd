/**
 * The causal decoder on DJL: GPT-2 and Llama-family transformer blocks with input embeddings, explicit position ids,
 * additive 4-D masks and a differentiable key/value cache, plus HuggingFace weight and config import.
 */
package dev.quietstar.djl.model;
