package org.rlaif4j.model;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.rlaif4j.model.safetensors.SafetensorsReader;

/**
 * Qwen3 (q/k norm, explicit head_dim) and Llama 3.2 (llama3 rope scaling) from their bf16 weights
 * against float64 reference logits of the Hugging Face implementation.
 */
class RealFormatLogitsTest {
    private static double check(CausalLm lm, String name) throws Exception {
        Path dir = RealFormat.dir(name);
        JsonNode exp = new ObjectMapper().readTree(dir.resolve("expected.json").toFile());
        Tensor ids = RealFormat.inputIds(exp);
        long[] cols = new long[exp.get("vocab_ids").size()];
        for (int i = 0; i < cols.length; i++) {
            cols[i] = exp.get("vocab_ids").get(i).asLong();
        }
        try (SafetensorsReader r = SafetensorsReader.open(dir.resolve("expected_logits.safetensors"))) {
            Tensor logits = lm.logits(ids, null).to(ScalarType.Float);                 // [2, T, V]
            Tensor selected = logits.index_select(2, Ops.fromLongs(cols, cols.length)); // [2, T, |cols|]
            Tensor last = logits.select(1, logits.size(1) - 1);                         // [2, V]
            double a = Fixtures.maxAbsDiff(selected.contiguous(), r.load("logits_selected"));
            double b = Fixtures.maxAbsDiff(last.contiguous(), r.load("logits_last"));
            return Math.max(a, b) / (lm.backbone().dtype() == ScalarType.Float ? 1.0 : maxAbs(r.load("logits_last")));
        }
    }

    private static double maxAbs(Tensor t) {
        double m = 0;
        for (float f : Ops.toFloats(t)) {
            m = Math.max(m, Math.abs(f));
        }
        return m;
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen3-tiny", "llama32-tiny"})
    void float32FromBf16WeightsMatchesReference(String name) throws Exception {
        CausalLm lm = CausalLm.load(RealFormat.dir(name));
        double d = check(lm, name);
        assertTrue(d <= 1e-4, name + ": max |logit diff| = " + d);
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen3-tiny", "llama32-tiny"})
    void bf16ComputeStaysClose(String name) throws Exception {
        CausalLm lm = CausalLm.load(RealFormat.dir(name), ScalarType.BFloat16);
        assertEquals(ScalarType.BFloat16, lm.backbone().dtype());
        double d = check(lm, name);
        // bf16 arithmetic (8-bit mantissa) through two layers: within 3% of the largest logit
        assertTrue(d < 0.03, name + ": bf16 max |logit diff| / max |logit| = " + d);
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen3-tiny", "llama32-tiny"})
    void familyFeaturesAreRead(String name) {
        ModelConfig c = ModelConfig.load(RealFormat.dir(name));
        if (name.startsWith("qwen3")) {
            assertTrue(c.qkNorm());
            assertEquals(16, c.headDim());
            assertEquals(8, c.hiddenSize() / c.numHeads());
            assertFalse(c.attentionBias());
        } else {
            assertFalse(c.qkNorm());
            assertEquals("llama3", c.ropeScaling().type());
            assertEquals(8192, c.ropeScaling().originalMaxPositions());
        }
    }
}
