package dev.quietstar.djl.model;

/**
 * The decoder families the DJL backend implements.
 */
public enum Architecture {
    /**
     * GPT-2: learned absolute positions, LayerNorm, GELU (tanh approximation) MLP, fused qkv projection in the
     * transposed {@code Conv1D} layout, lm_head tied to the token embedding.
     */
    GPT2,
    /**
     * Llama family (Llama, Mistral, Qwen2, Qwen3, Phi-3, SmolLM): rotary positions, RMSNorm, SwiGLU MLP,
     * grouped-query attention, optional biases (Llama, Qwen2, Qwen3), Qwen3's per-head q/k norms, Phi-3's fused
     * projections and partial rotary embedding, and optional tied embeddings.
     */
    LLAMA
}
