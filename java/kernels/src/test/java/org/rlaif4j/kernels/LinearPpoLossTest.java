package org.rlaif4j.kernels;

import static org.junit.jupiter.api.Assertions.*;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.rlaif4j.kernels.PpoConfig.Aggregation;
import org.rlaif4j.kernels.PpoConfig.KlEstimator;

/**
 * The fused linear PPO loss against its composition: LogProbs.fromHidden (with the head's
 * entropy), PpoLoss.compute on those log-probs, then both backwards.
 */
class LinearPpoLossTest {
    private final TestData data = new TestData();
    private static final int B = 4;
    private static final int T = 9;
    private static final int H = 8;
    private static final int V = 37;
    private static final double TEMPERATURE = 0.9;

    private final float[] hidden = data.normal(B * T * H, 0, 1);
    private final float[] head = data.normal(V * H, 0, 0.7);
    private final float[] bias = data.normal(V, 0, 0.3);
    private final float[] values = data.normal(B * T, 0, 1);
    private final float[] oldLogp = data.normal(B * T, -3.3, 0.5);
    private final float[] adv = data.normal(B * T, 0, 1);
    private final float[] ref = data.normal(B * T, -3.3, 0.5);
    private final float[] oldValues = data.normal(B * T, 0, 1);
    private final float[] returns = data.normal(B * T, 0, 1);
    private final long[] targets = new long[B * T];
    private final boolean[] mask = new boolean[B * T];

    LinearPpoLossTest() {
        for (int i = 0; i < targets.length; i++) {
            targets[i] = data.rng.nextInt(V);
            mask[i] = i / T != 2 && data.rng.nextDouble() > 0.2; // row 2 has no valid token
        }
    }

    /** Leaf tensors for one side of the comparison. */
    private final class Side {
        final Tensor hiddenT = Tensors.fromFloats(hidden, B, T, H).requires_grad_(true);
        final Tensor headT = Tensors.fromFloats(head, V, H).requires_grad_(true);
        final Tensor biasT = Tensors.fromFloats(bias, V).requires_grad_(true);
        final Tensor valuesT = Tensors.fromFloats(values, B, T).requires_grad_(true);
        final Tensor targetsT = Tensors.fromLongs(targets, B, T);
        final Tensor maskT = Tensors.fromMask(mask, B, T);
        final Tensor oldT = Tensors.fromFloats(oldLogp, B, T);
        final Tensor advT = Tensors.fromFloats(adv, B, T);
        final Tensor refT = Tensors.fromFloats(ref, B, T);
        final Tensor oldVT = Tensors.fromFloats(oldValues, B, T);
        final Tensor retT = Tensors.fromFloats(returns, B, T);
    }

    private static void assertClose(Tensor want, Tensor got, String what, long seed) {
        double[] w = TestData.toDoubles(Tensors.toFloats(want));
        assertTrue(TestData.worstScaledError(Tensors.toFloats(got), w, 1e-6, 1e-4) <= 1, what + ", seed " + seed);
    }

    @ParameterizedTest(name = "{0}, chunk tokens {1}")
    @CsvSource({"TOKEN_MEAN,9", "TOKEN_MEAN,0", "SEQ_MEAN_TOKEN_MEAN,18", "SEQ_MEAN_TOKEN_SUM,9",
        "TOKEN_SUM_NORM,27", "TOKEN_MEAN,1"})
    void matchesCompositionOfLogProbsAndPpoLoss(Aggregation aggregation, long chunkTokens) {
        PpoConfig cfg = PpoConfig.defaults().withAggregation(aggregation).withValueLoss(0.5, 0.2)
                .withKl(KlEstimator.K3, 0.1).withEntropyBonus(0.01).withDualClip(3.0);
        if (aggregation == Aggregation.TOKEN_SUM_NORM) {
            cfg = cfg.withTokenSumNorm(50.0);
        }
        try (PointerScope scope = new PointerScope()) {
            Side want = new Side();
            LogProbsResult lp = LogProbs.fromHidden(want.hiddenT, want.headT, want.biasT, want.targetsT, want.maskT,
                    new LogProbsConfig(TEMPERATURE, true, Long.MIN_VALUE, 0), 0);
            PpoLossResult ppo = PpoLoss.compute(PpoInputs.of(lp.logProbs(), want.oldT, want.advT, want.maskT)
                    .withReference(want.refT).withValues(want.valuesT, want.oldVT, want.retT)
                    .withEntropy(lp.entropy()), cfg);
            ppo.backward();
            lp.backward();

            Side got = new Side();
            LinearPpoResult fused = LinearPpoLoss.compute(LinearPpoInputs.of(got.hiddenT, got.headT, got.biasT,
                    got.targetsT, got.oldT, got.advT, got.maskT).withReference(got.refT)
                    .withValues(got.valuesT, got.oldVT, got.retT), cfg, TEMPERATURE, chunkTokens);
            fused.backward();

            PpoStats w = ppo.stats();
            PpoStats g = fused.stats();
            assertEquals(w.loss(), g.loss(), 1e-5 * (1 + Math.abs(w.loss())), "loss, seed " + data.seed);
            assertEquals(w.policyLoss(), g.policyLoss(), 1e-5 * (1 + Math.abs(w.policyLoss())), "policy loss");
            assertEquals(w.valueLoss(), g.valueLoss(), 1e-5 * (1 + Math.abs(w.valueLoss())), "value loss");
            assertEquals(w.klLoss(), g.klLoss(), 1e-5 * (1 + Math.abs(w.klLoss())), "kl loss");
            assertEquals(w.entropy(), g.entropy(), 1e-5 * (1 + Math.abs(w.entropy())), "entropy");
            assertEquals(w.clipFracLow(), g.clipFracLow(), 1e-12, "clip fraction low");
            assertEquals(w.clipFracHigh(), g.clipFracHigh(), 1e-12, "clip fraction high");
            assertEquals(w.valueClipFrac(), g.valueClipFrac(), 1e-12, "value clip fraction");
            assertEquals(w.approxKl(), g.approxKl(), 1e-6 * (1 + w.approxKl()), "approx kl");
            assertEquals(w.ratioMean(), g.ratioMean(), 1e-6 * (1 + w.ratioMean()), "ratio mean");
            assertEquals(w.ratioMax(), g.ratioMax(), 1e-6 * w.ratioMax(), "ratio max");
            assertEquals(w.validTokens(), g.validTokens());
            assertEquals(w.validRows(), g.validRows());
            assertClose(want.hiddenT.grad(), got.hiddenT.grad(), "d hidden", data.seed);
            assertClose(want.headT.grad(), got.headT.grad(), "d lmHead", data.seed);
            assertClose(want.biasT.grad(), got.biasT.grad(), "d bias", data.seed);
            assertClose(want.valuesT.grad(), got.valuesT.grad(), "d values", data.seed);
        }
    }

    @ParameterizedTest(name = "{0} {1}, chunk tokens {2}")
    @CsvSource({"GSPO,TOKEN_MEAN,9", "GSPO,SEQ_MEAN_TOKEN_MEAN,18", "GSPO,SEQ_MEAN_TOKEN_SUM,0", "CISPO,TOKEN_MEAN,9",
        "CISPO,SEQ_MEAN_TOKEN_MEAN,27", "CLIP,SEQ_MEAN_TOKEN_MEAN,9"})
    void policyModesImportanceWeightsAndRowNormMatchTheComposition(PpoConfig.PolicyLoss policy, Aggregation aggregation,
            long chunkTokens) {
        // GSPO's ratio spans a whole row: chunks of whole rows must give the batch's result
        PpoConfig cfg = PpoConfig.defaults().withAggregation(aggregation).withPolicyLoss(policy)
                .withClip(policy == PpoConfig.PolicyLoss.GSPO ? 0.05 : 0.2, 0.28).withKl(KlEstimator.K3, 0.1)
                .withValueLoss(0.5, 0.2).withRowNorm(aggregation == Aggregation.TOKEN_MEAN ? 0 : 5.0);
        float[] isw = data.normal(B * T, 1, 0.4);
        for (int i = 0; i < isw.length; i++) {
            isw[i] = Math.max(0f, isw[i]);
        }
        try (PointerScope scope = new PointerScope()) {
            Side want = new Side();
            LogProbsResult lp = LogProbs.fromHidden(want.hiddenT, want.headT, want.biasT, want.targetsT, want.maskT,
                    new LogProbsConfig(TEMPERATURE, false, Long.MIN_VALUE, 0), 0);
            PpoLossResult ppo = PpoLoss.compute(PpoInputs.of(lp.logProbs(), want.oldT, want.advT, want.maskT)
                    .withReference(want.refT).withValues(want.valuesT, want.oldVT, want.retT)
                    .withImportanceWeights(Tensors.fromFloats(isw, B, T)), cfg);
            ppo.backward();
            lp.backward();

            Side got = new Side();
            LinearPpoResult fused = LinearPpoLoss.compute(LinearPpoInputs.of(got.hiddenT, got.headT, got.biasT,
                    got.targetsT, got.oldT, got.advT, got.maskT).withReference(got.refT)
                    .withValues(got.valuesT, got.oldVT, got.retT).withImportanceWeights(Tensors.fromFloats(isw, B, T)),
                    cfg, TEMPERATURE, chunkTokens);
            fused.backward();
            PpoStats w = ppo.stats();
            PpoStats g = fused.stats();
            String what = policy + " " + aggregation + ", seed " + data.seed;
            assertEquals(w.loss(), g.loss(), 1e-5 * (1 + Math.abs(w.loss())), "loss " + what);
            assertEquals(w.policyLoss(), g.policyLoss(), 1e-5 * (1 + Math.abs(w.policyLoss())), "policy loss " + what);
            assertEquals(w.clipFracLow(), g.clipFracLow(), 1e-12, "clip fraction low " + what);
            assertEquals(w.clipFracHigh(), g.clipFracHigh(), 1e-12, "clip fraction high " + what);
            assertEquals(w.ratioMean(), g.ratioMean(), 1e-6 * (1 + w.ratioMean()), "ratio mean " + what);
            assertClose(want.hiddenT.grad(), got.hiddenT.grad(), "d hidden " + what, data.seed);
            assertClose(want.headT.grad(), got.headT.grad(), "d lmHead " + what, data.seed);
            assertClose(want.valuesT.grad(), got.valuesT.grad(), "d values " + what, data.seed);
            assertTrue(Tensors.toFloats(got.hiddenT.grad()).length > 0 && maxAbs(Tensors.toFloats(got.hiddenT.grad())) > 0,
                    "gradients reach the hidden states " + what);
        }
    }

    private static double maxAbs(float[] x) {
        double m = 0;
        for (float v : x) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    @Test
    void validationAndNaN() {
        try (PointerScope scope = new PointerScope()) {
            Side s = new Side();
            PpoConfig cfg = PpoConfig.defaults();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> LinearPpoLoss.compute(LinearPpoInputs.of(s.hiddenT, Tensors.fromFloats(new float[V * 3], V, 3),
                            null, s.targetsT, s.oldT, s.advT, s.maskT), cfg, 1.0, 0));
            assertEquals("lmHead: expected a 2-D tensor [V, H] with H = 8 (the hidden size), found [37, 3]",
                    e.getMessage());
            float[] withNaN = oldLogp.clone();
            withNaN[1] = Float.NaN;
            mask[1] = true;
            Side n = new Side();
            Tensor nanOld = Tensors.fromFloats(withNaN, B, T);
            e = assertThrows(IllegalArgumentException.class, () -> LinearPpoLoss.compute(LinearPpoInputs.of(n.hiddenT,
                    n.headT, null, n.targetsT, nanOld, n.advT, n.maskT), cfg, 1.0, 0));
            assertEquals("inputs: expected no NaN at valid tokens, found 1 tokens with NaN in the log-probs from "
                    + "hidden states or in the PPO inputs", e.getMessage());
        }
    }
}
