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
     * Llama family (Llama, Mistral, Qwen2, SmolLM): rotary positions, RMSNorm, SwiGLU MLP, grouped-query attention,
     * optional qkv bias (Qwen2) and optional tied embeddings.
     */
    LLAMA
}
