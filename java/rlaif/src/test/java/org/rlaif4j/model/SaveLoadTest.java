package org.rlaif4j.model;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlaif4j.model.safetensors.SafetensorsCheckpoint;

class SaveLoadTest {
    @TempDir
    Path tmp;

    private static final String UNTIED_QWEN = "{\"model_type\":\"qwen2\",\"vocab_size\":40,\"hidden_size\":32,"
            + "\"num_hidden_layers\":2,\"num_attention_heads\":4,\"num_key_value_heads\":2,\"intermediate_size\":48,"
            + "\"max_position_embeddings\":32,\"rope_theta\":1000000.0,\"rms_norm_eps\":1e-6,"
            + "\"tie_word_embeddings\":false,\"eos_token_id\":2}";

    static ModelConfig qwen() throws Exception {
        return ModelConfig.fromJson((com.fasterxml.jackson.databind.node.ObjectNode) new ObjectMapper().readTree(UNTIED_QWEN));
    }

    private static void assertSameParameters(PretrainedModel a, PretrainedModel b) {
        assertEquals(a.namedParameters().keySet(), b.namedParameters().keySet());
        a.namedParameters().forEach((n, t) -> assertTrue(t.equal(b.namedParameters().get(n)), n + " differs"));
    }

    @Test
    void causalLmRoundTripIsBitIdentical() throws Exception {
        for (CausalLm lm : new CausalLm[] {CausalLm.load(Fixtures.dir(Fixtures.GPT2)), CausalLm.random(qwen(), 7)}) {
            Path dir = tmp.resolve(lm.config().modelType());
            lm.save(dir);
            CausalLm back = CausalLm.load(dir);
            assertSameParameters(lm, back);
            try (NoGradGuard g = new NoGradGuard()) {
                Tensor ids = Ops.fromLongs(new long[] {1, 5, 9, 3, 7, 2}, 2, 3);
                assertTrue(lm.logits(ids, null).equal(back.logits(ids, null)));
            }
            String arch = new ObjectMapper().readTree(dir.resolve("config.json").toFile()).get("architectures").get(0).asText();
            assertEquals(lm.config().family() == Family.GPT2 ? "GPT2LMHeadModel" : "Qwen2ForCausalLM", arch);
        }
    }

    @Test
    void gpt2IsSavedWithTheTransformerPrefixAndTiedHeadOmitted() {
        CausalLm lm = CausalLm.load(Fixtures.dir(Fixtures.GPT2));
        Path dir = tmp.resolve("g");
        lm.save(dir);
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(dir)) {
            assertTrue(c.contains("transformer.wte.weight"));
            assertFalse(c.contains("lm_head.weight"));
            assertTrue(c.names().stream().allMatch(n -> n.startsWith("transformer.")));
        }
    }

    @Test
    void untiedQwenHasItsOwnHeadAndBiases() throws Exception {
        CausalLm lm = CausalLm.random(qwen(), 1);
        assertTrue(lm.namedParameters().containsKey("lm_head.weight"));
        assertTrue(lm.namedParameters().containsKey("model.layers.0.self_attn.q_proj.bias"));
        assertFalse(lm.namedParameters().containsKey("model.layers.0.self_attn.o_proj.bias"));
        assertNotSame(lm.lmHead(), lm.backbone().tokenEmbedding());
    }

    @Test
    void scalarHeadFromCausalLmSavesAsSequenceClassification() throws Exception {
        ScalarHeadModel rm = ScalarHeadModel.fromCausalLm(Fixtures.dir(Fixtures.LLAMA), 3);
        assertArrayEquals(new long[] {1, 64}, Ops.shape(rm.head().weight()));
        Tensor ids = Ops.fromLongs(new long[] {0, 0, 5, 6, 7, 8, 9, 10, 11, 12}, 2, 5);
        Tensor mask = Ops.fromLongs(new long[] {0, 0, 1, 1, 1, 1, 1, 1, 1, 1}, 2, 5);
        Path dir = tmp.resolve("rm");
        rm.save(dir);
        var cfg = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        assertEquals("LlamaForSequenceClassification", cfg.get("architectures").get(0).asText());
        assertEquals(1, cfg.get("num_labels").asInt());
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(dir)) {
            assertTrue(c.contains("score.weight"));
        }
        ScalarHeadModel back = ScalarHeadModel.load(dir);
        assertSameParameters(rm, back);
        try (NoGradGuard g = new NoGradGuard()) {
            Tensor values = rm.values(ids, mask);                  // [B, T]
            assertArrayEquals(new long[] {2, 5}, Ops.shape(values));
            Tensor scores = back.scores(ids, mask);                // [B]
            assertArrayEquals(new long[] {2}, Ops.shape(scores));
            float[] v = Ops.toFloats(values);
            float[] s = Ops.toFloats(scores);
            assertEquals(v[4], s[0], 0f, "score is the value at the last token");
            assertEquals(v[9], s[1], 0f);
            // left padding does not change the score of a row
            Tensor alone = back.scores(ids.narrow(0, 0, 1).narrow(1, 2, 3), null);
            assertEquals(s[0], Ops.toFloats(alone)[0], 1e-5);
        }
        // a causal-LM checkpoint is not silently loaded as a reward model
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ScalarHeadModel.load(Fixtures.dir(Fixtures.LLAMA)));
        assertTrue(e.getMessage().contains("fromCausalLm"), e.getMessage());
    }

    @Test
    void missingUnexpectedAndMisshapenTensorsAreRejected() throws Exception {
        CausalLm lm = CausalLm.load(Fixtures.dir(Fixtures.LLAMA));
        Path dir = tmp.resolve("bad");
        Fixtures.copyConfig(Fixtures.LLAMA, dir);
        var tensors = new java.util.LinkedHashMap<>(lm.namedParameters());
        tensors.remove("model.norm.weight");
        SafetensorsCheckpoint.write(dir, tensors, Map.of(), 1L << 30);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CausalLm.load(dir));
        assertTrue(e.getMessage().contains("missing tensor 'model.norm.weight'"), e.getMessage());

        tensors = new java.util.LinkedHashMap<>(lm.namedParameters());
        tensors.put("model.extra.weight", lm.lmHead());
        SafetensorsCheckpoint.write(dir, tensors, Map.of(), 1L << 30);
        e = assertThrows(IllegalArgumentException.class, () -> CausalLm.load(dir));
        assertTrue(e.getMessage().contains("unexpected tensors") && e.getMessage().contains("model.extra.weight"),
                e.getMessage());

        tensors = new java.util.LinkedHashMap<>(lm.namedParameters());
        tensors.put("model.norm.weight", lm.lmHead());
        SafetensorsCheckpoint.write(dir, tensors, Map.of(), 1L << 30);
        e = assertThrows(IllegalArgumentException.class, () -> CausalLm.load(dir));
        assertTrue(e.getMessage().contains("has shape [101, 64], expected [64]"), e.getMessage());
    }

    @Test
    void savingCopiesTokenizerFilesAndSavesHalfPrecision() throws Exception {
        Path src = tmp.resolve("src");
        CausalLm.load(Fixtures.dir(Fixtures.GPT2)).save(src);
        Files.writeString(src.resolve("tokenizer.json"), "{}");
        CausalLm lm = CausalLm.load(src);
        Path dst = tmp.resolve("dst");
        lm.save(dst, ScalarType.Half, PretrainedModel.DEFAULT_MAX_SHARD_BYTES);
        assertTrue(Files.exists(dst.resolve("tokenizer.json")));
        assertEquals("float16", new ObjectMapper().readTree(dst.resolve("config.json").toFile()).get("torch_dtype").asText());
        assertEquals(ScalarType.Half, CausalLm.load(dst, ScalarType.Half).backbone().dtype());
    }
}
