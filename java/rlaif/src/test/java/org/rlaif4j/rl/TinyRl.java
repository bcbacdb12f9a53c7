package org.rlaif4j.rl;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.rlaif4j.model.CausalLm;
import org.rlaif4j.model.ModelConfig;
import org.rlaif4j.model.ScalarHeadModel;
import org.rlaif4j.model.tokenizer.CharTokenizer;

/** A tiny Llama-style policy over a character tokenizer and a rule-based reward, for fast PPO tests. */
final class TinyRl {
    static final CharTokenizer TOKENIZER = new CharTokenizer("abcdefgh");
    static final List<String> PROMPTS = List.of("ab", "cd", "ef", "gh", "ba", "dc", "fe", "hg");
    static final char TARGET = 'e';

    private TinyRl() {}

    static ModelConfig config() {
        try {
            return ModelConfig.fromJson((ObjectNode) new ObjectMapper().readTree("{\"model_type\":\"llama\","
                    + "\"vocab_size\":12,\"hidden_size\":32,\"num_hidden_layers\":2,\"num_attention_heads\":4,"
                    + "\"num_key_value_heads\":2,\"intermediate_size\":64,\"max_position_embeddings\":32,"
                    + "\"tie_word_embeddings\":false,\"bos_token_id\":1,\"eos_token_id\":2,\"pad_token_id\":0}"));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static CausalLm policy(long seed) {
        return CausalLm.random(config(), seed);
    }

    static ScalarHeadModel valueModel(long seed) {
        return ScalarHeadModel.withFreshHead(CausalLm.random(config(), seed).backbone(), seed + 1);
    }

    /** Reward = fraction of the response's characters that are the target character (0 for an empty response). */
    static final SequenceRewarder FRACTION_OF_TARGET = batch -> {
        float[] out = new float[batch.size()];
        for (int i = 0; i < out.length; i++) {
            String r = batch.get(i).response();
            out[i] = r.isEmpty() ? 0f : (float) r.chars().filter(c -> c == TARGET).count() / r.length();
        }
        return out;
    };

    static PpoTrainingConfig.Builder baseConfig() {
        return PpoTrainingConfig.builder().rollout(8, 1, 8).update(2, 8, 2).lr(3e-3)
                .kl(org.rlaif4j.kernels.PpoConfig.KlEstimator.K1, 0.01).loss(0.2, 0.1, 0.2, 0.0).seed(11);
    }

    static PpoTrainer trainer(PpoTrainingConfig cfg, long modelSeed) {
        ScalarHeadModel value = cfg.usesCritic() && cfg.valueMode() == ValueMode.SEPARATE ? valueModel(modelSeed + 100) : null;
        return new PpoTrainer(policy(modelSeed), policy(modelSeed), value, FRACTION_OF_TARGET, TOKENIZER, PROMPTS, cfg);
    }
}
