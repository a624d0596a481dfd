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
     * Llama family (Llama, Mistral, Qwen2, Qwen3, Phi-3, SmolLM, Gemma 3): rotary positions, RMSNorm, SwiGLU MLP,
     * grouped-query attention, optional biases (Llama, Qwen2, Qwen3, Gemma 3), Qwen3's per-head q/k norms, Phi-3's
     * fused projections and partial rotary embedding, Gemma 3's scaled embeddings, 1 + w and sandwich norms, GELU-tanh
     * gate and per-kind rotary tables, and optional tied embeddings.
     */
    LLAMA
}
