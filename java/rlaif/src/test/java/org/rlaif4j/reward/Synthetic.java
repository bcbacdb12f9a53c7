package org.rlaif4j.reward;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.rlaif4j.data.Jsonl;
import org.rlaif4j.model.CausalLm;
import org.rlaif4j.model.ModelConfig;
import org.rlaif4j.model.tokenizer.CharTokenizer;

/**
 * A preference task a tiny model learns in seconds: the response containing the marker '#' is
 * preferred. Also builds the tiny random Llama checkpoint (char tokenizer) that learns it.
 */
public final class Synthetic {
    public static final String ALPHABET = "abcdefgh#q: ";

    private Synthetic() {}

    /** A random tiny Llama causal LM with a char tokenizer, saved as a Hugging Face folder. */
    public static Path tinyLm(Path dir, int maxPositions) {
        try {
            CharTokenizer tok = new CharTokenizer(ALPHABET);
            ModelConfig cfg = ModelConfig.fromJson((ObjectNode) new ObjectMapper().readTree("{\"model_type\":\"llama\","
                    + "\"vocab_size\":" + tok.vocabSize() + ",\"hidden_size\":32,\"num_hidden_layers\":2,"
                    + "\"num_attention_heads\":4,\"num_key_value_heads\":2,\"intermediate_size\":64,"
                    + "\"max_position_embeddings\":" + maxPositions + ",\"tie_word_embeddings\":true,"
                    + "\"pad_token_id\":0,\"bos_token_id\":1,\"eos_token_id\":2}"));
            CausalLm.random(cfg, 11).save(dir);
            tok.save(dir);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A random tiny GPT-2 (dropout 0.1 by default) with the same char tokenizer. */
    public static Path tinyGpt2(Path dir, int maxPositions) {
        try {
            CharTokenizer tok = new CharTokenizer(ALPHABET);
            ModelConfig cfg = ModelConfig.fromJson((ObjectNode) new ObjectMapper().readTree("{\"model_type\":\"gpt2\","
                    + "\"vocab_size\":" + tok.vocabSize() + ",\"n_embd\":32,\"n_layer\":2,\"n_head\":4,"
                    + "\"n_positions\":" + maxPositions + ",\"eos_token_id\":2}"));
            CausalLm.random(cfg, 12).save(dir);
            tok.save(dir);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String word(Random rnd, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append((char) ('a' + rnd.nextInt(8)));
        }
        return sb.toString();
    }

    /**
     * {@code n} labeled pairs: the marked response is A or B at random; every third line is a TRL
     * hard label (prompt/chosen/rejected), the others soft labels with p_a = 0.9 or 0.1 toward the
     * marked response.
     */
    public static List<ObjectNode> pairs(int n, long seed) {
        Random rnd = new Random(seed);
        List<ObjectNode> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String prompt = "q:" + word(rnd, 3) + " ";
            String good = word(rnd, 5);
            int at = rnd.nextInt(good.length() + 1);
            good = good.substring(0, at) + "#" + good.substring(at);
            String bad = word(rnd, 6);
            ObjectNode o = Jsonl.mapper().createObjectNode();
            o.put("id", "p" + seed + "-" + i);
            o.put("prompt", prompt);
            if (i % 3 == 0) {
                o.put("chosen", good);
                o.put("rejected", bad);
            } else {
                boolean goodIsA = rnd.nextBoolean();
                o.put("response_a", goodIsA ? good : bad);
                o.put("response_b", goodIsA ? bad : good);
                o.put("p_a", goodIsA ? 0.9 : 0.1);
            }
            out.add(o);
        }
        return out;
    }

    public static Path write(Path file, List<ObjectNode> records) {
        StringBuilder sb = new StringBuilder();
        records.forEach(r -> sb.append(Jsonl.toLine(r)).append('\n'));
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, sb.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }
}
