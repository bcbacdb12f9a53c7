package org.rlaif4j.train;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlaif4j.kernels.Tensors;
import org.rlaif4j.model.CausalLm;
import org.rlaif4j.model.ModelConfig;
import org.rlaif4j.model.Ops;

class TrainingTest {
    @TempDir
    Path tmp;

    private static ModelConfig tinyLlama() throws Exception {
        return ModelConfig.fromJson((ObjectNode) new ObjectMapper().readTree("{\"model_type\":\"llama\",\"vocab_size\":30,"
                + "\"hidden_size\":16,\"num_hidden_layers\":2,\"num_attention_heads\":4,\"num_key_value_heads\":2,"
                + "\"intermediate_size\":24,\"max_position_embeddings\":16,\"tie_word_embeddings\":false}"));
    }

    private static ModelConfig tinyGpt2() throws Exception {
        return ModelConfig.fromJson((ObjectNode) new ObjectMapper().readTree("{\"model_type\":\"gpt2\",\"vocab_size\":30,"
                + "\"n_embd\":16,\"n_layer\":1,\"n_head\":2,\"n_positions\":16}"));
    }

    private static final Tensor IDS_A = Ops.fromLongs(new long[] {1, 4, 7, 2, 9, 3, 3, 8, 1, 0, 5, 6}, 2, 6);
    private static final Tensor IDS_B = Ops.fromLongs(new long[] {2, 2, 5, 9, 11, 4, 7, 7, 13, 1, 4, 2}, 2, 6);

    private static Tensor lmLoss(CausalLm lm, Tensor ids) {
        return Losses.causalLm(lm.logits(ids, null), ids, null);
    }

    @Test
    void adamWMatchesTheTextbookUpdateWithItsBetasAndDecayGroups() {
        Tensor w = Tensors.fromFloats(new float[] {0.5f, -1f, 2f, 0.25f}, 2, 2);
        Tensor b = Tensors.fromFloats(new float[] {1f, -0.5f}, 2);
        w.set_requires_grad(true);
        b.set_requires_grad(true);
        Map<String, Tensor> named = new LinkedHashMap<>();
        named.put("w", w);
        named.put("b", b);
        AdamWConfig cfg = new AdamWConfig(0.1, 0.8, 0.95, 1e-8, 0.2);
        AdamW opt = Optimizers.adamW(named, cfg);
        assertArrayEquals(new long[] {1, 1}, Optimizers.groupSizes(opt), "decay group, then no-decay group");
        assertArrayEquals(new double[] {0.2, 0.0}, Optimizers.weightDecays(opt));
        float[][] grads = {{1f, 2f, -3f, 0.5f, 0.7f, -0.1f}, {-2f, 0.5f, 1f, 4f, -0.3f, 0.9f}, {0.1f, 0.1f, 5f, -1f, 2f, 2f}};
        double[] p = {0.5, -1, 2, 0.25, 1, -0.5};
        double[] m = new double[6];
        double[] v = new double[6];
        for (int step = 1; step <= grads.length; step++) {
            float[] g = grads[step - 1];
            opt.zero_grad(true);
            Tensor loss = w.mul(Tensors.fromFloats(java.util.Arrays.copyOfRange(g, 0, 4), 2, 2)).sum()
                    .add(b.mul(Tensors.fromFloats(java.util.Arrays.copyOfRange(g, 4, 6), 2)).sum());
            loss.backward();
            opt.step();
            for (int i = 0; i < 6; i++) {
                double wd = i < 4 ? 0.2 : 0.0;
                p[i] *= 1 - cfg.lr() * wd;
                m[i] = 0.8 * m[i] + 0.2 * g[i];
                v[i] = 0.95 * v[i] + 0.05 * g[i] * g[i];
                double mh = m[i] / (1 - Math.pow(0.8, step));
                double vh = v[i] / (1 - Math.pow(0.95, step));
                p[i] -= cfg.lr() * mh / (Math.sqrt(vh) + 1e-8);
            }
        }
        float[] got = new float[6];
        System.arraycopy(Ops.toFloats(w), 0, got, 0, 4);
        System.arraycopy(Ops.toFloats(b), 0, got, 4, 2);
        for (int i = 0; i < 6; i++) {
            assertEquals(p[i], got[i], 1e-5, "parameter " + i);
        }
        Optimizers.setLr(opt, 0.0125);
        for (double lr : Optimizers.lrs(opt)) {
            assertEquals(0.0125, lr);
        }
    }

    @Test
    void warmupCosineSchedule() {
        LrSchedule s = LrSchedule.warmupCosine(1e-3, 4, 14, 1e-4);
        assertEquals(2.5e-4, s.lr(0), 1e-12);
        assertEquals(1e-3, s.lr(3), 1e-12);
        assertEquals(1e-3, s.lr(4), 1e-12);
        assertEquals((1e-3 + 1e-4) / 2, s.lr(9), 1e-12);
        assertEquals(1e-4, s.lr(14), 1e-12);
        assertEquals(1e-4, s.lr(100), 1e-12);
        for (int i = 4; i < 14; i++) {
            assertTrue(s.lr(i + 1) < s.lr(i), "decreasing after warm-up at " + i);
        }
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.warmupCosine(1, 5, 4, 0));
    }

    @Test
    void clippingScalesTheGlobalNorm() {
        Tensor a = Tensors.fromFloats(new float[] {1, 2}, 2);
        Tensor c = Tensors.fromFloats(new float[] {3, 4, 5, 6}, 2, 2);
        a.set_requires_grad(true);
        c.set_requires_grad(true);
        a.mul(Tensors.fromFloats(new float[] {3, 0}, 2)).sum().add(c.mul(Tensors.fromFloats(new float[] {0, 4, 0, 0}, 2, 2)).sum())
                .backward();
        assertEquals(5.0, GradClip.globalNorm(List.of(a, c)), 1e-9);
        assertEquals(5.0, GradClip.clip(List.of(a, c), 1.0), 1e-9);
        assertEquals(1.0, GradClip.globalNorm(List.of(a, c)), 1e-5);
        assertEquals(0.6, Ops.toFloats(a.grad())[0], 1e-5);
        assertEquals(1.0, GradClip.clip(List.of(a, c), 10.0), 1e-5, "below the threshold nothing changes");
        assertEquals(1.0, GradClip.globalNorm(List.of(a, c)), 1e-5);
    }

    @Test
    void accumulatingTwoHalvesEqualsOneFullBatch() throws Exception {
        CausalLm one = CausalLm.random(tinyLlama(), 5);
        CausalLm two = CausalLm.random(tinyLlama(), 5);
        Tensor full = torch.cat(new org.bytedeco.pytorch.TensorVector(IDS_A, IDS_B), 0);
        TrainStep s1 = new TrainStep(one, AdamWConfig.of(1e-2), LrSchedule.constant(1e-2), 1.0);
        TrainStep s2 = new TrainStep(two, AdamWConfig.of(1e-2), LrSchedule.constant(1e-2), 1.0);
        for (int i = 0; i < 3; i++) {
            StepStats a = s1.step(List.of(full), ids -> lmLoss(one, ids));
            StepStats b = s2.step(List.of(IDS_A, IDS_B), ids -> lmLoss(two, ids));
            assertEquals(a.loss(), b.loss(), 1e-5);
            assertEquals(a.gradNorm(), b.gradNorm(), 1e-4);
        }
        one.namedParameters().forEach((n, t) ->
                assertTrue(t.allclose(two.namedParameters().get(n), 1e-4, 1e-6, false), n + " differs"));
        assertEquals(3, s1.stepCount());
    }

    @Test
    void frozenParametersDoNotMoveAndTrainingLowersTheLoss() throws Exception {
        CausalLm lm = CausalLm.random(tinyLlama(), 9);
        lm.freeze(n -> n.contains("embed_tokens"));
        Tensor embBefore = lm.backbone().tokenEmbedding().clone();
        Tensor headBefore = lm.lmHead().clone();
        TrainStep step = new TrainStep(lm, AdamWConfig.of(3e-2), LrSchedule.warmupCosine(3e-2, 2, 20, 3e-3), 1.0);
        assertEquals(lm.trainableParameters().size(),
                java.util.Arrays.stream(Optimizers.groupSizes(step.optimizer())).sum());
        double first = 0;
        double last = 0;
        for (int i = 0; i < 20; i++) {
            StepStats s = step.step(List.of(IDS_A), ids -> lmLoss(lm, ids));
            if (i == 0) {
                first = s.loss();
            }
            last = s.loss();
        }
        assertTrue(last < first * 0.7, "loss " + first + " -> " + last);
        assertTrue(lm.backbone().tokenEmbedding().equal(embBefore), "frozen embedding moved");
        assertFalse(lm.lmHead().equal(headBefore), "trainable head did not move");

        // a trained model saves to a checkpoint that reloads to identical logits
        Path dir = tmp.resolve("trained");
        lm.save(dir);
        CausalLm back = CausalLm.load(dir);
        try (NoGradGuard g = new NoGradGuard()) {
            assertTrue(lm.logits(IDS_B, null).equal(back.logits(IDS_B, null)));
        }
    }

    @Test
    void dropoutOnlyInTrainingMode() throws Exception {
        CausalLm lm = CausalLm.random(tinyGpt2(), 2);
        assertEquals(0.1, lm.config().residDropout(), "GPT-2 default dropout");
        try (NoGradGuard g = new NoGradGuard()) {
            assertFalse(lm.isTraining());
            assertTrue(lm.logits(IDS_A, null).equal(lm.logits(IDS_A, null)), "eval mode is deterministic");
            lm.train(true);
            assertFalse(lm.logits(IDS_A, null).equal(lm.logits(IDS_A, null)), "training mode applies dropout");
            lm.train(false);
            assertTrue(lm.logits(IDS_A, null).equal(lm.logits(IDS_A, null)));
        }
    }
}
