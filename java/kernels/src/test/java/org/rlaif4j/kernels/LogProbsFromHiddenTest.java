package org.rlaif4j.kernels;

import static org.junit.jupiter.api.Assertions.*;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.function.Executable;
import org.rlaif4j.kernels.reference.EagerLogProbs;

/** Chunked linear-head scoring against the same math on materialised logits, and against autograd. */
class LogProbsFromHiddenTest {
    private final TestData data = new TestData();

    private Tensor randn(int n, double std, long... shape) {
        return Tensors.fromFloats(data.normal(n, 0, std), shape);
    }

    @Test
    void forwardMatchesLogitsPathForAnyChunking() {
        int b = 3;
        int t = 11;
        int h = 16;
        int v = 97;
        try (PointerScope scope = new PointerScope()) {
            Tensor hidden = randn(b * t * h, 1, b, t, h);
            Tensor w = randn(v * h, 0.5, v, h);
            Tensor bias = randn(v, 0.5, v);
            long[] tg = new long[b * t];
            boolean[] mask = new boolean[b * t];
            for (int i = 0; i < tg.length; i++) {
                tg[i] = data.rng.nextInt(v);
                mask[i] = data.rng.nextDouble() > 0.2;
            }
            tg[4] = -100;
            Tensor targets = Tensors.fromLongs(tg, b, t);
            Tensor m = Tensors.fromMask(mask, b, t);
            LogProbsConfig cfg = new LogProbsConfig(0.9, true, -100, 3);
            Tensor logits = hidden.matmul(w.t()).add(bias);
            LogProbsResult want = LogProbs.fromLogits(logits, targets, m, cfg);
            for (long chunk : new long[] {1, 5, 33, 0}) {
                LogProbsResult got = LogProbs.fromHidden(hidden, w, bias, targets, m, cfg, chunk);
                assertArrayEquals(TensorChecks.sizes(want.logProbs()), TensorChecks.sizes(got.logProbs()));
                double[] wl = TestData.toDoubles(Tensors.toFloats(want.logProbs()));
                assertTrue(TestData.worstScaledError(Tensors.toFloats(got.logProbs()), wl, 1e-5, 1e-5) <= 1,
                        "chunk " + chunk + ", seed " + data.seed);
                double[] we = TestData.toDoubles(Tensors.toFloats(want.entropy()));
                assertTrue(TestData.worstScaledError(Tensors.toFloats(got.entropy()), we, 1e-5, 1e-5) <= 1,
                        "entropy, chunk " + chunk);
                assertArrayEquals(Tensors.toLongs(want.topKIndices()), Tensors.toLongs(got.topKIndices()),
                        "top-k, chunk " + chunk);
            }
        }
    }

    /** Chunks of 4 rows (fewer than H) and of 16 (more, then a last chunk of 7): both d-hidden GEMM forms. */
    @ParameterizedTest(name = "chunk rows {0}")
    @ValueSource(longs = {4, 16})
    void gradientsOfHiddenHeadAndBiasMatchAutograd(long chunk) {
        int n = 23;
        int h = 12;
        int v = 61;
        float[] x = data.normal(n * h, 0, 1);
        float[] wv = data.normal(v * h, 0, 0.5);
        float[] bv = data.normal(v, 0, 0.5);
        long[] tg = new long[n];
        for (int i = 0; i < n; i++) {
            tg[i] = data.rng.nextInt(v);
        }
        float[] w1 = data.normal(n, 0, 1);
        float[] w2 = data.normal(n, 0, 1);
        try (PointerScope scope = new PointerScope(); Scalar two = new Scalar(2.0)) {
            Tensor targets = Tensors.fromLongs(tg, n);
            Tensor wa = Tensors.fromFloats(w1, n);
            Tensor wb = Tensors.fromFloats(w2, n);

            Tensor ex = Tensors.fromFloats(x, n, h).requires_grad_(true);
            Tensor ew = Tensors.fromFloats(wv, v, h).requires_grad_(true);
            Tensor eb = Tensors.fromFloats(bv, v).requires_grad_(true);
            Tensor eLogits = ex.mul(two).matmul(ew.t()).add(eb);
            EagerLogProbs.Result eager = EagerLogProbs.compute(eLogits, targets, null, 1.3, -100, true);
            eager.logProbs().mul(wa).sum().add(eager.entropy().mul(wb).sum()).backward();

            Tensor ox = Tensors.fromFloats(x, n, h).requires_grad_(true);
            Tensor ow = Tensors.fromFloats(wv, v, h).requires_grad_(true);
            Tensor ob = Tensors.fromFloats(bv, v).requires_grad_(true);
            Tensor hidden = ox.mul(two); // not a leaf: the gradient must flow on to ox
            LogProbsResult ours = LogProbs.fromHidden(hidden, ow, ob, targets, null,
                    new LogProbsConfig(1.3, true, -100, 0), chunk);
            ours.logProbs().mul(wa).sum().add(ours.entropy().mul(wb).sum()).backward();
            ours.backward();

            for (Tensor[] pair : new Tensor[][] {{ex, ox}, {ew, ow}, {eb, ob}}) {
                double[] want = TestData.toDoubles(Tensors.toFloats(pair[0].grad()));
                assertTrue(TestData.worstScaledError(Tensors.toFloats(pair[1].grad()), want, 1e-5, 1e-4) <= 1,
                        "gradient of " + TensorChecks.shape(pair[1]) + ", chunk " + chunk + ", seed " + data.seed);
            }
        }
    }

    @Test
    void secondBackwardAccumulatesIntoLeafGradients() {
        int n = 6;
        int h = 5;
        int v = 13;
        float[] x = data.normal(n * h, 0, 1);
        float[] wv = data.normal(v * h, 0, 0.5);
        long[] tg = {0, 3, 12, 7, 7, 1};
        try (PointerScope scope = new PointerScope()) {
            Tensor hidden = Tensors.fromFloats(x, n, h).requires_grad_(true);
            Tensor w = Tensors.fromFloats(wv, v, h).requires_grad_(true);
            Tensor targets = Tensors.fromLongs(tg, n);
            LogProbsResult first = LogProbs.fromHidden(hidden, w, null, targets, null, LogProbsConfig.DEFAULT, 2);
            first.logProbs().sum().backward();
            first.backward();
            float[] once = Tensors.toFloats(w.grad());
            float[] onceHidden = Tensors.toFloats(hidden.grad());
            LogProbsResult second = LogProbs.fromHidden(hidden, w, null, targets, null, LogProbsConfig.DEFAULT, 4);
            second.logProbs().sum().backward();
            second.backward();
            float[] twice = Tensors.toFloats(w.grad());
            float[] twiceHidden = Tensors.toFloats(hidden.grad());
            for (int i = 0; i < once.length; i++) {
                assertEquals(2 * once[i], twice[i], 1e-6 * (1 + Math.abs(once[i])), "d lmHead accumulates at " + i);
            }
            for (int i = 0; i < onceHidden.length; i++) {
                assertEquals(2 * onceHidden[i], twiceHidden[i], 1e-6 * (1 + Math.abs(onceHidden[i])),
                        "d hidden accumulates at " + i);
            }
        }
    }

    private static void assertMessage(String expected, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertEquals(expected, e.getMessage());
    }

    @Test
    void validation() {
        try (PointerScope scope = new PointerScope()) {
            Tensor hidden = randn(2 * 4, 1, 2, 4);
            Tensor w = randn(5 * 4, 1, 5, 4);
            Tensor tg = Tensors.fromLongs(new long[] {1, 2}, 2);
            LogProbsConfig c = LogProbsConfig.DEFAULT;
            assertMessage("lmHead: expected a 2-D tensor [V, H] with H = 4 (the hidden size), found [5, 3]",
                    () -> LogProbs.fromHidden(hidden, randn(15, 1, 5, 3), null, tg, null, c, 0));
            assertMessage("lmHead: expected dtype float32 (the dtype of hidden), found bfloat16",
                    () -> LogProbs.fromHidden(hidden, w.toType(ScalarType.BFloat16), null, tg, null, c, 0));
            assertMessage("bias: expected a 1-D tensor [V] = [5], found [4]",
                    () -> LogProbs.fromHidden(hidden, w, randn(4, 1, 4), tg, null, c, 0));
            assertMessage("chunkRows: expected a value >= 0 (0 = automatic), found -1",
                    () -> LogProbs.fromHidden(hidden, w, null, tg, null, c, -1));
            assertMessage("targets: expected token ids in [0, 5) or the ignore index -100, found 5 at [1]",
                    () -> LogProbs.fromHidden(hidden, w, null, Tensors.fromLongs(new long[] {0, 5}, 2), null, c, 1));
            assertMessage("targets: expected shape [2] (the leading shape of hidden [2, 4]), found [3]",
                    () -> LogProbs.fromHidden(hidden, w, null, Tensors.fromLongs(new long[3], 3), null, c, 0));
        }
    }
}
