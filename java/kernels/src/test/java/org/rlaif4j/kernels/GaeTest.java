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
import org.rlaif4j.kernels.TestData.MaskKind;
import org.rlaif4j.kernels.reference.EagerGae;

class GaeTest {
    private final TestData data = new TestData();

    /** GAE in float64, written from the definition: each row's valid steps, backwards. */
    static double[][] reference(float[] r, float[] v, boolean[] m, float[] boot, int b, int t, double gamma,
            double lambda) {
        double[] adv = new double[b * t];
        double[] ret = new double[b * t];
        for (int row = 0; row < b; row++) {
            double nextValue = boot == null ? 0.0 : boot[row];
            double nextAdv = 0.0;
            for (int step = t - 1; step >= 0; step--) {
                int i = row * t + step;
                if (!m[i]) {
                    continue;
                }
                double delta = r[i] + gamma * nextValue - v[i];
                nextAdv = delta + gamma * lambda * nextAdv;
                adv[i] = nextAdv;
                ret[i] = nextAdv + v[i];
                nextValue = v[i];
            }
        }
        return new double[][] {adv, ret};
    }

    static Stream<Arguments> cases() {
        int[][] shapes = {{1, 1}, {1, 8192}, {3, 1}, {5, 17}, {64, 512}, {2, 3000}};
        Stream.Builder<Arguments> s = Stream.builder();
        for (int[] shape : shapes) {
            for (MaskKind k : MaskKind.values()) {
                s.add(Arguments.of(shape[0], shape[1], k, shape[0] % 2 == 1));
            }
        }
        return s.build();
    }

    @ParameterizedTest(name = "B={0} T={1} mask={2} bootstrap={3}")
    @MethodSource("cases")
    void matchesFloat64Reference(int b, int t, MaskKind kind, boolean withBootstrap) {
        float[] r = data.normal(b * t, 0, 1);
        float[] v = data.normal(b * t, 0.5, 1);
        boolean[] m = data.mask(kind, b, t);
        float[] boot = withBootstrap ? data.normal(b, 0, 1) : null;
        for (int i = 0; i < m.length; i++) {
            if (!m[i]) {
                r[i] = Float.NaN; // padding garbage must never be read
            }
        }
        double gamma = 0.99;
        double lambda = 0.95;
        double[][] want = reference(r, v, m, boot, b, t, gamma, lambda);
        try (PointerScope scope = new PointerScope()) {
            GaeResult res = Gae.compute(Tensors.fromFloats(r, b, t), Tensors.fromFloats(v, b, t),
                    Tensors.fromMask(m, b, t), boot == null ? null : Tensors.fromFloats(boot, b),
                    new GaeConfig(gamma, lambda));
            float[] adv = Tensors.toFloats(res.advantages());
            float[] ret = Tensors.toFloats(res.returns());
            // float32 accumulation: a few ulps per step over an effective horizon of ~1/(1-0.94) steps.
            assertTrue(TestData.worstScaledError(adv, want[0], 2e-5, 2e-5) <= 1, "advantages, seed " + data.seed);
            assertTrue(TestData.worstScaledError(ret, want[1], 2e-5, 2e-5) <= 1, "returns, seed " + data.seed);
            for (int i = 0; i < m.length; i++) {
                if (!m[i]) {
                    assertEquals(0f, adv[i], "masked advantage at " + i);
                    assertEquals(0f, ret[i], "masked return at " + i);
                }
            }
        }
    }

    @Test
    void extremeFactorsMatchReference() {
        int b = 9;
        int t = 70;
        for (double[] gl : new double[][] {{1, 1}, {0, 0.5}, {0.5, 0}, {1, 0}}) {
            float[] r = data.normal(b * t, 0, 1);
            float[] v = data.normal(b * t, 0, 1);
            boolean[] m = data.mask(MaskKind.HOLES, b, t);
            double[][] want = reference(r, v, m, null, b, t, gl[0], gl[1]);
            try (PointerScope scope = new PointerScope()) {
                GaeResult res = Gae.compute(Tensors.fromFloats(r, b, t), Tensors.fromFloats(v, b, t),
                        Tensors.fromMask(m, b, t), new GaeConfig(gl[0], gl[1]));
                assertTrue(TestData.worstScaledError(Tensors.toFloats(res.advantages()), want[0], 1e-4, 1e-5) <= 1,
                        "gamma=" + gl[0] + " lambda=" + gl[1] + " seed " + data.seed);
            }
        }
    }

    @Test
    void matchesLibtorchEagerComposition() {
        int b = 16;
        int t = 257;
        float[] r = data.normal(b * t, 0, 1);
        float[] v = data.normal(b * t, 0, 1);
        float[] boot = data.normal(b, 0, 1);
        boolean[] m = data.mask(MaskKind.LEFT_PAD, b, t);
        try (PointerScope scope = new PointerScope()) {
            Tensor rt = Tensors.fromFloats(r, b, t);
            Tensor vt = Tensors.fromFloats(v, b, t);
            Tensor mt = Tensors.fromMask(m, b, t);
            Tensor bt = Tensors.fromFloats(boot, b);
            GaeConfig cfg = new GaeConfig(0.97, 0.9);
            GaeResult ours = Gae.compute(rt, vt, mt, bt, cfg);
            GaeResult eager = EagerGae.compute(rt, vt, mt, bt, cfg);
            double[] ea = TestData.toDoubles(Tensors.toFloats(eager.advantages()));
            double[] er = TestData.toDoubles(Tensors.toFloats(eager.returns()));
            assertTrue(TestData.worstScaledError(Tensors.toFloats(ours.advantages()), ea, 1e-5, 1e-5) <= 1,
                    "advantages vs eager, seed " + data.seed);
            assertTrue(TestData.worstScaledError(Tensors.toFloats(ours.returns()), er, 1e-5, 1e-5) <= 1,
                    "returns vs eager, seed " + data.seed);
        }
    }

    @Test
    void bfloat16InputsAccumulateInFloat32() {
        int b = 6;
        int t = 400;
        float[] r = data.normal(b * t, 0, 1);
        float[] v = data.normal(b * t, 0, 1);
        boolean[] m = data.mask(MaskKind.HOLES, b, t);
        try (PointerScope scope = new PointerScope()) {
            Tensor rb = Tensors.fromFloats(r, b, t).toType(ScalarType.BFloat16);
            Tensor vb = Tensors.fromFloats(v, b, t).toType(ScalarType.BFloat16);
            // The reference sees exactly the bf16-rounded inputs.
            double[][] want = reference(Tensors.toFloats(rb), Tensors.toFloats(vb), m, null, b, t, 0.99, 0.95);
            GaeResult res = Gae.compute(rb, vb, Tensors.fromMask(m, b, t), new GaeConfig(0.99, 0.95));
            assertEquals(ScalarType.BFloat16, res.advantages().scalar_type().intern());
            // Only the final store rounds to bf16 (8-bit mantissa: relative 2^-9).
            assertTrue(TestData.worstScaledError(Tensors.toFloats(res.advantages()), want[0], 1e-2, 4e-3) <= 1,
                    "bf16 advantages, seed " + data.seed);
            assertTrue(TestData.worstScaledError(Tensors.toFloats(res.returns()), want[1], 1e-2, 4e-3) <= 1,
                    "bf16 returns, seed " + data.seed);
        }
    }

    @Test
    void uint8MaskTreatsAnyNonzeroAsValid() {
        int b = 2;
        int t = 5;
        float[] r = data.normal(b * t, 0, 1);
        float[] v = data.normal(b * t, 0, 1);
        boolean[] m = {true, false, true, true, false, false, true, true, false, true};
        try (PointerScope scope = new PointerScope()) {
            Tensor bytes = Tensors.fromMask(m, b, t).toType(ScalarType.Byte).mul(new org.bytedeco.pytorch.Scalar(7));
            GaeResult res = Gae.compute(Tensors.fromFloats(r, b, t), Tensors.fromFloats(v, b, t), bytes,
                    new GaeConfig(0.9, 0.8));
            double[][] want = reference(r, v, m, null, b, t, 0.9, 0.8);
            assertTrue(TestData.worstScaledError(Tensors.toFloats(res.advantages()), want[0], 1e-6, 1e-6) <= 1);
        }
    }

    @Test
    void nanAtValidPositionNamesTensorAndIndex() {
        try (PointerScope scope = new PointerScope()) {
            float[] r = data.normal(12, 0, 1);
            r[7] = Float.NaN;
            Tensor rt = Tensors.fromFloats(r, 3, 4);
            Tensor vt = Tensors.fromFloats(data.normal(12, 0, 1), 3, 4);
            boolean[] all = new boolean[12];
            java.util.Arrays.fill(all, true);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Gae.compute(rt, vt, Tensors.fromMask(all, 3, 4), new GaeConfig(0.9, 0.9)));
            assertEquals("rewards: expected no NaN at valid positions, found NaN at [1, 3]", e.getMessage());

            float[] v = data.normal(12, 0, 1);
            v[2] = Float.NaN;
            Tensor vNan = Tensors.fromFloats(v, 3, 4);
            Tensor rOk = Tensors.fromFloats(data.normal(12, 0, 1), 3, 4);
            e = assertThrows(IllegalArgumentException.class,
                    () -> Gae.compute(rOk, vNan, Tensors.fromMask(all, 3, 4), new GaeConfig(0, 0)));
            assertEquals("values: expected no NaN at valid positions, found NaN at [0, 2]", e.getMessage());

            float[] boot = {0f, Float.NaN, 0f};
            e = assertThrows(IllegalArgumentException.class, () -> Gae.compute(rOk, vt, Tensors.fromMask(all, 3, 4),
                    Tensors.fromFloats(boot, 3), new GaeConfig(1, 1)));
            assertEquals("bootstrap: expected no NaN for rows with valid positions, found NaN at [1]", e.getMessage());
        }
    }

    @Test
    void computeIntoPreallocatedOutputsEqualsCompute() {
        int b = 5;
        int t = 77;
        float[] r = data.normal(b * t, 0, 1);
        float[] v = data.normal(b * t, 0, 1);
        boolean[] m = data.mask(MaskKind.HOLES, b, t);
        try (PointerScope scope = new PointerScope()) {
            Tensor rt = Tensors.fromFloats(r, b, t);
            Tensor vt = Tensors.fromFloats(v, b, t);
            Tensor mt = Tensors.fromMask(m, b, t);
            GaeConfig cfg = new GaeConfig(0.95, 0.9);
            GaeResult want = Gae.compute(rt, vt, mt, cfg);
            Tensor adv = Tensors.fromFloats(new float[b * t], b, t);
            Tensor ret = Tensors.fromFloats(new float[b * t], b, t);
            for (int round = 0; round < 2; round++) { // reused buffers give the same results again
                Gae.computeInto(rt, vt, mt, null, cfg, adv, ret);
                assertArrayEquals(Tensors.toFloats(want.advantages()), Tensors.toFloats(adv));
                assertArrayEquals(Tensors.toFloats(want.returns()), Tensors.toFloats(ret));
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Gae.computeInto(rt, vt, mt, null, cfg, rt, ret));
            assertEquals("advantagesOut: expected memory of its own, found it aliasing an input", e.getMessage());
            Tensor small = Tensors.fromFloats(new float[b], b, 1);
            e = assertThrows(IllegalArgumentException.class, () -> Gae.computeInto(rt, vt, mt, null, cfg, adv, small));
            assertEquals("returnsOut: expected shape [5, 77] (the shape of rewards), found [5, 1]", e.getMessage());
        }
    }

    @Test
    void residentMemoryStaysFlatOverManyCalls() {
        int b = 64;
        int t = 512;
        try (PointerScope outer = new PointerScope()) {
            Tensor r = Tensors.fromFloats(data.normal(b * t, 0, 1), b, t);
            Tensor v = Tensors.fromFloats(data.normal(b * t, 0, 1), b, t);
            Tensor m = Tensors.fromMask(data.mask(MaskKind.HOLES, b, t), b, t);
            GaeConfig cfg = new GaeConfig(0.99, 0.95);
            for (int i = 0; i < 200; i++) { // warm up allocator caches
                try (PointerScope s = new PointerScope()) {
                    Gae.compute(r, v, m, cfg);
                }
            }
            long before = MemoryProbe.residentBytes();
            for (int i = 0; i < 3000; i++) {
                try (PointerScope s = new PointerScope()) {
                    Gae.compute(r, v, m, cfg);
                }
            }
            long grown = MemoryProbe.residentBytes() - before;
            // 3000 calls allocate 3000 * 256 KiB = 750 MiB of outputs; a leak would show.
            assertTrue(grown < 64L << 20, "resident memory grew by " + (grown >> 20) + " MiB");
        }
    }
}
