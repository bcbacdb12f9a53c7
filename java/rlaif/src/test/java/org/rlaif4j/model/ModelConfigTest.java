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
            {QWEN.replace("\"tie_word_embeddings\":true", "\"rope_scaling\":{\"type\":\"linear\",\"factor\":2.0}"), "rope_scaling"},
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
}
