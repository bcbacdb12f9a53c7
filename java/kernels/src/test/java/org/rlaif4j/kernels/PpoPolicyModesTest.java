package org.rlaif4j.kernels;

import static org.junit.jupiter.api.Assertions.*;

import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.rlaif4j.kernels.PpoConfig.Aggregation;
import org.rlaif4j.kernels.PpoConfig.KlEstimator;
import org.rlaif4j.kernels.PpoConfig.PolicyLoss;
import org.rlaif4j.kernels.PpoReference.Batch;
import org.rlaif4j.kernels.TestData.MaskKind;
import org.rlaif4j.kernels.reference.EagerPpoLoss;

/**
 * GSPO's sequence ratio, CISPO's clipped stop-gradient weight, per-token importance weights and
 * the row divisor: the kernel against the float64 reference and against libtorch autograd of the
 * eager composition (verl's formulation), on fresh random batches with empty rows and holes.
 */
class PpoPolicyModesTest {
    private final TestData data = new TestData();

    static Stream<Arguments> modes() {
        Stream.Builder<Arguments> s = Stream.builder();
        for (PolicyLoss policy : PolicyLoss.values()) {
            for (Aggregation agg : Aggregation.values()) {
                for (boolean isw : new boolean[] {false, true}) {
                    for (boolean dual : new boolean[] {false, true}) {
                        if (policy == PolicyLoss.CISPO && dual || policy == PolicyLoss.CLIP && !isw) {
                            continue; // CISPO has no dual clip; CLIP without weights is PpoLossTest's
                        }
                        s.add(Arguments.of(policy, agg, isw, dual));
                    }
                }
            }
        }
        return s.build();
    }

    private static PpoConfig config(PolicyLoss policy, Aggregation agg, boolean dual, double rowNorm) {
        PpoConfig c = PpoConfig.defaults().withAggregation(agg).withPolicyLoss(policy)
                .withClip(policy == PolicyLoss.GSPO ? 0.003 : 0.2, policy == PolicyLoss.GSPO ? 0.004 : 0.28)
                .withDualClip(dual ? 3.0 : 0.0).withValueLoss(0.5, 0.2).withKl(KlEstimator.K3, 0.04)
                .withRowNorm(rowNorm);
        return agg == Aggregation.TOKEN_SUM_NORM ? c.withTokenSumNorm(37.0) : c;
    }

    @ParameterizedTest(name = "{0} {1} isw={2} dual={3}")
    @MethodSource("modes")
    void matchesTheFloat64ReferenceAndAutograd(PolicyLoss policy, Aggregation agg, boolean isw, boolean dual) {
        PpoConfig cfg = config(policy, agg, dual, data.rng.nextBoolean() ? 0 : 4.5);
        MaskKind kind = MaskKind.values()[2 + data.rng.nextInt(3)];
        Batch x = PpoReference.random(data, 6, 23, kind, cfg, true, true, false, 0.5f);
        if (policy == PolicyLoss.GSPO) {
            PpoReference.avoidGspoKinks(x, cfg);
        }
        if (isw) {
            PpoReference.addImportanceWeights(x, data.rng, 0.5f);
        }
        PpoReference want = new PpoReference(x, cfg);
        String what = cfg + " isw=" + isw + " mask=" + kind + " seed " + data.seed;
        try (PointerScope scope = new PointerScope()) {
            PpoLossResult r = PpoLoss.compute(x.tensors(true), cfg);
            PpoLossTest.assertStats(r.stats(), want, cfg, what);
            PpoLossTest.assertGrad(Tensors.toFloats(r.gradLogp()), want.gradLogp, want.scaleLogp, x.mask, 1e-5,
                    "grad_logp " + what);
            PpoLossTest.assertGrad(Tensors.toFloats(r.gradValues()), want.gradValues, null, x.mask, 1e-5,
                    "grad_values " + what);
            PpoInputs eager = x.tensors(true);
            Tensor loss = EagerPpoLoss.compute(eager, cfg);
            loss.backward();
            assertEquals(loss.item_double(), r.lossValue(), 1e-5 * want.lossScale(cfg), "loss vs autograd " + what);
            PpoLossTest.assertGrad(Tensors.toFloats(r.gradLogp()),
                    TestData.toDoubles(Tensors.toFloats(eager.logp().grad())), want.scaleLogp, x.mask, 1e-4,
                    "grad_logp vs autograd " + what);
        }
    }

    @Test
    void gspoGivesEveryTokenOfARowTheSameRatioGradientAndCispoKeepsClippedTokensGradients() {
        try (PointerScope scope = new PointerScope()) {
            // one row, two tokens; ratios far above the clip for CISPO
            Tensor logp = Tensors.fromFloats(new float[] {-1.0f, -2.0f}, 1, 2);
            Tensor old = Tensors.fromFloats(new float[] {-1.2f, -1.9f}, 1, 2);
            Tensor adv = Tensors.fromFloats(new float[] {1.0f, 1.0f}, 1, 2);
            Tensor mask = Tensors.fromMask(new boolean[] {true, true}, 1, 2);
            PpoLossResult g = PpoLoss.compute(PpoInputs.of(logp, old, adv, mask),
                    PpoConfig.defaults().withPolicyLoss(PolicyLoss.GSPO).withClip(0.5));
            float[] gl = Tensors.toFloats(g.gradLogp());
            double s = Math.exp(((-1.0 + 1.2) + (-2.0 + 1.9)) / 2);
            assertEquals(-s / 2, gl[0], 1e-6, "d(-mean A s)/d logp_t = -s / n");
            assertEquals(gl[0], gl[1], 0.0, "the same for both tokens");
            assertEquals(s, g.stats().ratioMean(), 1e-6);
            Tensor far = Tensors.fromFloats(new float[] {-0.5f, -3.0f}, 1, 2); // ratios e^0.7 and e^-1.1
            PpoLossResult c = PpoLoss.compute(PpoInputs.of(far, old, adv, mask),
                    PpoConfig.defaults().withPolicyLoss(PolicyLoss.CISPO).withClip(0.2, 0.28));
            float[] cl = Tensors.toFloats(c.gradLogp());
            assertEquals(-1.28 / 2, cl[0], 1e-6, "clipped above: weight 1.28, gradient kept");
            assertEquals(-0.8 / 2, cl[1], 1e-6, "clipped below: weight 0.8");
            assertEquals(0.5, c.stats().clipFracHigh(), 0.0);
            assertEquals(0.5, c.stats().clipFracLow(), 0.0);
            PpoLossResult clip = PpoLoss.compute(PpoInputs.of(far, old, adv, mask), PpoConfig.defaults());
            assertEquals(0f, Tensors.toFloats(clip.gradLogp())[0], 0f, "PPO's clip drops that token's gradient");
        }
    }

    @Test
    void bfloat16ImportanceWeightsAndGspoWork() {
        PpoConfig cfg = config(PolicyLoss.GSPO, Aggregation.SEQ_MEAN_TOKEN_MEAN, false, 0).withValueLoss(0.0, 0.0)
                .withKl(KlEstimator.K3, 0.0);
        Batch x = PpoReference.random(data, 5, 31, MaskKind.HOLES, cfg, false, false, false, 0.5f);
        PpoReference.avoidGspoKinks(x, cfg);
        PpoReference.addImportanceWeights(x, data.rng, 0.5f);
        try (PointerScope scope = new PointerScope()) {
            for (float[] a : new float[][] {x.logp, x.oldLogp, x.adv, x.isw}) { // the reference sees the bf16 values
                float[] r = Tensors.toFloats(Tensors.fromFloats(a, a.length).toType(ScalarType.BFloat16)
                        .toType(ScalarType.Float));
                System.arraycopy(r, 0, a, 0, a.length);
            }
            PpoReference want = new PpoReference(x, cfg);
            PpoInputs f = x.tensors(false);
            PpoInputs b = new PpoInputs(f.logp().toType(ScalarType.BFloat16), f.oldLogp().toType(ScalarType.BFloat16),
                    f.advantages().toType(ScalarType.BFloat16), f.mask(), null, null, null, null, null,
                    f.isWeights().toType(ScalarType.BFloat16));
            PpoLossResult br = PpoLoss.compute(b, cfg);
            String what = "bf16 GSPO, seed " + data.seed;
            assertEquals(want.stats.policyLoss(), br.stats().policyLoss(), 1e-5 * want.scalePg, what);
            assertEquals(ScalarType.BFloat16.value, br.gradLogp().scalar_type().value);
            // gradients are stored in bf16: 2^-8 relative
            PpoLossTest.assertGrad(Tensors.toFloats(br.gradLogp().toType(ScalarType.Float)), want.gradLogp,
                    want.scaleLogp, x.mask, 8e-3, "grad_logp " + what);
        }
    }

    @Test
    void invalidSettingsAndInputsAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PpoConfig.defaults().withPolicyLoss(PolicyLoss.CISPO).withDualClip(3));
        assertTrue(e.getMessage().startsWith("dualClip: expected 0 with policyLoss CISPO"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PpoConfig.defaults().withRowNorm(-1));
        assertTrue(e.getMessage().startsWith("rowNorm: expected a finite value >= 0"), e.getMessage());
        try (PointerScope scope = new PointerScope()) {
            Tensor x = Tensors.fromFloats(new float[6], 2, 3);
            Tensor mask = Tensors.fromMask(new boolean[] {true, true, true, true, true, false}, 2, 3);
            PpoInputs bad = PpoInputs.of(x, x, x, mask).withImportanceWeights(Tensors.fromFloats(new float[3], 1, 3));
            e = assertThrows(IllegalArgumentException.class, () -> PpoLoss.compute(bad, PpoConfig.defaults()));
            assertTrue(e.getMessage().startsWith("isWeights: expected shape [2, 3]"), e.getMessage());
            Tensor leaf = Tensors.fromFloats(new float[6], 2, 3).requires_grad_(true);
            PpoInputs grad = PpoInputs.of(Tensors.fromFloats(new float[6], 2, 3).requires_grad_(true), x, x, mask)
                    .withImportanceWeights(leaf);
            e = assertThrows(IllegalArgumentException.class, () -> PpoLoss.compute(grad, PpoConfig.defaults()));
            assertTrue(e.getMessage().startsWith("isWeights: expected a tensor that does not require grad"),
                    e.getMessage());
            float[] nanW = {1, Float.NaN, 1, 1, 1, 1};
            PpoInputs withNaN = PpoInputs.of(x, x, x, mask).withImportanceWeights(Tensors.fromFloats(nanW, 2, 3));
            e = assertThrows(IllegalArgumentException.class, () -> PpoLoss.compute(withNaN, PpoConfig.defaults()));
            assertTrue(e.getMessage().startsWith("isWeights: expected no NaN at valid positions, found NaN at [0, 1]"),
                    e.getMessage());
        }
    }
}
