package org.rlaif4j.reward;

import static org.junit.jupiter.api.Assertions.*;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.rlaif4j.kernels.Tensors;

class SoftLabelLossTest {
    // reward gaps from tiny to far past where a naive log(sigmoid) would give -inf in float32
    private static final float[] R_A = {0.3f, -1.2f, 2.5f, 0f, 40f, -60f, 7f, 0.01f};
    private static final float[] R_B = {-0.4f, 0.8f, 2.5f, 3f, -45f, 30f, 6.5f, 0f};
    private static final float[] P_A = {1f, 0f, 0.5f, 0.9f, 0f, 1f, 0.25f, 0.7f};
    private static final float[] W = {1f, 0.3f, 2f, 1f, 1f, 0.5f, 1.5f, 1f};

    @Test
    void perPairLossMatchesTheFloat64ReferenceIncludingLargeGaps() {
        try (PointerScope s = new PointerScope()) {
            int n = R_A.length;
            Tensor loss = SoftLabelLoss.perPair(Tensors.fromFloats(R_A, n).to(ScalarType.Double),
                    Tensors.fromFloats(R_B, n).to(ScalarType.Double), Tensors.fromFloats(P_A, n).to(ScalarType.Double));
            double[] got = new double[n];
            loss.contiguous().data_ptr_double().get(got);
            for (int i = 0; i < n; i++) {
                double want = SoftLabelLoss.reference(R_A[i], R_B[i], P_A[i]);
                assertTrue(Double.isFinite(got[i]), "pair " + i + " is not finite");
                assertEquals(want, got[i], 1e-12 * Math.max(1, Math.abs(want)), "pair " + i);
            }
            // pinned values: a tie costs log 2 whatever the label; a gap of 85 against the label costs about 85
            assertEquals(Math.log(2), got[2], 1e-12);
            assertEquals(85.0, got[4], 1e-9);
            assertEquals(90.0, got[5], 1e-9);
        }
    }

    @Test
    void float64ReferenceAgreesWithTheTextbookFormula() {
        double[][] cases = {{0.7, -0.2, 0.8}, {-1.5, 0.5, 0.1}, {2.0, 2.0, 1.0}};
        for (double[] c : cases) {
            double d = c[0] - c[1];
            double textbook = -(c[2] * Math.log(1 / (1 + Math.exp(-d))) + (1 - c[2]) * Math.log(1 / (1 + Math.exp(d))));
            assertEquals(textbook, SoftLabelLoss.reference(c[0], c[1], c[2]), 1e-12);
            double h = 1e-6;
            double numeric = (SoftLabelLoss.reference(c[0] + h, c[1], c[2]) - SoftLabelLoss.reference(c[0] - h, c[1], c[2])) / (2 * h);
            assertEquals(numeric, SoftLabelLoss.referenceGradient(c[0], c[1], c[2]), 1e-8, "finite difference");
        }
    }

    @Test
    void autogradGradientOfTheWeightedLossMatchesTheReference() {
        try (PointerScope s = new PointerScope()) {
            int n = R_A.length;
            double divisor = 4.0;
            Tensor rA = Tensors.fromFloats(R_A, n).to(ScalarType.Double);
            Tensor rB = Tensors.fromFloats(R_B, n).to(ScalarType.Double);
            rA.set_requires_grad(true);
            rB.set_requires_grad(true);
            Tensor loss = SoftLabelLoss.weightedSum(rA, rB, Tensors.fromFloats(P_A, n).to(ScalarType.Double),
                    Tensors.fromFloats(W, n).to(ScalarType.Double), divisor);
            loss.backward();
            double[] gA = new double[n];
            double[] gB = new double[n];
            rA.grad().contiguous().data_ptr_double().get(gA);
            rB.grad().contiguous().data_ptr_double().get(gB);
            double total = 0;
            for (int i = 0; i < n; i++) {
                double want = W[i] * SoftLabelLoss.referenceGradient(R_A[i], R_B[i], P_A[i]) / divisor;
                assertEquals(want, gA[i], 1e-12, "dL/dr_a of pair " + i);
                assertEquals(-want, gB[i], 1e-12, "dL/dr_b of pair " + i);
                total += W[i] * SoftLabelLoss.reference(R_A[i], R_B[i], P_A[i]);
            }
            assertEquals(total / divisor, loss.item_double(), 1e-10);
            // float32, as training runs it, within float32 precision
            Tensor lf = SoftLabelLoss.weightedSum(Tensors.fromFloats(R_A, n), Tensors.fromFloats(R_B, n),
                    Tensors.fromFloats(P_A, n), Tensors.fromFloats(W, n), divisor);
            assertEquals(total / divisor, lf.item_double(), 1e-4 * total);
            assertThrows(IllegalArgumentException.class, () -> SoftLabelLoss.weightedSum(rA, rB, rA, rA, 0));
        }
    }

    @Test
    void eceAndAccuracyMatchHandComputedValues() {
        // q = σ(d): bins of width 0.1. q=0.05 (bin 0, label 0), 0.15 (bin 1, label 1), 0.92 and 0.95 (bin 9, labels 1, 1)
        double[] q = {0.05, 0.15, 0.95, 0.92};
        double[] p = {0, 1, 1, 1};
        // (1/4)|0.05-0| + (1/4)|0.15-1| + (2/4)|0.935-1| = 0.0125 + 0.2125 + 0.0325
        assertEquals(0.2575, PairwiseMetrics.ece(q, p, 10), 1e-12);
        // one bin: |mean q - mean p| = |0.5175 - 0.75|
        assertEquals(0.2325, PairwiseMetrics.ece(q, p, 1), 1e-12);
        // soft labels equal to the predictions: perfectly calibrated
        assertEquals(0.0, PairwiseMetrics.ece(new double[] {0.3, 0.8}, new double[] {0.3, 0.8}, 10), 1e-15);
        // q = 1 falls in the last bin, q = 0.1 in the second
        assertEquals(0.0, PairwiseMetrics.ece(new double[] {1.0, 0.9}, new double[] {0.9, 1.0}, 10), 1e-15);
        assertEquals(0.05, PairwiseMetrics.ece(new double[] {0.1, 0.0}, new double[] {0.0, 0.0}, 10), 1e-15);
        assertTrue(Double.isNaN(PairwiseMetrics.ece(new double[0], new double[0], 10)));
        assertThrows(IllegalArgumentException.class, () -> PairwiseMetrics.ece(q, p, 0));

        // accuracy: label 0.5 is left out; a reward tie d = 0 is wrong
        PairwiseMetrics m = PairwiseMetrics.of(new double[] {1.0, -2.0, 0.5, 0.0, 3.0}, new double[] {0.9, 0.2, 0.5, 1.0, 0.0}, 10);
        assertEquals(5, m.pairs());
        assertEquals(1, m.undecidedLabels());
        assertEquals(0.5, m.accuracy(), 1e-15, "2 of the 4 decided pairs are right");
        double meanLoss = (SoftLabelLoss.reference(1, 0, 0.9) + SoftLabelLoss.reference(-2, 0, 0.2)
                + SoftLabelLoss.reference(0.5, 0, 0.5) + Math.log(2) + SoftLabelLoss.reference(3, 0, 0)) / 5;
        assertEquals(meanLoss, m.meanLoss(), 1e-12);
    }
}
