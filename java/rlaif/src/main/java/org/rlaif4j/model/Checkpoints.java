package org.rlaif4j.model;

import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.rlaif4j.model.safetensors.TensorSource;

/** How Hugging Face names map onto ours, per family. */
final class Checkpoints {
    private Checkpoints() {}

    /**
     * Our parameter name -> the name stored in {@code source}. GPT-2 checkpoints are accepted with or
     * without the {@code transformer.} prefix.
     */
    static Map<String, String> storedNames(ModelConfig config, TensorSource source) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : Transformer.shapes(config).keySet()) {
            if (source.contains(name)) {
                out.put(name, name);
            } else if (config.family() == Family.GPT2 && name.startsWith(Gpt2Model.PREFIX)
                    && source.contains(name.substring(Gpt2Model.PREFIX.length()))) {
                out.put(name, name.substring(Gpt2Model.PREFIX.length()));
            } else {
                throw new IllegalArgumentException("checkpoint: missing tensor '" + name + "'"
                        + (config.family() == Family.GPT2 ? " (with or without the 'transformer.' prefix)" : ""));
            }
        }
        return out;
    }

    /** Non-parameter buffers some checkpoints carry (causal-mask and rotary caches). */
    static boolean isIgnorableBuffer(String name) {
        return name.endsWith(".attn.bias") || name.endsWith(".attn.masked_bias") || name.endsWith("rotary_emb.inv_freq");
    }

    /** "GPT2", "Llama", "Mistral", "Qwen2" or "Qwen3": the prefix of Hugging Face class names. */
    static String architectureName(ModelConfig config) {
        switch (config.modelType()) {
            case "gpt2": return "GPT2";
            case "mistral": return "Mistral";
            case "qwen2": return "Qwen2";
            case "qwen3": return "Qwen3";
            default: return "Llama";
        }
    }

    static String dtypeName(ScalarType dtype) {
        switch (dtype.intern()) {
            case Float: return "float32";
            case Half: return "float16";
            case BFloat16: return "bfloat16";
            default: throw new IllegalArgumentException("dtype: expected float32, float16 or bfloat16, found " + dtype);
        }
    }
}
