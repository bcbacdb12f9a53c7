package org.rlaif4j.demo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.rlaif4j.data.Jsonl;
import org.rlaif4j.model.ModelConfig;
import org.rlaif4j.model.tokenizer.CharTokenizer;

/**
 * The shapes of the demo's two tiny Llama-style models and their shared character tokenizer
 * (printable ASCII and newline, 100 tokens with the four specials). The policy reads a request of
 * at most ~40 characters and writes a response of at most ~80; the labeler reads the whole
 * labeling prompt (constitution text, request, two responses, ending), so it gets the longer context.
 */
public final class DemoModels {
    /** Newline and printable ASCII, in code-point order. */
    public static final CharTokenizer TOKENIZER = new CharTokenizer(alphabet());
    /** Longest response the policy samples (the longest ideal response is 60 characters, a verbose one 78). */
    public static final int MAX_NEW_TOKENS = 96;

    private DemoModels() {}

    /** The policy: 3 layers, hidden 64, 4 heads (2 key/value heads), 160 positions (~110k parameters). */
    public static ModelConfig policyConfig() {
        return config(64, 3, 128, 160);
    }

    /**
     * The labeler: the policy's shape with 384 positions (RoPE has no position weights, so the
     * labeler starts from the trained policy, a base model that already reads the task).
     */
    public static ModelConfig labelerConfig() {
        return config(64, 3, 128, 384);
    }

    private static ModelConfig config(int hidden, int layers, int intermediate, int positions) {
        ObjectNode n = Jsonl.mapper().createObjectNode();
        n.put("model_type", "llama");
        n.put("vocab_size", TOKENIZER.vocabSize());
        n.put("hidden_size", hidden);
        n.put("num_hidden_layers", layers);
        n.put("num_attention_heads", 4);
        n.put("num_key_value_heads", 2);
        n.put("intermediate_size", intermediate);
        n.put("max_position_embeddings", positions);
        n.put("rms_norm_eps", 1e-6);
        n.put("rope_theta", 10000.0);
        n.put("tie_word_embeddings", true);
        n.put("initializer_range", 0.05);
        n.put("bos_token_id", 1);
        n.put("eos_token_id", 2);
        n.put("pad_token_id", 0);
        return ModelConfig.fromJson(n);
    }

    private static String alphabet() {
        StringBuilder b = new StringBuilder("\n");
        for (char c = 32; c < 127; c++) {
            b.append(c);
        }
        return b.toString();
    }
}
