package org.rlaif4j.feedback;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.rlaif4j.model.CausalLm;
import org.rlaif4j.model.ModelConfig;
import org.rlaif4j.model.tokenizer.CharTokenizer;

/** Tiny random Llama-style checkpoints over a character tokenizer, written like Hugging Face folders. */
public final class TinyCheckpoints {
    /** Printable ASCII and newline. */
    public static final CharTokenizer TOKENIZER = new CharTokenizer(alphabet());

    private TinyCheckpoints() {
    }

    private static String alphabet() {
        StringBuilder b = new StringBuilder("\n");
        for (char c = 32; c < 127; c++) {
            b.append(c);
        }
        return b.toString();
    }

    static ModelConfig config(int maxPositions, int hidden, int layers) {
        try {
            ObjectNode n = (ObjectNode) new ObjectMapper().readTree("{\"model_type\":\"llama\",\"hidden_size\":" + hidden
                    + ",\"num_hidden_layers\":" + layers + ",\"num_attention_heads\":4,\"num_key_value_heads\":2,"
                    + "\"intermediate_size\":" + (2 * hidden) + ",\"rms_norm_eps\":1e-6,\"rope_theta\":10000.0,"
                    + "\"tie_word_embeddings\":true,\"bos_token_id\":1,\"eos_token_id\":2,\"pad_token_id\":0,"
                    + "\"initializer_range\":0.3}");
            n.put("vocab_size", TOKENIZER.vocabSize());
            n.put("max_position_embeddings", maxPositions);
            return ModelConfig.fromJson(n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static CausalLm model(int maxPositions, long seed) {
        return CausalLm.random(config(maxPositions, 32, 2), seed);
    }

    /** Saves a random model and the tokenizer into {@code dir}; returns {@code dir}. */
    public static Path save(Path dir, int maxPositions, int hidden, int layers, long seed) {
        CausalLm.random(config(maxPositions, hidden, layers), seed).save(dir);
        TOKENIZER.save(dir);
        return dir;
    }
}
