package org.rlaif4j.kernels;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.rlaif4j.kernels.reference.EagerLogProbs;

class LogProbsTest {
    private final TestData data = new TestData();

    /** float64 log-softmax of each row of [n, v] at temperature temp: {logp row-major, lse, entropy}. */
    static double[][] reference(float[] x, long[] targets, boolean[] valid, int n, int v, double temp) {
        double[] logp = new double[n];
        double[] entropy = new double[n];
        double[] all = new double[n * v];
        for (int r = 0; r < n; r++) {
            if (!valid[r]) {
                continue;
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < v; j++) {
                max = Math.max(max, x[r * v + j] / temp);
            }
            double s = 0;
            for (int j = 0; j < v; j++) {
                s += Math.exp(x[r * v + j] / temp - max);
            }
            double lse = max + Math.log(s);
            for (int j = 0; j < v; j++) {
                double lp = x[r * v + j] / temp - lse;
                all[r * v + j] = lp;
                entropy[r] -= Math.exp(lp) * lp;
            }
            logp[r] = all[r * v + (int) targets[r]];
        }
        return new double[][] {logp, entropy, all};
    }

    @ParameterizedTest(name = "B={0} T={1} V={2} temperature={3}")
    @CsvSource({"1,1,1,1.0", "2,3,7,0.7", "4,33,1000,1.0", "3,5,5003,2.0", "1,64,50257,1.0"})
    void matchesFloat64Reference(int b, int t, int v, double temp) {
        int n = b * t;
        float[] x = data.normal(n * v, 0, 2);
        long[] tg = new long[n];
        boolean[] mask = new boolean[n];
        for (int i = 0; i < n; i++) {
            tg[i] = data.rng.nextInt(v);
            mask[i] = data.rng.nextDouble() > 0.25 || i == 0;
        }
        if (n > 1) {
            tg[n - 1] = -100; // ignored
        }
        boolean[] valid = new boolean[n];
        for (int i = 0; i < n; i++) {
            valid[i] = mask[i] && tg[i] != -100;
        }
        double[][] want = reference(x, tg, valid, n, v, temp);
        int k = Math.min(3, v);
        try (PointerScope scope = new PointerScope()) {
            LogProbsResult res = LogProbs.fromLogits(Tensors.fromFloats(x, b, t, v), Tensors.fromLongs(tg, b, t),
                    Tensors.fromMask(mask, b, t), new LogProbsConfig(temp, true, -100, k));
            assertArrayEquals(new long[] {b, t}, TensorChecks.sizes(res.logProbs()));
            float[] lp = Tensors.toFloats(res.logProbs());
            float[] ent = Tensors.toFloats(res.entropy());
            assertTrue(TestData.worstScaledError(lp, want[0], 1e-5, 1e-5) <= 1, "logp, seed " + data.seed);
            assertTrue(TestData.worstScaledError(ent, want[1], 1e-5, 1e-5) <= 1, "entropy, seed " + data.seed);
            long[] ti = Tensors.toLongs(res.topKIndices());
            float[] tv = Tensors.toFloats(res.topKLogProbs());
            for (int r = 0; r < n; r++) {
                if (!valid[r]) {
                    assertEquals(0f, lp[r]);
                    assertEquals(-1, ti[r * k]);
                    continue;
                }
                Integer[] order = new Integer[v];
                for (int j = 0; j < v; j++) {
                    order[j] = j;
                }
                final int row = r;
                Arrays.sort(order, (p, q) -> Float.compare(x[row * v + q], x[row * v + p])); // stable: ties by index
                for (int i = 0; i < k; i++) {
                    assertEquals(order[i].longValue(), ti[r * k + i], "top-k index row " + r + ", seed " + data.seed);
                    assertEquals(want[2][r * v + order[i]], tv[r * k + i], 1e-5, "top-k value");
                }
            }
        }
    }

    @Test
    void gradientsMatchLibtorchAutogradOfEagerComposition() {
        int b = 3;
        int t = 17;
        int v = 301;
        int n = b * t;
        float[] x = data.normal(n * v, 0, 1.5);
        long[] tg = new long[n];
        boolean[] mask = new boolean[n];
        for (int i = 0; i < n; i++) {
            tg[i] = data.rng.nextInt(v);
            mask[i] = data.rng.nextDouble() > 0.2;
        }
        tg[5] = -100;
        float[] w1 = data.normal(n, 0, 1);
        float[] w2 = data.normal(n, 0, 1);
        try (PointerScope scope = new PointerScope()) {
            Tensor targets = Tensors.fromLongs(tg, b, t);
            Tensor m = Tensors.fromMask(mask, b, t);
            Tensor wa = Tensors.fromFloats(w1, b, t);
            Tensor wb = Tensors.fromFloats(w2, b, t);
            double temp = 0.8;

            Tensor eagerLogits = Tensors.fromFloats(x, b, t, v).requires_grad_(true);
            EagerLogProbs.Result eager = EagerLogProbs.compute(eagerLogits, targets, m, temp, -100, true);
            Tensor eagerLoss = eager.logProbs().mul(wa).sum().add(eager.entropy().mul(wb).sum());
            eagerLoss.backward();

            Tensor ourLogits = Tensors.fromFloats(x, b, t, v).requires_grad_(true);
            LogProbsResult ours = LogProbs.fromLogits(ourLogits, targets, m, new LogProbsConfig(temp, true, -100, 0));
            assertTrue(ours.logProbs().requires_grad(), "log-probs are autograd leaves when logits require grad");
            Tensor ourLoss = ours.logProbs().mul(wa).sum().add(ours.entropy().mul(wb).sum());
            ourLoss.backward();
            ours.backward();

            assertEquals(eagerLoss.item_double(), ourLoss.item_double(), 1e-5 * Math.abs(eagerLoss.item_double()));
            double[] want = TestData.toDoubles(Tensors.toFloats(eagerLogits.grad()));
            float[] got = Tensors.toFloats(ourLogits.grad());
            assertTrue(TestData.worstScaledError(got, want, 1e-6, 1e-4) <= 1, "grad logits, seed " + data.seed);
        }
    }

    @Test
    void bfloat16Logits() {
        int n = 6;
        int v = 777;
        float[] x = data.normal(n * v, 0, 3);
        long[] tg = {0, 776, 5, 100, 200, 300};
        boolean[] all = new boolean[n];
        Arrays.fill(all, true);
        try (PointerScope scope = new PointerScope()) {
            Tensor xb = Tensors.fromFloats(x, n, v).toType(ScalarType.BFloat16);
            double[][] want = reference(Tensors.toFloats(xb), tg, all, n, v, 1.0);
            LogProbsResult res = LogProbs.fromLogits(xb, Tensors.fromLongs(tg, n), null, LogProbsConfig.DEFAULT);
            assertTrue(TestData.worstScaledError(Tensors.toFloats(res.logProbs()), want[0], 1e-5, 1e-5) <= 1);
            assertNull(res.entropy());
        }
    }

    private static void assertMessage(String expected, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertEquals(expected, e.getMessage());
    }

    @Test
    void validation() {
        try (PointerScope scope = new PointerScope(); Device meta = new Device("meta")) {
            Tensor x = Tensors.fromFloats(data.normal(2 * 3 * 5, 0, 1), 2, 3, 5);
            Tensor tg = Tensors.fromLongs(new long[] {0, 1, 2, 3, 4, 0}, 2, 3);
            LogProbsConfig c = LogProbsConfig.DEFAULT;
            assertMessage("targets: expected token ids in [0, 5) or the ignore index -100, found 7 at [1, 0]",
                    () -> LogProbs.fromLogits(x, Tensors.fromLongs(new long[] {0, 1, 2, 7, 4, 0}, 2, 3), null, c));
            Tensor skipBad = Tensors.fromMask(new boolean[] {true, true, true, false, true, true}, 2, 3);
            assertEquals(0f, Tensors.toFloats(LogProbs.fromLogits(x,
                    Tensors.fromLongs(new long[] {0, 1, 2, 7, 4, 0}, 2, 3), skipBad, c).logProbs())[3],
                    "a masked token's target is not checked");
            assertMessage("targets: expected shape [2, 3] (the leading shape of logits [2, 3, 5]), found [6]",
                    () -> LogProbs.fromLogits(x, Tensors.fromLongs(new long[6], 6), null, c));
            assertMessage("targets: expected dtype int64, found int32",
                    () -> LogProbs.fromLogits(x, tg.toType(ScalarType.Int), null, c));
            assertMessage("logits: expected dtype float32 or bfloat16, found float64",
                    () -> LogProbs.fromLogits(x.toType(ScalarType.Double), tg, null, c));
            assertMessage("logits: expected a 2-D [N, V] or 3-D [B, T, V] tensor, found 1-D [5]",
                    () -> LogProbs.fromLogits(Tensors.fromFloats(new float[5], 5), tg, null, c));
            assertMessage("mask: expected shape [2, 3] (the shape of targets), found [3, 2]",
                    () -> LogProbs.fromLogits(x, tg, Tensors.fromMask(new boolean[6], 3, 2), c));
            assertMessage("targets: expected device cpu (the device of logits), found meta",
                    () -> LogProbs.fromLogits(x, tg.to(meta, ScalarType.Long), null, c));
            assertMessage("topK: expected a value <= the vocabulary size 5, found 6",
                    () -> LogProbs.fromLogits(x, tg, null, c.withTopK(6)));
            assertMessage("temperature: expected a finite value > 0, found 0.0", () -> c.withTemperature(0));
            float[] withNaN = Tensors.toFloats(x);
            withNaN[3 * 5 + 2] = Float.NaN;
            assertMessage("logits: expected no NaN in valid rows, found NaN in row [1, 0]",
                    () -> LogProbs.fromLogits(Tensors.fromFloats(withNaN, 2, 3, 5), tg, null, c));
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> LogProbs.fromLogits(x, tg, null, c).backward());
            assertEquals("logits: expected a tensor that requires grad for backward(), found one that does not",
                    e.getMessage());
            Tensor leaf = Tensors.fromFloats(Tensors.toFloats(x), 2, 3, 5).requires_grad_(true);
            e = assertThrows(IllegalStateException.class, () -> LogProbs.fromLogits(leaf, tg, null, c).backward());
            assertEquals("logProbs: no gradient reached logProbs() or entropy(); call backward() on a loss computed "
                    + "from them first, or use backward(gradLogProbs, gradEntropy)", e.getMessage());
        }
    }
}
