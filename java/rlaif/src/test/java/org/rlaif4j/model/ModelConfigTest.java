package org.rlaif4j.model;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class ModelConfigTest {
    private static ObjectNode json(String s) throws Exception {
        return (ObjectNode) new ObjectMapper().readTree(s);
    }

    private static final String QWEN = "{\"model_type\":\"qwen2\",\"vocab_size\":50,\"hidden_size\":32,"
            + "\"num_hidden_layers\":1,\"num_attention_heads\":4,\"num_key_value_heads\":2,\"intermediate_size\":64,"
            + "\"max_position_embeddings\":128,\"rope_theta\":1000000.0,\"rms_norm_eps\":1e-6,"
            + "\"tie_word_embeddings\":true,\"sliding_window\":32,\"use_sliding_window\":false,\"eos_token_id\":[3,4]}";

    @Test
    void fixturesParse() {
        ModelConfig g = ModelConfig.load(Fixtures.dir(Fixtures.GPT2));
        assertEquals(Family.GPT2, g.family());
        assertEquals(256, g.intermediateSize(), "n_inner null means 4 * n_embd");
        assertEquals(16, g.headDim());
        ModelConfig l = ModelConfig.load(Fixtures.dir(Fixtures.LLAMA));
        assertEquals(Family.LLAMA, l.family());
        assertEquals(2, l.groupSize());
        assertEquals(10000.0, l.ropeTheta());
        assertEquals(176, l.intermediateSize());
        assertTrue(l.tieWordEmbeddings());
        assertFalse(l.attentionBias());
    }

    @Test
    void qwen2HasQkvBiasButNoOutputBias() throws Exception {
        ModelConfig c = ModelConfig.fromJson(json(QWEN));
        assertTrue(c.attentionBias());
        assertFalse(c.outputBias());
        assertEquals(1e6, c.ropeTheta());
        assertEquals(java.util.List.of(3, 4), c.eosTokenIds());
        assertEquals(3, c.padOrEosTokenId());
    }

    @Test
    void mathChangingFieldsAreRejected() throws Exception {
        String[][] cases = {
            {QWEN.replace("\"use_sliding_window\":false", "\"use_sliding_window\":true"), "sliding_window"},
            {QWEN.replace("\"qwen2\"", "\"mistral\""), "sliding_window"},
            {QWEN.replace("\"tie_word_embeddings\":true", "\"rope_scaling\":{\"type\":\"yarn\",\"factor\":2.0}"), "rope_scaling of type 'yarn'"},
            {QWEN.replace("\"tie_word_embeddings\":true", "\"hidden_act\":\"gelu\""), "hidden_act"},
            {QWEN.replace("\"tie_word_embeddings\":true", "\"mlp_bias\":true"), "mlp_bias"},
            {QWEN.replace("\"qwen2\"", "\"falcon\""), "model_type 'falcon' is not supported"},
            {QWEN.replace("\"num_key_value_heads\":2", "\"num_key_value_heads\":3"), "num_key_value_heads"},
            {"{\"model_type\":\"gpt2\",\"vocab_size\":10,\"n_embd\":8,\"n_layer\":1,\"n_head\":2,\"n_positions\":8,"
                    + "\"activation_function\":\"relu\"}", "activation_function 'relu'"},
            {"{\"model_type\":\"gpt2\",\"vocab_size\":10,\"n_embd\":8,\"n_layer\":1,\"n_head\":2,\"n_positions\":8,"
                    + "\"scale_attn_by_inverse_layer_idx\":true}", "scale_attn_by_inverse_layer_idx"},
            {"{\"model_type\":\"gpt2\",\"vocab_size\":10,\"n_layer\":1,\"n_head\":2,\"n_positions\":8}", "n_embd"},
        };
        for (String[] c : cases) {
            UnsupportedConfigException e = assertThrows(UnsupportedConfigException.class,
                    () -> ModelConfig.fromJson(json(c[0])), c[1]);
            assertTrue(e.getMessage().contains(c[1]), "expected '" + c[1] + "' in: " + e.getMessage());
        }
        // a window that covers every position changes nothing and is accepted
        assertEquals("mistral", ModelConfig.fromJson(json(QWEN.replace("\"qwen2\"", "\"mistral\"")
                .replace("\"sliding_window\":32", "\"sliding_window\":4096"))).modelType());
    }

    @Test
    void ropeParametersSpellingEqualsRopeScaling() throws Exception {
        String scaling = "\"rope_theta\":500000.0,\"rope_scaling\":{\"rope_type\":\"llama3\",\"factor\":32.0,"
                + "\"low_freq_factor\":1.0,\"high_freq_factor\":4.0,\"original_max_position_embeddings\":8192}";
        String params = "\"rope_parameters\":{\"rope_type\":\"llama3\",\"rope_theta\":500000.0,\"factor\":32.0,"
                + "\"low_freq_factor\":1.0,\"high_freq_factor\":4.0,\"original_max_position_embeddings\":8192}";
        String base = QWEN.replace("\"qwen2\"", "\"llama\"").replace("\"rope_theta\":1000000.0,", "")
                .replace("\"sliding_window\":32,", "");
        ModelConfig a = ModelConfig.fromJson(json(base.replace("\"tie_word_embeddings\":true", scaling)));
        ModelConfig b = ModelConfig.fromJson(json(base.replace("\"tie_word_embeddings\":true", params)));
        assertEquals(a.ropeScaling(), b.ropeScaling());
        assertEquals(500000.0, b.ropeTheta());
        assertEquals(500000.0, a.ropeTheta());
        // the three bands of Hugging Face's _compute_llama3_parameters, head_dim 8, theta 5e5
        double[] inv = a.ropeScaling().inverseFrequencies(500000.0, 8);
        double[] plain = RopeScaling.NONE.inverseFrequencies(500000.0, 8);
        for (int i = 0; i < 4; i++) {
            double wavelen = 2 * Math.PI / plain[i];
            double expected;
            if (wavelen < 8192 / 4.0) {
                expected = plain[i];
            } else if (wavelen > 8192 / 1.0) {
                expected = plain[i] / 32;
            } else {
                double s = (8192 / wavelen - 1) / 3;
                expected = (1 - s) * plain[i] / 32 + s * plain[i];
            }
            assertEquals(expected, inv[i], 1e-15 * plain[i], "frequency " + i);
        }
        assertEquals(plain[0], inv[0], "high frequency unchanged");
        assertEquals(plain[3] / 32, inv[3], 1e-20, "low frequency divided by the factor");
        assertTrue(inv[2] > plain[2] / 32 && inv[2] < plain[2], "medium frequency blended");
        // bad scaling fields are named
        UnsupportedConfigException e = assertThrows(UnsupportedConfigException.class, () -> ModelConfig.fromJson(
                json(base.replace("\"tie_word_embeddings\":true", params.replace("\"factor\":32.0", "\"factor\":-1")))));
        assertTrue(e.getMessage().contains("rope_parameters.factor"), e.getMessage());
    }

    @Test
    void qwen3HasQkNormAndFollowsAttentionBias() throws Exception {
        ModelConfig c = ModelConfig.fromJson(json(QWEN.replace("\"qwen2\"", "\"qwen3\"").replace("\"tie_word_embeddings\":true",
                "\"head_dim\":16,\"attention_bias\":true")));
        assertTrue(c.qkNorm());
        assertEquals(16, c.headDim());
        assertTrue(c.attentionBias());
        assertTrue(c.outputBias(), "Qwen3's attention_bias covers o_proj too");
        assertFalse(ModelConfig.fromJson(json(QWEN)).qkNorm());
    }
}
