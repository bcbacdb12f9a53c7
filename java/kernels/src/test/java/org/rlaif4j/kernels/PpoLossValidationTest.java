package org.rlaif4j.kernels;

import static org.junit.jupiter.api.Assertions.*;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.rlaif4j.kernels.PpoConfig.Aggregation;
import org.rlaif4j.kernels.PpoConfig.KlEstimator;

/** Every bad input or option gets an exception whose message names the argument, the expectation and the finding. */
class PpoLossValidationTest {
    private PointerScope scope;
    private PpoInputs in;
    private final PpoConfig cfg = PpoConfig.defaults();

    @BeforeEach
    void setUp() {
        scope = new PointerScope();
        in = PpoInputs.of(t(4, 16), t(4, 16), t(4, 16), Tensors.fromMask(new boolean[64], 4, 16));
    }

    @AfterEach
    void tearDown() {
        scope.close();
    }

    private static Tensor t(long... shape) {
        int n = 1;
        for (long s : shape) {
            n *= (int) s;
        }
        return Tensors.fromFloats(new float[n], shape);
    }

    private static void assertMessage(String expected, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertEquals(expected, e.getMessage());
    }

    private static void assertNullMessage(String expected, Executable call) {
        NullPointerException e = assertThrows(NullPointerException.class, call);
        assertEquals(expected, e.getMessage());
    }

    @Test
    void validInputsPass() {
        assertEquals(0, PpoLoss.compute(in, cfg).stats().validTokens());
    }

    @Test
    void computeIntoOutputs() {
        Tensor out = t(4, 16);
        assertEquals(0, PpoLoss.computeInto(in, cfg, out, null, null).validTokens());
        assertNullMessage("gradLogpOut: expected a tensor, found null",
                () -> PpoLoss.computeInto(in, cfg, null, null, null));
        assertMessage("gradLogpOut: expected shape [4, 16] (the shape of logp), found [4, 15]",
                () -> PpoLoss.computeInto(in, cfg, t(4, 15), null, null));
        assertMessage("gradLogpOut: expected memory of its own, found it aliasing an input",
                () -> PpoLoss.computeInto(in, cfg, in.oldLogp(), null, null));
        assertMessage("gradValuesOut: expected null (no values given), found a tensor",
                () -> PpoLoss.computeInto(in, cfg, out, t(4, 16), null));
        PpoInputs withValues = in.withValues(t(4, 16), t(4, 16), t(4, 16)).withEntropy(t(4, 16));
        assertMessage("gradValuesOut: expected a tensor (values is given), found null",
                () -> PpoLoss.computeInto(withValues, cfg, out, null, t(4, 16)));
        assertMessage("gradEntropyOut: expected a tensor (entropy is given), found null",
                () -> PpoLoss.computeInto(withValues, cfg, out, t(4, 16), null));
        assertMessage("gradEntropyOut: expected memory of its own, found it aliasing an input",
                () -> PpoLoss.computeInto(withValues, cfg, out, t(4, 16), withValues.entropy()));
    }

    @Test
    void configRanges() {
        PpoConfig d = PpoConfig.defaults();
        assertMessage("epsLow: expected a value in (0, 1), found 1.5", () -> d.withClip(1.5, 0.2));
        assertMessage("epsLow: expected a value in (0, 1), found 0.0", () -> d.withClip(0.0));
        assertMessage("epsHigh: expected a finite value > 0, found -0.1", () -> d.withClip(0.2, -0.1));
        assertMessage("epsHigh: expected a finite value > 0, found Infinity",
                () -> d.withClip(0.2, Double.POSITIVE_INFINITY));
        assertMessage("dualClip: expected 0 (off) or a finite value > 1, found 1.0", () -> d.withDualClip(1.0));
        assertMessage("valueClip: expected 0 (off) or a finite value > 0, found -0.2", () -> d.withValueLoss(1, -0.2));
        assertMessage("vfCoef: expected a finite value >= 0, found -1.0", () -> d.withValueLoss(-1, 0.2));
        assertMessage("klCoef: expected a finite value >= 0, found NaN", () -> d.withKl(KlEstimator.K1, Double.NaN));
        assertMessage("entCoef: expected a finite value >= 0, found -0.01", () -> d.withEntropyBonus(-0.01));
        assertMessage("normConstant: expected a finite value > 0, found 0.0", () -> d.withTokenSumNorm(0));
        assertNullMessage("aggregation: expected an Aggregation, found null", () -> d.withAggregation(null));
        assertNullMessage("klEstimator: expected a KlEstimator, found null", () -> d.withKl(null, 0.1));
    }

    @Test
    void nullArguments() {
        assertNullMessage("inputs: expected PpoInputs, found null", () -> PpoLoss.compute(null, cfg));
        assertNullMessage("config: expected a PpoConfig, found null", () -> PpoLoss.compute(in, null));
        PpoInputs noLogp = PpoInputs.of(null, in.oldLogp(), in.advantages(), in.mask());
        assertNullMessage("logp: expected a tensor, found null", () -> PpoLoss.compute(noLogp, cfg));
        PpoInputs noMask = PpoInputs.of(in.logp(), in.oldLogp(), in.advantages(), null);
        assertNullMessage("mask: expected a tensor, found null", () -> PpoLoss.evaluate(noMask, cfg));
    }

    @Test
    void shapes() {
        PpoInputs rank3 = PpoInputs.of(t(1, 4, 16), in.oldLogp(), in.advantages(), in.mask());
        assertMessage("logp: expected a 2-D tensor [B, T], found 3-D [1, 4, 16]", () -> PpoLoss.compute(rank3, cfg));
        PpoInputs old = PpoInputs.of(in.logp(), t(4, 15), in.advantages(), in.mask());
        assertMessage("oldLogp: expected shape [4, 16] (the shape of logp), found [4, 15]",
                () -> PpoLoss.compute(old, cfg));
        PpoInputs mask = PpoInputs.of(in.logp(), in.oldLogp(), in.advantages(), Tensors.fromMask(new boolean[64], 16, 4));
        assertMessage("mask: expected shape [4, 16] (the shape of logp), found [16, 4]",
                () -> PpoLoss.compute(mask, cfg));
        PpoInputs ent = in.withEntropy(t(64));
        assertMessage("entropy: expected shape [4, 16] (the shape of logp), found [64]", () -> PpoLoss.compute(ent, cfg));
        PpoInputs empty = PpoInputs.of(t(4, 0), t(4, 0), t(4, 0), Tensors.fromMask(new boolean[0], 4, 0));
        assertMessage("logp: expected every dimension to be at least 1, found size 0 in dimension 1 of [4, 0]",
                () -> PpoLoss.compute(empty, cfg));
    }

    @Test
    void dtypes() {
        PpoInputs f64 = PpoInputs.of(in.logp().toType(ScalarType.Double), in.oldLogp(), in.advantages(), in.mask());
        assertMessage("logp: expected dtype float32 or bfloat16, found float64", () -> PpoLoss.compute(f64, cfg));
        PpoInputs adv = PpoInputs.of(in.logp(), in.oldLogp(), in.advantages().toType(ScalarType.BFloat16), in.mask());
        assertMessage("advantages: expected dtype float32 (the dtype of logp), found bfloat16",
                () -> PpoLoss.compute(adv, cfg));
        PpoInputs mask = PpoInputs.of(in.logp(), in.oldLogp(), in.advantages(), in.mask().toType(ScalarType.Float));
        assertMessage("mask: expected dtype bool or uint8, found float32", () -> PpoLoss.compute(mask, cfg));
        PpoInputs ret = in.withValues(t(4, 16), t(4, 16), t(4, 16).toType(ScalarType.Half));
        assertMessage("returns: expected dtype float32 (the dtype of logp), found float16",
                () -> PpoLoss.compute(ret, cfg));
    }

    @Test
    void contiguity() {
        PpoInputs v = in.withValues(t(16, 4).t(), t(4, 16), t(4, 16));
        assertMessage("values: expected a contiguous tensor, found a non-contiguous [4, 16] view; call .contiguous() first",
                () -> PpoLoss.compute(v, cfg));
        PpoInputs logp = PpoInputs.of(t(16, 4).t(), in.oldLogp(), in.advantages(), in.mask());
        assertMessage("logp: expected a contiguous tensor, found a non-contiguous [4, 16] view; call .contiguous() first",
                () -> PpoLoss.compute(logp, cfg));
    }

    @Test
    void devices() {
        try (Device meta = new Device("meta")) {
            PpoInputs ent = in.withEntropy(t(4, 16).to(meta, ScalarType.Float));
            assertMessage("entropy: expected device cpu (the device of logp), found meta",
                    () -> PpoLoss.compute(ent, cfg));
            PpoInputs logp = PpoInputs.of(in.logp().to(meta, ScalarType.Float), in.oldLogp(), in.advantages(),
                    in.mask());
            assertMessage("logp: expected a cpu or cuda tensor, found device meta", () -> PpoLoss.compute(logp, cfg));
        }
    }

    @Test
    void optionalPartsComeWithTheirTensors() {
        PpoInputs partial = new PpoInputs(in.logp(), in.oldLogp(), in.advantages(), in.mask(), null, t(4, 16),
                t(4, 16), null, null, null);
        assertMessage("returns: expected a tensor (values, oldValues and returns come together), found null",
                () -> PpoLoss.compute(partial, cfg));
        assertMessage("values: expected a tensor when vfCoef > 0, found null",
                () -> PpoLoss.compute(in, cfg.withValueLoss(0.5, 0.2)));
        assertMessage("refLogp: expected a tensor when klCoef > 0, found null",
                () -> PpoLoss.compute(in, cfg.withKl(KlEstimator.K3, 0.1)));
        assertMessage("entropy: expected a tensor when entCoef > 0, found null",
                () -> PpoLoss.evaluate(in, cfg.withEntropyBonus(0.01)));
        // Given with a zero coefficient: fine, the term is reported in the statistics only.
        PpoInputs all = in.withReference(t(4, 16)).withValues(t(4, 16), t(4, 16), t(4, 16)).withEntropy(t(4, 16));
        assertEquals(0.0, PpoLoss.compute(all, cfg.withAggregation(Aggregation.TOKEN_SUM_NORM)).lossValue());
    }

    @Test
    void constantsMustNotRequireGrad() {
        PpoInputs adv = PpoInputs.of(in.logp(), in.oldLogp(), t(4, 16).requires_grad_(true), in.mask());
        assertMessage("advantages: expected a tensor that does not require grad (the loss treats it as a constant), "
                + "found one that requires grad; pass advantages.detach()", () -> PpoLoss.compute(adv, cfg));
        PpoInputs ret = in.withValues(t(4, 16), t(4, 16), t(4, 16).requires_grad_(true));
        assertMessage("returns: expected a tensor that does not require grad (the loss treats it as a constant), "
                + "found one that requires grad; pass returns.detach()", () -> PpoLoss.compute(ret, cfg));
        // No gradients, no constraint.
        assertEquals(0, PpoLoss.evaluate(adv, cfg).stats().validTokens());
    }
}
