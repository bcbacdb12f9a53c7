package org.rlaif4j.model;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlaif4j.model.safetensors.SafetensorsCheckpoint;
import org.rlaif4j.model.safetensors.SafetensorsReader;
import org.rlaif4j.model.safetensors.SafetensorsWriter;

/** Both reference fixtures reproduce the logits of independent implementations. */
class HfReferenceTest {
    private static final double TOL = 1e-4;

    @TempDir
    Path tmp;

    private static double diffToExpected(CausalLm lm, String fixture) {
        try (NoGradGuard g = new NoGradGuard()) {
            Tensor logits = lm.logits(Fixtures.inputIds(fixture), null);
            assertArrayEquals(Ops.shape(Fixtures.expectedLogits(fixture)), Ops.shape(logits));
            return Fixtures.maxAbsDiff(logits, Fixtures.expectedLogits(fixture));
        }
    }

    @Test
    void gpt2MatchesReferenceLogits() {
        CausalLm lm = CausalLm.load(Fixtures.dir(Fixtures.GPT2));
        assertEquals(Family.GPT2, lm.config().family());
        double d = diffToExpected(lm, Fixtures.GPT2);
        assertTrue(d <= TOL, "gpt2 max abs diff " + d);
    }

    @Test
    void llamaGqaMatchesReferenceLogits() {
        CausalLm lm = CausalLm.load(Fixtures.dir(Fixtures.LLAMA));
        assertEquals(2, lm.config().numKvHeads());
        double d = diffToExpected(lm, Fixtures.LLAMA);
        assertTrue(d <= TOL, "llama max abs diff " + d);
    }

    @Test
    void llamaPaddedBatchMatchesWithExplicitMask() {
        CausalLm lm = CausalLm.load(Fixtures.dir(Fixtures.LLAMA));
        Tensor ids = Fixtures.inputIds(Fixtures.LLAMA);
        long[] ones = new long[(int) ids.numel()];
        java.util.Arrays.fill(ones, 1);
        try (NoGradGuard g = new NoGradGuard()) {
            Tensor logits = lm.logits(ids, Ops.fromLongs(ones, ids.size(0), ids.size(1)));
            double d = Fixtures.maxAbsDiff(logits, Fixtures.expectedLogits(Fixtures.LLAMA));
            assertTrue(d <= TOL, "explicit all-ones mask: max abs diff " + d);
        }
    }

    @Test
    void gpt2WithTransformerPrefixLoads() throws Exception {
        Path dir = tmp.resolve("prefixed");
        Fixtures.copyConfig(Fixtures.GPT2, dir);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try (SafetensorsReader r = SafetensorsReader.open(Fixtures.dir(Fixtures.GPT2).resolve("model.safetensors"))) {
            for (String n : r.names()) {
                tensors.put("transformer." + n, r.load(n));
            }
        }
        SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
        double d = diffToExpected(CausalLm.load(dir), Fixtures.GPT2);
        assertTrue(d <= TOL, "prefixed gpt2 max abs diff " + d);
    }

    @Test
    void twoShardsLoad() throws Exception {
        for (String f : new String[] {Fixtures.GPT2, Fixtures.LLAMA}) {
            CausalLm lm = CausalLm.load(Fixtures.dir(f));
            Path dir = tmp.resolve("sharded-" + f);
            long total = 0;
            for (Tensor t : lm.namedParameters().values()) {
                total += t.numel() * 4;
            }
            lm.save(dir, ScalarType.Float, total * 6 / 10);
            try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(dir)) {
                assertEquals(2, c.shardCount(), f);
            }
            double d = diffToExpected(CausalLm.load(dir), f);
            assertTrue(d <= TOL, f + " sharded max abs diff " + d);
        }
    }

    @Test
    void bf16CheckpointLoadsAsItsRoundedWeights() throws Exception {
        for (String f : new String[] {Fixtures.GPT2, Fixtures.LLAMA}) {
            CausalLm lm = CausalLm.load(Fixtures.dir(f));
            Path dir = tmp.resolve("bf16-" + f);
            lm.save(dir, ScalarType.BFloat16, PretrainedModel.DEFAULT_MAX_SHARD_BYTES);
            try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(dir)) {
                assertEquals("BF16", c.info(c.names().iterator().next()).dtype().name());
            }
            // The same weights rounded to bf16 and back, computed in float32, give identical logits.
            try (NoGradGuard g = new NoGradGuard()) {
                for (Tensor p : lm.namedParameters().values()) {
                    p.copy_(p.to(ScalarType.BFloat16).to(ScalarType.Float));
                }
            }
            CausalLm loaded = CausalLm.load(dir);
            assertEquals(ScalarType.Float, loaded.backbone().dtype());
            try (NoGradGuard g = new NoGradGuard()) {
                Tensor ids = Fixtures.inputIds(f);
                assertEquals(0.0, Fixtures.maxAbsDiff(loaded.logits(ids, null), lm.logits(ids, null)), f);
                double d = Fixtures.maxAbsDiff(loaded.logits(ids, null), Fixtures.expectedLogits(f));
                assertTrue(d > 0 && d < 0.2, f + ": bf16 rounding should move logits a little, moved " + d);
            }
            // and it also runs in bf16
            CausalLm inBf16 = CausalLm.load(dir, ScalarType.BFloat16);
            try (NoGradGuard g = new NoGradGuard()) {
                double d = Fixtures.maxAbsDiff(inBf16.logits(Fixtures.inputIds(f), null), Fixtures.expectedLogits(f));
                assertTrue(d < 0.5, f + ": bf16 compute diff " + d);
            }
        }
    }
}
