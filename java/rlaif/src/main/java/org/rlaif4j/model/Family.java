package org.rlaif4j.model;

/** The architecture families this package implements. */
public enum Family {
    /** GPT-2: learned positions, LayerNorm, Conv1D weights stored [in, out], tanh GELU. */
    GPT2,
    /** Llama layout (Llama, Mistral, Qwen2): RMSNorm, rotate-half RoPE, GQA, SwiGLU. */
    LLAMA
}
